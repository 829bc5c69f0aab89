"""What the page's screens read, put together from the config, the state, the journal and the log."""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from collections import deque
from pathlib import Path
from typing import Any

from device import __version__
from device.audio import synth
from device.config.schema import WEEKDAYS, Config
from device.core.schedule import rated_night
from device.core.settings_actions import RATE_BACK_NIGHTS
from device.journal.nights import Night, group_nights, last_weeks
from device.journal.store import JOURNAL_FILE, JournalError, read_journal
from device.journal.summary import summarize
from device.web.uploads import user_files

JOURNAL_NIGHTS = 14
SUMMARY_WEEKS = 4
CHART_WEEKS = 8


class RecentWarnings(logging.Handler):
    """The log's last lines of level WARNING and up, for the Status screen."""

    def __init__(self, size: int = 30) -> None:
        super().__init__(logging.WARNING)
        self.lines: deque[dict[str, str]] = deque(maxlen=size)
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()[:500]
        except Exception:
            message = str(record.msg)[:500]
        with self._guard:
            self.lines.append(
                {
                    "at": dt.datetime.fromtimestamp(record.created).isoformat(timespec="seconds"),
                    "level": record.levelname,
                    "where": record.name,
                    "message": message,
                }
            )

    def recent(self) -> list[dict[str, str]]:
        with self._guard:
            return list(self.lines)


def week(config: Config, settings: dict[str, Any]) -> dict[str, Any]:
    """Each weekday's sleep and wake time (run-time change first, then the config), and the routine's lengths."""
    routine = config.routine
    days = []
    for day in WEEKDAYS:
        own = getattr(routine, day)
        sleep = own.sleep if own.sleep is not None else routine.sleep
        wake = own.wake if own.wake is not None else routine.wake
        days.append(
            {
                "day": day,
                "sleep": settings.get("day_sleep", {}).get(day, str(sleep)),
                "wake": settings.get("day_wake", {}).get(day, str(wake)),
            }
        )
    return {
        "days": days,
        "session_minutes": settings.get("session_minutes", routine.session_minutes),
        "min_session_minutes": routine.min_session_minutes,
        "max_session_minutes": routine.max_session_minutes,
        "ends_before_minutes": _own(settings, "ends_before_minutes", routine.ends_before_sleep_minutes),
        "sunrise_minutes": _own(settings, "sunrise_minutes", routine.sunrise_minutes),
        "config_dates_off": sorted(str(d) for d in routine.dates_off),
        "dates_off": settings.get("dates_off", []),
    }


def _own(settings: dict[str, Any], key: str, default: int) -> int:
    """A run-time length, or the config's when it has none (stored as -1)."""
    value = settings.get(key, -1)
    return value if isinstance(value, int) and value >= 0 else default


def sounds(snapshot: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """The whole library: built-ins and the user's recordings, with what the user has set for each."""
    settings = snapshot.get("settings", {})
    playable = set(snapshot.get("triggers", []))
    broken = set(snapshot.get("broken_triggers", []))
    yours = {path.stem: path.name for path in user_files(folder)}
    names = [*synth.BUILTINS, *sorted(set(yours) - set(synth.BUILTINS))]
    return [
        {
            "name": name,
            "file": yours.get(name, ""),
            "builtin": name in synth.BUILTINS and name not in yours,
            "playable": name in playable,
            "broken": name in broken or (name in yours and name not in playable),
            "pinned": settings.get("trigger") == name,
            "never": name in settings.get("never", []),
        }
        for name in names
    ]


def _nights(config: Config, state_dir: Path) -> tuple[list[Night], str]:
    try:
        sessions, ratings = read_journal(state_dir / JOURNAL_FILE)
    except JournalError as exc:
        return [], str(exc)
    return group_nights(sessions, ratings), ""


def journal(config: Config, state_dir: Path, tz: dt.tzinfo, now: float, last_start: float | None) -> dict[str, Any]:
    from device.cli.journal import night_dict

    nights, problem = _nights(config, state_dir)
    rating_night = rated_night(now, tz, config.routine, last_start)
    summary = summarize(last_weeks(nights, SUMMARY_WEEKS), SUMMARY_WEEKS, tz, config)
    drawn = last_weeks(nights, CHART_WEEKS)
    bedtimes, temperatures = [], []
    for night in drawn:
        main = night.main
        if main is None:
            continue
        local = dt.datetime.fromtimestamp(main.start, tz)
        minutes = local.hour * 60 + local.minute
        bedtimes.append({"night": night.night, "minutes": minutes + (1440 if minutes < 720 else 0)})
        if main.temperature_c is not None:
            temperatures.append({"night": night.night, "c": main.temperature_c})
    return {
        "problem": problem,
        "rating_night": rating_night.isoformat(),  # as the core decides it
        "rate_from": (rating_night - dt.timedelta(days=RATE_BACK_NIGHTS)).isoformat(),  # older ones: refused
        "nights": [night_dict(n, tz) for n in reversed(nights[-JOURNAL_NIGHTS:])],
        "summary": summary.to_dict(),
        "charts": {
            "triggers": [{"name": t.name, "good": t.good, "bad": t.bad} for t in summary.triggers],
            "bedtimes": bedtimes,
            "temperatures": temperatures,
            "comfort": [config.room.min_temp_c, config.room.max_temp_c],
        },
    }


def journal_csv(config: Config, state_dir: Path, tz: dt.tzinfo) -> str:
    from device.cli.journal import write_csv

    nights, _ = _nights(config, state_dir)
    out = io.StringIO()
    write_csv(out, nights, tz)
    return out.getvalue()


def status(config: Config, snapshot: dict[str, Any], warnings: RecentWarnings) -> dict[str, Any]:
    room = snapshot.get("room", {})
    sensors = {
        "temperature": config.sensors.temperature,
        "light": config.sensors.light,
        "found": sorted(set(room.get("sources", {}).values())),
        "reading": [k for k in ("temperature_c", "humidity", "pressure_hpa", "lux") if room.get(k) is not None],
    }
    return {
        "version": __version__,
        "device": config.device.id,
        "hub": {
            "enabled": config.mqtt.enabled,
            "broker": f"{config.mqtt.host}:{config.mqtt.port}" if config.mqtt.enabled else "",
            "connected": bool(snapshot.get("hub", {}).get("connected")),
        },
        "sensors": sensors,
        "lamp_backend": config.lamp.backend,
        "faults": snapshot.get("faults", {}),
        "warnings": warnings.recent(),
    }
