"""`hushlight sounds ...`: list the library, rescan it, render a trigger to a WAV file to listen to."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from device.audio.library import Library, TriggerUnreadable, UnknownTrigger


def register(subparsers: Any) -> None:
    from device.cli import add_config_args

    sounds = subparsers.add_parser("sounds", help="the trigger library: list, rescan, render")
    sub = sounds.add_subparsers(title="sounds commands", metavar="ACTION")
    listing = sub.add_parser("list", help="every trigger (built-in and yours) and every file that cannot be played")
    add_config_args(listing)
    listing.set_defaults(func=cmd_list)
    rescan = sub.add_parser("rescan", help="read the sounds folder again, measuring new or changed files")
    add_config_args(rescan)
    rescan.set_defaults(func=cmd_list)
    render = sub.add_parser("render", help="write a trigger, as it plays, to a WAV file")
    add_config_args(render)
    render.add_argument("name", help="trigger name, as in `hushlight sounds list`")
    render.add_argument("--out", type=Path, required=True, help="WAV file to write")
    render.add_argument(
        "--seconds", type=float, default=60.0, help="of a long recording, this much as it plays (default 60)"
    )
    render.set_defaults(func=cmd_render)


def _library(args: argparse.Namespace) -> Library | None:
    from device.audio.setup import open_library
    from device.cli import load_or_exit, setup_logging

    config = load_or_exit(args.config)
    if config is None:
        return None
    setup_logging("error")  # broken files are listed below, not logged twice
    return open_library(config.sounds, args.state_dir or config.device.state_dir, background=False)


def cmd_list(args: argparse.Namespace) -> int:
    library = _library(args)
    if library is None:
        return 2
    print(f"{'name':<20} {'title':<24} {'tags':<24} {'loudness':>9}  source")
    for name in library.names():
        t = library.get(name)
        source = "built-in" if t.path is None else str(t.path)
        gain = f" (gain {t.gain_db:+g} dB)" if t.gain_db else ""
        print(f"{name:<20} {t.title:<24} {','.join(t.tags):<24} {t.loudness:>5.1f} LUFS  {source}{gain}")
    for item in library.broken():
        print(f"{item.name:<20} BROKEN: {item.reason}  ({item.path})")
    print(f"{len(library.names())} triggers, {len(library.broken())} broken; folder {library.folder}")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from device.audio.dsp import write_wav

    library = _library(args)
    if library is None:
        return 2
    try:
        if not library.get(args.name).builtin and library.get(args.name).streamed:
            return _render_stream(library, args)
        samples = library.load(args.name)
    except UnknownTrigger:
        print(f"hushlight: no trigger called {args.name!r}; there are: {', '.join(library.names())}", file=sys.stderr)
        return 2
    except TriggerUnreadable as exc:
        print(f"hushlight: cannot read trigger {args.name!r}: {exc}", file=sys.stderr)
        return 1
    write_wav(args.out, samples)
    print(f"{args.out}: {args.name}, {samples.shape[0] / 44100:.1f} s, loops seamlessly")
    return 0


def _render_stream(library: Library, args: argparse.Namespace) -> int:
    """The opening of a long recording as it plays, written block by block (never the whole file in memory)."""
    from device.audio.recording import write_blocks

    stream = library.open_stream(args.name)
    total = int(max(args.seconds, 1.0) * 44100)

    def blocks() -> Any:
        written = 0
        while written < total:
            block = stream.chunk(min(65536, total - written))
            written += block.shape[0]
            yield block

    try:
        write_blocks(args.out, blocks(), 44100, 2)
    finally:
        stream.close()
    print(f"{args.out}: {args.name}, the first {total / 44100:.1f} s as it plays")
    return 0
