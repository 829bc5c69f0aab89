"""`hushlight doctor` and `hushlight boot-config`: registered on the command line in a few lines."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from device.config import Config, default_config, load_config
from device.doctor import hardware, system
from device.doctor.result import Host, Result, as_json, as_text
from device.errors import ConfigError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = sub.add_parser("doctor", help="check the device: one line per check, with the fix; exit 1 on a failure")
    doctor.add_argument("--config", type=Path, help="config file (default: $HUSHLIGHT_CONFIG or /etc/hushlight/…)")
    doctor.add_argument("--state-dir", type=Path, help="default: [device] state_dir")
    doctor.add_argument("--simulate", action="store_true", help="check against the simulated hardware")
    doctor.add_argument("--json", action="store_true", help="the results as JSON (for the hub or a script)")
    doctor.set_defaults(func=cmd_doctor)
    boot = sub.add_parser("boot-config", help="print the /boot/firmware/config.txt lines the configured wiring needs")
    boot.add_argument("--config", type=Path, help="config file (default: $HUSHLIGHT_CONFIG or /etc/hushlight/…)")
    boot.set_defaults(func=cmd_boot_config)


def cmd_doctor(args: argparse.Namespace) -> int:
    from device.cli import config_path

    path = config_path(args.config)
    # HUSHLIGHT_ROOT: the installer's throwaway root in tests (and an image being prepared): look there.
    root = Path(os.environ.get("HUSHLIGHT_ROOT") or "/")
    results = run_checks(Host(root=root, simulate=args.simulate, config_path=path), args.state_dir)
    print(as_json(results, path) if args.json else as_text(results))
    return 1 if any(r.status == "fail" for r in results) else 0


def cmd_boot_config(args: argparse.Namespace) -> int:
    from device.cli import load_or_exit
    from device.hardware.pinout import boot_config_lines

    config = load_or_exit(args.config)
    if config is None:
        return 2
    print("\n".join(boot_config_lines(config)))
    return 0


def check_config(path: Path | None) -> tuple[Config, Result]:
    if path is None:
        return default_config(), Result(
            "config", "warn", "no config file: the built-in defaults", "`sudo make install` puts one in /etc/hushlight"
        )
    try:
        return load_config(path), Result("config", "ok", f"{path} is valid")
    except ConfigError as exc:
        fix = f"edit {path} as the message says, then `hushlight config check {path}`"
        return default_config(), Result("config", "fail", str(exc), fix)


def run_checks(host: Host, state_dir: Path | None = None) -> list[Result]:
    """Every check in order; a broken config leaves the others on the defaults."""
    config, result = check_config(host.config_path)
    configured = config.device.state_dir
    state = state_dir or (host.root / configured.relative_to("/") if configured.is_absolute() else configured)
    results = [result, *system.check_pins(config, host)]
    results += [
        hardware.check_i2c(config, host),
        hardware.check_gpio(config, host, state),
        hardware.check_pwm(config, host),
        hardware.check_audio(config, host),
        hardware.check_broker(config, host),
        system.check_state_dir(state),
        system.check_time(host),
        system.check_service(host),
    ]
    return results


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - `hushlight doctor` is the way in
    from device.cli import main as cli_main

    return cli_main(["doctor", *(argv if argv is not None else sys.argv[1:])])
