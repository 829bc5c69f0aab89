"""`hushlight journal` (last nights, weekly summary, CSV export) and `hushlight report` (a picture)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import IO, Any

from device.cli import add_config_args, load_or_exit
from device.config.schema import Config
from device.journal.nights import Night, SessionRow, group_nights, last_weeks
from device.journal.store import JOURNAL_FILE, JournalError, read_journal
from device.journal.summary import Summary, planned_start, summarize

NO_NIGHTS = "No nights yet: the journal is empty. Sessions are recorded as they run; rate a night in the morning."
REASONS = {"time_limit": "time limit", "good_night": "good night", "no_playable_trigger": "no sound"}


def register(sub: Any) -> None:
    journal = sub.add_parser("journal", help="the sleep journal: last nights, weekly summary, export")
    add_config_args(journal)
    journal.add_argument("--weeks", type=_positive, help="summary of the last N weeks instead of the table")
    journal.add_argument("--nights", type=_positive, default=14, help="nights in the table (default 14)")
    journal.add_argument("--json", action="store_true", help="machine-readable output")
    journal.set_defaults(func=cmd_journal)
    actions = journal.add_subparsers(title="journal commands", metavar="ACTION")
    export = actions.add_parser("export", help="every session and rating as CSV")
    # SUPPRESS: given before or after "export", these must not reset the journal command's own
    export.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="as for hushlight journal")
    export.add_argument("--state-dir", type=Path, default=argparse.SUPPRESS, help="as for hushlight journal")
    export.add_argument("--csv", type=Path, required=True, metavar="FILE", help='where to write; "-" = stdout')
    export.set_defaults(func=cmd_export)

    report = sub.add_parser("report", help="draw the journal to a PNG (needs: pip install 'hushlight[report]')")
    add_config_args(report)
    report.add_argument("--out", type=Path, default=Path("report.png"), help="PNG to write (default report.png)")
    report.add_argument("--weeks", type=_positive, default=8, help="weeks to draw (default 8)")
    report.set_defaults(func=cmd_report)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if not 1 <= value <= 520:
        raise argparse.ArgumentTypeError(f"expected 1 to 520, not {value}")
    return value


def load_nights(args: argparse.Namespace) -> tuple[Config, list[Night]] | None:
    """The config and the journal's nights, or None after saying what is wrong."""
    config = load_or_exit(args.config)
    if config is None:
        return None
    path = (args.state_dir or config.device.state_dir) / JOURNAL_FILE
    try:
        sessions, ratings = read_journal(path)
    except JournalError as exc:
        print(f"hushlight: {exc}", file=sys.stderr)
        return None
    return config, group_nights(sessions, ratings)


def local_zone(config: Config) -> dt.tzinfo:
    from device.runtime.daemon import local_zone as zone

    return zone(config)


def cmd_journal(args: argparse.Namespace) -> int:
    loaded = load_nights(args)
    if loaded is None:
        return 2
    config, nights = loaded
    tz = local_zone(config)
    if args.weeks:
        summary = summarize(last_weeks(nights, args.weeks), args.weeks, tz, config)
        print(json.dumps(summary.to_dict(), indent=2) if args.json else "\n".join(summary_lines(summary)))
        return 0
    shown = nights[-args.nights :]
    if args.json:
        print(json.dumps([night_dict(n, tz) for n in shown], indent=2))
    elif not shown:
        print(NO_NIGHTS)
    else:
        print("\n".join(table_lines(shown, tz, config)))
    return 0


def _clock(when: float | None, tz: dt.tzinfo) -> str:
    return "" if when is None else dt.datetime.fromtimestamp(when, tz).strftime("%H:%M")


def night_dict(night: Night, tz: dt.tzinfo) -> dict[str, Any]:
    main = night.main
    return {
        "night": night.night,
        "rating": night.rating.rating if night.rating else None,
        "trigger": main.played if main else None,
        "sessions": [_session_dict(s, tz) for s in night.sessions],
    }


def _session_dict(s: SessionRow, tz: dt.tzinfo) -> dict[str, Any]:
    return {
        "trigger": s.trigger,
        "final_trigger": s.played,
        "source": s.source,
        "start": dt.datetime.fromtimestamp(s.start, tz).isoformat(timespec="seconds"),
        "scheduled": _clock(s.scheduled, tz) or None,
        "planned_min": round(s.planned / 60, 1),
        "actual_min": None if s.actual is None else round(s.actual / 60, 1),
        "ended": s.reason,
        "volume": s.volume,
        "temperature_c": s.temperature_c,
        "humidity": s.humidity,
        "lux": s.lux,
        "not_ready": list(s.not_ready),
        "sunset_minutes": s.sunset_minutes,
        "why": {dim: c.get("why", "") for dim, c in s.choice.items() if isinstance(c, dict)},
    }


