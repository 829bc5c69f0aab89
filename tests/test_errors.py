"""One exception family: every error Hushlight raises on purpose is a HushlightError and its builtin."""

from __future__ import annotations

import pytest

from device.audio.library import TriggerUnreadable, UnknownTrigger
from device.audio.mixer import MixerUnavailable
from device.errors import HushlightError
from device.hub.commands import Rejected
from device.hub.mqtt import HubSetupError
from device.sim.hardware import SimInputError


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (Rejected, ValueError),
        (HubSetupError, RuntimeError),
        (UnknownTrigger, KeyError),
        (TriggerUnreadable, RuntimeError),
        (MixerUnavailable, RuntimeError),
        (SimInputError, ValueError),
    ],
)
def test_each_error_is_in_the_family_and_still_its_builtin(cls, builtin):
    with pytest.raises(HushlightError):
        raise cls("what went wrong")
    with pytest.raises(builtin):
        raise cls("what went wrong")


def test_every_exception_class_in_the_package_is_in_the_family():
    import importlib
    import pkgutil

    import device

    outside = []
    for info in pkgutil.walk_packages(device.__path__, "device."):
        if info.name.endswith("__main__"):
            continue  # running it is what importing it does
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            ours = isinstance(value, type) and issubclass(value, Exception) and value.__module__ == info.name
            if ours and not issubclass(value, HushlightError):
                outside.append(f"{info.name}.{value.__name__}")
    assert outside == []
