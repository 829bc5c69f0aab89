"""`hushlight web password`: set (or remove) the page's sign-in password, stored hashed in the state directory."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    from device.cli import add_config_args

    web = sub.add_parser("web", help="the device's own web page")
    actions = web.add_subparsers(title="web commands", metavar="ACTION")
    password = actions.add_parser("password", help="set the page's password (asked twice; stored hashed)")
    add_config_args(password)
    password.add_argument("--remove", action="store_true", help="remove it: only the bedside button signs in")
    password.add_argument("--stdin", action="store_true", help="read the password from standard input (one line)")
    password.set_defaults(func=cmd_password)


def cmd_password(args: argparse.Namespace) -> int:
    from device.cli import load_or_exit
    from device.persist import JsonStateFile
    from device.web import security

    config = load_or_exit(args.config)
    if config is None:
        return 2
    store = JsonStateFile(Path(args.state_dir or config.device.state_dir) / security.PASSWORD_FILE)
    if args.remove:
        store.path.unlink(missing_ok=True)
        print("web page password removed: sign in with a long press of the bedside button")
        return 0
    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New web page password: ")
        if getpass.getpass("Once more: ") != password:
            print("hushlight: the two passwords differ; nothing changed", file=sys.stderr)
            return 1
    problem = security.password_problem(password)
    if problem:
        print(f"hushlight: {problem}; nothing changed", file=sys.stderr)
        return 1
    try:
        store.path.parent.mkdir(parents=True, exist_ok=True)
        store.save(security.hash_password(password))
    except OSError as exc:
        print(f"hushlight: cannot write {store.path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"web page password set (scrypt hash in {store.path}); it works at once")
    return 0
