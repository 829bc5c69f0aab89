"""The doctor's checks of the system: config, pins and config.txt, state directory, clock, the service."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from device.config.schema import Config
from device.doctor.bootconfig import active_lines, find_boot_config, overlay_pins
from device.doctor.result import Host, Result, Status
from device.hardware.pinout import boot_config_lines, configured_pins, pin_name

MIN_FREE_MB = 50  # the journal and settings are small; the built-in sounds' cache is about 70 MB once
LOW_FREE_MB = 200


def check_pins(config: Config, host: Host) -> list[Result]:
    """The wiring's config.txt lines are in force, and no other overlay takes a pin the config uses."""
    if host.simulate:
        return [Result("pins", "ok", "simulation: no config.txt; " + _pins_summary(config))]
    path = find_boot_config(host.root)
    if path is None:
        return [
            Result(
                "pins",
                "warn",
                f"no config.txt under {host.root / 'boot/firmware'} (not a Raspberry Pi?)",
                "run `hushlight boot-config` and put its lines in /boot/firmware/config.txt",
            )
        ]
    lines = active_lines(path.read_text(errors="replace"))
    wanted = [line for line in boot_config_lines(config) if not line.startswith("#")]
    missing = [line for line in wanted if not _in_force(line, lines)]
    # Only the lamp may share its pin with a line: the PWM overlay that drives it.
    foreign = [
        (key, pin, owner)
        for key, pin in configured_pins(config)
        for owner, taken in overlay_pins(lines)
        if taken == pin and not (key == "lamp.pin" and owner.startswith("dtoverlay=pwm"))
    ]
    if foreign:
        key, pin, owner = foreign[0]
        return [
            Result(
                "pins",
                "fail",
                f"{key} = {pin_name(pin)}, which {owner} in {path} also takes",
                f"remove that line from {path} or move {key} to a free pin (see hardware/README.md), then reboot",
            )
        ]
    if missing:
        return [
            Result(
                "pins",
                "fail",
                f"{path} lacks {', '.join(missing)}",
                "`sudo make install` adds them (or add them by hand), then reboot",
            )
        ]
    return [Result("pins", "ok", f"{_pins_summary(config)}; {path} has the lines they need")]


def _in_force(wanted: str, lines: list[str]) -> bool:
    """``wanted`` or an equivalent: the same overlay with the same pins (``dtoverlay=max98357a`` with or
    without ``no-sdmode``; a GPIO4 it then takes is the pin check's business)."""
    if wanted in lines or not wanted.startswith("dtoverlay="):
        return wanted in lines
    name, *params = wanted.removeprefix("dtoverlay=").split(",")
    pins = {p for p in params if p.startswith("pin")}
    for line in lines:
        other, *other_params = line.removeprefix("dtoverlay=").split(",")
        if line.startswith("dtoverlay=") and other == name and pins <= set(other_params):
            return True
    return False


def _pins_summary(config: Config) -> str:
    return ", ".join(f"{key.removesuffix('.pin')} {pin_name(pin)}" for key, pin in configured_pins(config))


def check_state_dir(state_dir: Path) -> Result:
    fix = f"sudo install -d -o hushlight -g hushlight -m 0750 {state_dir}"
    if not state_dir.is_dir():
        return Result("state", "fail", f"{state_dir} does not exist", fix)
    try:
        with tempfile.NamedTemporaryFile(dir=state_dir, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Result("state", "fail", f"{state_dir} is not writable: {exc.strerror or exc}", fix)
    free_mb = shutil.disk_usage(state_dir).free / 1e6
    if free_mb < MIN_FREE_MB:
        return Result("state", "fail", f"{state_dir}: only {free_mb:.0f} MB free", "free space on the SD card")
    status: Status = "warn" if free_mb < LOW_FREE_MB else "ok"
    return Result("state", status, f"{state_dir} writable, {free_mb:,.0f} MB free", "free space on the SD card")


class _Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("_rest", ctypes.c_byte * 204)]


def kernel_clock_synchronised() -> bool | None:
    """What the kernel says (adjtimex): False while NTP has not set the clock, None where it cannot be asked."""
    name = ctypes.util.find_library("c")
    if not name or not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        state = libc.adjtimex(ctypes.byref(_Timex()))
    except (OSError, AttributeError):
        return None
    TIME_ERROR = 5  # the clock is not synchronised
    return None if state < 0 else state != TIME_ERROR


def check_time(host: Host) -> Result:
    synced = (host.clock_synchronised or kernel_clock_synchronised)()
    fix = "`timedatectl` should say 'System clock synchronized: yes': check the network and systemd-timesyncd"
    if synced is None:
        return Result("time", "warn", "cannot tell whether the clock is synchronised", fix)
    if not synced:
        return Result("time", "fail", "the clock is not synchronised (the schedule needs the right time)", fix)
    return Result("time", "ok", "the clock is synchronised")


SERVICE = "hushlight.service"


def _run(command: list[str]) -> tuple[int, str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)
    return done.returncode, done.stdout


def check_service(host: Host) -> Result:
    properties = "LoadState,UnitFileState,ActiveState,SubState,NRestarts,Result,ExecMainStatus"
    code, out = (host.run or _run)(["systemctl", "show", SERVICE, f"--property={properties}"])
    values = dict(line.partition("=")[::2] for line in out.splitlines())
    if code != 0 or not values:
        status: Status = "ok" if host.simulate else "warn"
        return Result("service", status, "systemd cannot be asked here", "on the Pi: `sudo make install`")
    if values.get("LoadState") != "loaded":
        return Result(
            "service", "ok" if host.simulate else "warn", f"{SERVICE} is not installed", "`sudo make install`"
        )
    enabled, active = values.get("UnitFileState", "?"), values.get("ActiveState", "?")
    restarts, result = values.get("NRestarts", "0"), values.get("Result", "success")
    detail = f"{enabled}, {active} ({values.get('SubState', '?')}), {restarts} restarts"
    if result != "success":
        detail += f", last result: {result} (exit status {values.get('ExecMainStatus', '?')})"
    logs = "see `journalctl -u hushlight -b`"
    if active == "failed" or (active == "inactive" and enabled == "enabled"):
        return Result("service", "fail", detail, f"{logs}, then `sudo systemctl restart hushlight`")
    if enabled != "enabled":
        return Result("service", "warn", detail, "`sudo systemctl enable --now hushlight`")
    return Result("service", "warn" if result != "success" else "ok", detail, logs)
