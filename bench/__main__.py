"""`make bench`: run every bench/bench_*.py and write bench/results.json.

Each module has ``run() -> list[dict]``; a figure is
``{"name", "value", "unit", "baseline", "ratio", "better": "lower"|"higher"}``
with the baseline measured in the same run, on the same machine.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def figure(name: str, value: float, unit: str, baseline: float, better: str, note: str = "") -> dict[str, object]:
    # A zero baseline (an idle process that used no measurable CPU) has no ratio: null, not Infinity (not JSON).
    ratio: float | None = value / baseline if baseline else (1.0 if value == 0 else None)
    out: dict[str, object] = {
        "name": name,
        "value": round(value, 6),
        "unit": unit,
        "baseline": round(baseline, 6),
        "ratio": None if ratio is None else round(ratio, 4),
        "better": better,
    }
    if note:
        out["note"] = note
    return out


def main(argv: list[str]) -> int:
    only = set(argv)
    figures: list[dict[str, object]] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem not in only:
            continue
        module = importlib.import_module(f"bench.{path.stem}")
        started = time.monotonic()
        print(f"{path.stem} ...", flush=True)
        results = module.run()
        for item in results:
            item["module"] = path.stem
            print(
                f"  {item['name']}: {item['value']} {item['unit']} (baseline {item['baseline']}, ratio {item['ratio']})"
            )
        figures.extend(results)
        print(f"  ({time.monotonic() - started:.1f} s)")
    if only:
        # A partial run (`python -m bench bench_hub`) replaces that module's figures and keeps the rest
        # (figures that name no module are from before modules were recorded: they cannot be kept apart).
        kept = [f for f in _previous_figures() if f.get("module") and f.get("module") not in only]
        figures = kept + figures
    report = {
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "figures": figures,
    }
    (HERE / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {HERE / 'results.json'}")
    return 0


def _previous_figures() -> list[dict[str, object]]:
    try:
        previous = json.loads((HERE / "results.json").read_text())
        return [f for f in previous.get("figures", []) if isinstance(f, dict)]
    except (OSError, ValueError):
        return []


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