def table_lines(nights: list[Night], tz: dt.tzinfo, config: Config) -> list[str]:
    rows = [("night", "day", "start", "plan", "length", "ended", "trigger", "room", "rating")]
    for night in nights:
        day = dt.date.fromisoformat(night.night).strftime("%a")
        rating = night.rating.rating if night.rating else "-"
        main = night.main
        if main is None:
            rows.append((night.night, day, "", "", "", "no session", "", "", rating))
            continue
        extra = f" +{len(night.sessions) - 1}" if len(night.sessions) > 1 else ""
        room = "" if main.temperature_c is None else f"{main.temperature_c:.1f}°C"
        if main.not_ready:
            room += " !" + ",".join(main.not_ready)
        ended = "unfinished" if main.reason is None else REASONS.get(main.reason, main.reason)
        length = f"{round(main.length / 60)} min"
        rows.append(
            (
                night.night,
                day,
                _clock(main.start, tz),
                _clock(planned_start(night, config, tz), tz) or "-",
                length,
                ended,
                main.played + extra,
                room or "-",
                rating,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def summary_lines(s: Summary) -> list[str]:
    if s.nights == 0 and s.rated == 0:
        return [NO_NIGHTS]
    lines = [
        f"Last {s.weeks} week{'s' * (s.weeks > 1)} ({s.first} to {s.last}): {s.nights} nights, {s.rated} rated",
        "",
    ]
    lines.append(f"{'trigger':<16}{'nights':>7}{'good':>6}{'bad':>5}   chance of a good night (90 % interval)")
    for t in s.triggers:
        lines.append(f"{t.name:<16}{t.nights:>7}{t.good:>6}{t.bad:>5}   {t.mean:.2f} ({t.low:.2f}-{t.high:.2f})")
    lines.append("")
    if s.bedtime_mean is not None:
        late = "" if s.late_min is None else f"; {s.late_min:+.0f} min against the schedule on average"
        lines.append(f"Bedtime: sessions started at {s.bedtime_mean} on average, ±{s.bedtime_spread_min:.0f} min{late}")
    if s.avg_temperature_c is not None:
        lines.append(
            f"Room: {s.avg_temperature_c:.1f} °C on average; too warm on {s.too_warm} and too cold on "
            f"{s.too_cold} of {s.temperature_nights} nights; not ready on {s.not_ready}"
        )
    lines.append(f"Routine: ran by itself {s.streak} night{'s' * (s.streak != 1)} in a row")
    lines.append(f"Advice: {s.advice}")
    return lines


def cmd_export(args: argparse.Namespace) -> int:
    loaded = load_nights(args)
    if loaded is None:
        return 2
    config, nights = loaded
    tz = local_zone(config)
    if args.csv == Path("-"):
        write_csv(sys.stdout, nights, tz)
        return 0
    try:
        with args.csv.open("w", newline="", encoding="utf-8") as out:
            rows = write_csv(out, nights, tz)
    except OSError as exc:
        print(f"hushlight: cannot write {args.csv}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{args.csv}: {rows} rows" if nights else f"{args.csv}: header only. {NO_NIGHTS}")
    return 0


CSV_FIELDS = [
    "night",
    "rating",
    "trigger",
    "final_trigger",
    "source",
    "start",
    "scheduled",
    "planned_min",
    "actual_min",
    "ended",
    "volume",
    "temperature_c",
    "humidity",
    "lux",
    "not_ready",
    "sunset_minutes",
    "why",
]


def write_csv(out: IO[str], nights: list[Night], tz: dt.tzinfo) -> int:
    """One row per session (a rated night without a session gets one too); returns the rows written."""
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    count = 0
    for night in nights:
        rating = night.rating.rating if night.rating else ""
        for data in [_session_dict(s, tz) for s in night.sessions] or [{}]:
            row = {key: data.get(key, "") for key in CSV_FIELDS}
            row.update(night=night.night, rating=rating)
            row["not_ready"] = " ".join(data.get("not_ready", []))
            row["why"] = " | ".join(data.get("why", {}).values())
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
            count += 1
    return count


def cmd_report(args: argparse.Namespace) -> int:
    try:
        from device.journal.report import draw_report
    except ImportError as exc:
        print(f"hushlight report needs matplotlib ({exc}): pip install 'hushlight[report]'", file=sys.stderr)
        return 1
    loaded = load_nights(args)
    if loaded is None:
        return 2
    config, nights = loaded
    try:
        draw_report(last_weeks(nights, args.weeks), config, local_zone(config), args.out)
    except OSError as exc:
        print(f"hushlight: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: written" if nights else f"{args.out}: written. {NO_NIGHTS}")
    return 0
