"""gpiozero's pin factory on a Pi: chosen once, with every reason when none works.

lgpio (the only backend on a Pi 5, gpiozero's first choice everywhere) creates its notification
pipes (``.lgd-nfy*``) in the current directory, or in ``$LG_WD`` (into which it changes). A service
started in ``/`` cannot create them: ``import lgpio`` fails and every pin is dead (gpiozero #1106,
lg #12). The unit sets ``WorkingDirectory=``; for a command started elsewhere (a home directory
that the service user cannot write, or a checkout), :func:`lgpio_workdir` points lgpio at the state
directory.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from device.errors import HardwareError


def lgpio_workdir(preferred: Path | None) -> Path:
    """Where lgpio will create its pipes: ``$LG_WD`` if set, else ``preferred`` (the state directory: no
    pipes left in the user's directory), the current directory, or the temporary one, whichever is writable."""
    if os.environ.get("LG_WD"):
        return Path(os.environ["LG_WD"])
    for candidate in (preferred, Path.cwd(), Path(tempfile.gettempdir())):
        if candidate is not None and os.access(candidate, os.W_OK | os.X_OK):
            if candidate != Path.cwd():
                os.environ["LG_WD"] = str(candidate)
            return candidate
    return Path.cwd()


def select_pin_factory(state_dir: Path | None = None) -> Any:
    """gpiozero's default factory (lgpio first), made now; :class:`HardwareError` with each backend's reason."""
    from gpiozero import Device
    from gpiozero.exc import BadPinFactory, PinFactoryFallback

    cwd = os.getcwd()
    workdir = lgpio_workdir(state_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PinFactoryFallback)
        try:
            factory = Device._default_pin_factory()
        except BadPinFactory:
            reasons = "; ".join(str(w.message).replace("Falling back from ", "") for w in caught)
            raise HardwareError(
                f"no GPIO pin factory works ({reasons}); lgpio's pipes go in {workdir}. On a Pi: "
                "`pip install lgpio` in the venv, the user in the gpio group; elsewhere use --simulate"
            ) from None
        finally:
            if os.getcwd() != cwd:  # lgpio changed into $LG_WD; relative paths of the caller stay valid
                os.chdir(cwd)
    return factory
