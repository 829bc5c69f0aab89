"""The `hushlight` command.

Each area adds its sub-commands in a module of its own listed in
:data:`COMMAND_MODULES`; a module has ``register(subparsers)`` that adds
parsers whose ``func(args) -> int`` does the work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import logging
import os
import sys
from pathlib import Path

from device import __version__
from device.config import Config, default_config, load_config
from device.errors import ConfigError

DEFAULT_CONFIG = Path("/etc/hushlight/hushlight.toml")

# Modules that add sub-commands (`register(subparsers)`), one per area.
COMMAND_MODULES: list[str] = [
    "device.cli.lamp",
    "device.cli.sensors",
    "device.cli.journal",
    "device.cli.sound",
    "device.cli.plan",
    "device.doctor.command",
    "device.cli.web",
]

log = logging.getLogger("hushlight")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return int(args.func(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hushlight", description="Hushlight bedside sleep device")
    parser.add_argument("--version", action="version", version=f"hushlight {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = sub.add_parser("run", help="run the daemon")
    add_config_args(run)
    run.add_argument("--simulate", action="store_true", help="mock hardware: runs on any laptop")
    run.add_argument("--speed", type=float, default=1.0, help="simulation only: run the device clock N times faster")
    run.add_argument("--start", default="", help='simulation only: start the clock at a local time, "2026-11-24 22:00"')
    run.add_argument(
        "--sim-broker",
        action="store_true",
        help="simulation only: start a private mosquitto on loopback when the configured broker is not there",
    )
    run.set_defaults(func=cmd_run)

    config = sub.add_parser("config", help="check or show the configuration")
    config_sub = config.add_subparsers(title="config commands", metavar="ACTION")
    check = config_sub.add_parser("check", help="validate a config file; exit 2 when it is invalid")
    check.add_argument("file", nargs="?", type=Path, help=f"default: $HUSHLIGHT_CONFIG or {DEFAULT_CONFIG}")
    check.set_defaults(func=cmd_config_check)
    schema = config_sub.add_parser("schema", help="list every key with its default, unit and meaning")
    schema.set_defaults(func=cmd_config_schema)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help=f"config file (default: $HUSHLIGHT_CONFIG or {DEFAULT_CONFIG})")
    parser.add_argument("--state-dir", type=Path, help="where run-time state is kept (default: [device] state_dir)")


def config_path(arg: Path | None) -> Path | None:
    """The file to read: the argument, $HUSHLIGHT_CONFIG, or the system one if it exists."""
    if arg is not None:
        return arg
    env = os.environ.get("HUSHLIGHT_CONFIG")
    if env:
        return Path(env)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def load_or_exit(arg: Path | None) -> Config | None:
    """The validated config, or None after printing why it is invalid."""
    path = config_path(arg)
    try:
        return default_config() if path is None else load_config(path)
    except ConfigError as exc:
        print(f"hushlight: invalid configuration: {exc}", file=sys.stderr)
        return None


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


def cmd_run(args: argparse.Namespace) -> int:
    from device.runtime.daemon import RunOptions, local_zone, run_daemon

    config = load_or_exit(args.config)
    if config is None:
        return 2
    setup_logging(config.device.log_level)
    if not args.simulate and (args.speed != 1.0 or args.start):
        print(
            "hushlight: --speed and --start are for --simulate only; the real device keeps real time", file=sys.stderr
        )
        return 2
    if not args.simulate and args.sim_broker:
        print(
            "hushlight: --sim-broker is for --simulate only; the real device uses the configured broker",
            file=sys.stderr,
        )
        return 2
    if not args.speed > 0 or args.speed > 10000:
        print(f"hushlight: --speed must be above 0 and at most 10000, not {args.speed}", file=sys.stderr)
        return 2
    start = None
    if args.start:
        try:
            start = dt.datetime.fromisoformat(args.start).replace(tzinfo=local_zone(config)).timestamp()
        except ValueError:
            print(f'hushlight: --start {args.start!r} is not a time like "2026-11-24 22:00"', file=sys.stderr)
            return 2
    state_dir = args.state_dir or config.device.state_dir
    if config_path(args.config) is None:
        log.warning("no config file (%s missing): running on the built-in defaults", DEFAULT_CONFIG)
    return run_daemon(
        config,
        RunOptions(
            state_dir=state_dir, simulate=args.simulate, speed=args.speed, start=start, sim_broker=args.sim_broker
        ),
    )


def cmd_config_check(args: argparse.Namespace) -> int:
    path = config_path(args.file)
    if path is None:
        print(f"hushlight: no config file given and {DEFAULT_CONFIG} does not exist", file=sys.stderr)
        return 2
    try:
        load_config(path)
    except ConfigError as exc:
        print(f"hushlight: invalid configuration: {exc}", file=sys.stderr)
        return 2
    print(f"{path}: ok")
    return 0


def cmd_config_schema(args: argparse.Namespace) -> int:
    from device.config.describe import describe_schema

    for line in describe_schema():
        print(line)
    return 0
