"""Processes seen through /proc: a daemon's children, and waiting for processes to be gone."""

from __future__ import annotations

import os
import time
from pathlib import Path


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the name in parentheses may hold spaces


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid``."""
    parents = {int(p): parent_of(int(p)) for p in os.listdir("/proc") if p.isdigit()}
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and alive(child):
                found.append(child)
                frontier.append(child)
    return found


def wait_for_child(pid: int, words: str, timeout: float = 30.0) -> int:
    """A descendant of ``pid`` whose command line holds ``words``."""
    return wait_for_child_line(pid, words, timeout)[0]


def wait_for_child_line(pid: int, words: str, timeout: float = 30.0) -> tuple[int, str]:
    """A descendant of ``pid`` whose command line holds ``words``, with that command line as read
    then (a second read can find the child already gone, and its command line empty)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in descendants(pid):
            line = cmdline(child)
            if words in line:
                return child, line
        time.sleep(0.05)
    raise AssertionError(f"no child of {pid} running {words!r} within {timeout} s")


def gone(pids: list[int], timeout: float = 10.0) -> bool:
    """Whether all of ``pids`` have exited within ``timeout`` (the kernel's signal is not instant)."""
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
