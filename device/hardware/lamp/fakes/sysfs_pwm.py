"""A /sys/class/pwm tree in an ordinary folder, with the kernel's rules.

The files are real (look at them during a simulation); writes go through
:meth:`FakePwmSysfs.write`, which does what the kernel's PWM sysfs does:
``export`` creates ``pwmN/``, ``duty_cycle`` above ``period`` is EINVAL,
enabling with period 0 is EINVAL, ``polarity`` only changes while disabled.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path


class FakePwmSysfs:
    def __init__(self, root: Path, chips: dict[int, int] | None = None, devices: dict[int, str] | None = None) -> None:
        """``chips`` maps chip number to channel count (default: pwmchip0 with 2, like a Pi 4); ``devices``
        names a chip's device (``{0: "fe20c000.pwm"}``): then ``pwmchipN`` is a symlink into
        ``.devices/<device>/pwm/pwmchipN``, as in the kernel's tree."""
        self.root = Path(root)
        self.log: list[tuple[str, str]] = []  # (path relative to root, value) of every accepted write
        self.duties: dict[tuple[int, int], list[float]] = {}  # every duty written, as a fraction of the period
        for chip, npwm in (chips or {0: 2}).items():
            chip_dir = self.root / f"pwmchip{chip}"
            device = (devices or {}).get(chip)
            if device and not chip_dir.is_symlink():
                real = self.root / ".devices" / device / "pwm" / chip_dir.name
                real.mkdir(parents=True, exist_ok=True)
                if chip_dir.is_dir():
                    shutil.rmtree(chip_dir)
                chip_dir.symlink_to(real)
            chip_dir.mkdir(parents=True, exist_ok=True)
            (chip_dir / "npwm").write_text(f"{npwm}\n")
            for name in ("export", "unexport"):
                (chip_dir / name).touch()

    # -- the Sysfs interface -----------------------------------------------------

    def exists(self, path: Path) -> bool:
        return Path(path).exists()

    def read(self, path: Path) -> str:
        return Path(path).read_text().strip()

    def write(self, path: Path, value: str) -> None:
        path = Path(path)
        rel = path.relative_to(self.root)
        if len(rel.parts) == 2:
            self._chip_write(path.parent, rel.parts[1], value)
        elif len(rel.parts) == 3 and rel.parts[1].startswith("pwm"):
            self._channel_write(path.parent, rel.parts[2], value)
        else:
            raise _error(errno.EACCES, path)
        self.log.append((str(rel), value))

    # -- the kernel's rules --------------------------------------------------------

    def _chip_write(self, chip_dir: Path, name: str, value: str) -> None:
        channel = _int(value, chip_dir / name)
        npwm = int(self.read(chip_dir / "npwm"))
        if name not in ("export", "unexport") or not 0 <= channel < npwm:
            raise _error(errno.EINVAL, chip_dir / name)
        channel_dir = chip_dir / f"pwm{channel}"
        if name == "export":
            if channel_dir.exists():
                raise _error(errno.EBUSY, chip_dir / name)
            channel_dir.mkdir()
            for attr, initial in (("period", "0"), ("duty_cycle", "0"), ("enable", "0"), ("polarity", "normal")):
                (channel_dir / attr).write_text(initial + "\n")
        else:
            if not channel_dir.exists():
                raise _error(errno.EINVAL, chip_dir / name)
            shutil.rmtree(channel_dir)

    def _channel_write(self, channel_dir: Path, name: str, value: str) -> None:
        if not channel_dir.exists():
            raise _error(errno.ENOENT, channel_dir / name)
        period = int(self.read(channel_dir / "period"))
        duty = int(self.read(channel_dir / "duty_cycle"))
        enabled = self.read(channel_dir / "enable") == "1"
        if name == "period":
            new = _int(value, channel_dir / name)
            if new < duty or (enabled and new == 0):
                raise _error(errno.EINVAL, channel_dir / name)
        elif name == "duty_cycle":
            new = _int(value, channel_dir / name)
            if new > period:
                raise _error(errno.EINVAL, channel_dir / name)
            key = (int(channel_dir.parent.name[7:]), int(channel_dir.name[3:]))
            self.duties.setdefault(key, []).append(new / period if period else 0.0)
        elif name == "enable":
            if value not in ("0", "1") or (value == "1" and period == 0):
                raise _error(errno.EINVAL, channel_dir / name)
        elif name == "polarity":
            if enabled:
                raise _error(errno.EBUSY, channel_dir / name)
            if value not in ("normal", "inversed"):
                raise _error(errno.EINVAL, channel_dir / name)
        else:
            raise _error(errno.EACCES, channel_dir / name)
        (channel_dir / name).write_text(value + "\n")


def _int(value: str, path: Path) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise _error(errno.EINVAL, path) from None
    if number < 0:
        raise _error(errno.EINVAL, path)
    return number


def _error(code: int, path: Path) -> OSError:
    return OSError(code, os.strerror(code), str(path))
