"""Memory after a night of built-ins (issue 14): no decoded built-in is kept once the night is over."""

from __future__ import annotations

from pathlib import Path

from tests.support.night_memory import fake_builtin_cache, measure

MB = 1e6


def test_playing_through_all_ten_builtins_leaves_resident_memory_within_15_mb_of_the_start(tmp_path: Path) -> None:
    fake_builtin_cache(tmp_path / "cache")  # 40 s loops, as long as the real ones
    result = measure(tmp_path)
    assert result["output_closed"] == 1.0
    # Holding them decoded (14 MB each as float32, copied into SDL) took this process from 57 to 163 MB.
    assert result["after"] - result["start"] <= 15 * MB, {k: round(v / MB, 1) for k, v in result.items()}
    assert result["peak"] - result["start"] <= 20 * MB, "streamed: two chunks per voice, not the whole loop"
