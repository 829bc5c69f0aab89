"""A check's result and how the doctor prints it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Status = Literal["ok", "warn", "fail"]
MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


@dataclass(frozen=True)
class Result:
    check: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        fix = f" -> fix: {self.fix}" if self.fix and self.status != "ok" else ""
        return f"{MARK[self.status]}  {self.check:<8} {self.detail}{fix}"


@dataclass
class Host:
    """Where the doctor looks: the real machine under ``root``, and the commands it asks (tests fake all of it)."""

    root: Path = Path("/")
    simulate: bool = False
    config_path: Path | None = None
    run: Callable[[list[str]], tuple[int, str]] | None = None  # runs a command: (exit code, stdout)
    clock_synchronised: Callable[[], bool | None] | None = None  # None = cannot tell
    extra: dict[str, Any] = field(default_factory=dict)


def as_text(results: Iterable[Result]) -> str:
    return "\n".join(r.line() for r in results)


def as_json(results: list[Result], config_path: Path | None) -> str:
    return json.dumps(
        {
            "ok": all(r.status != "fail" for r in results),
            "config": str(config_path) if config_path else None,
            "checks": [asdict(r) for r in results],
        },
        indent=2,
    )
