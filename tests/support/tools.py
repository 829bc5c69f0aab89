"""Tools from the system that some tests need: skipped with the reason where missing, but never under CI."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest


def _missing(what: str, how: str) -> None:
    message = f"{what} is not installed ({how}; `make test` installs it as root on Debian)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + ": under CI it must be there")
    pytest.skip(message)


def require_tool(name: str, package: str) -> str:
    path = shutil.which(name) or next((p for p in (f"/usr/bin/{name}", f"/bin/{name}") if os.path.exists(p)), None)
    if path is None:
        _missing(name, f"Debian package {package!r}")
    assert path is not None
    return path


def require_module(name: str, pip_name: str) -> None:
    if importlib.util.find_spec(name) is None:
        _missing(f"the Python module {name}", f"pip install {pip_name}")
