"""Config sections of the behaviour: sounds, the bedtime routine and the journal's experiment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from device.config.base import Minutes, Percent, Seconds, Section
from device.config.types import ClockTime, SleepTime


class SoundsConfig(Section, frozen=True):
    library: Annotated[
        Path, Meta(description='Folder of your own recordings; "" = <state_dir>/sounds', extra={"unit": "path"})
    ] = Path("")
    volume: Annotated[Percent, Meta(description="Volume at start, until changed at run time")] = 40.0
    max_volume: Annotated[Percent, Meta(description="No volume above this, whatever asks")] = 80.0
    floor_db: Annotated[
        float, Meta(ge=-80, le=-10, description="Gain at volume 1 (the quietest audible step)", extra={"unit": "dB"})
    ] = -50.0
    ceiling_db: Annotated[float, Meta(ge=-30, le=0, description="Gain at volume 100", extra={"unit": "dB"})] = 0.0
    fade_in_s: Annotated[Seconds, Meta(description="Fade-in at session start")] = 8.0
    fade_out_s: Annotated[Seconds, Meta(description="Fade-out at session end or stop")] = 10.0
    crossfade_s: Annotated[Seconds, Meta(description="Crossfade when the trigger changes")] = 4.0
    good_night_s: Annotated[Seconds, Meta(description="Fade of sound and lamp on good night")] = 10.0
    trigger: Annotated[
        str, Meta(max_length=64, description='Pinned trigger; "" = chosen night by night', extra={"unit": ""})
    ] = ""
    exclude: Annotated[list[str], Meta(description="Triggers never chosen", extra={"unit": ""})] = msgspec.field(
        default_factory=list
    )
    audio_driver: Annotated[
        str, Meta(max_length=32, description='SDL audio driver, e.g. "alsa"; "" = SDL decides', extra={"unit": ""})
    ] = ""
    audio_device: Annotated[
        str, Meta(max_length=128, description='Output device name; "" = the default', extra={"unit": ""})
    ] = ""
    buffer_samples: Annotated[
        int, Meta(ge=128, le=8192, description="Mixer buffer: smaller = lower latency", extra={"unit": "samples"})
    ] = 512
    loop_crossfade_s: Annotated[
        float,
        Meta(
            ge=0.1,
            le=30,
            description="A recording's end fades into its start over this when it repeats",
            extra={"unit": "s"},
        ),
    ] = 3.0
    recording_start: Annotated[
        Literal["resume", "random", "start"],
        Meta(description='Where a long recording starts: "resume" where it last stopped, "random", or "start"'),
    ] = "resume"
    audio_overlay: Annotated[
        Literal["max98357a", "hifiberry-dac", "none"],
        Meta(
            description='I2S audio overlay in config.txt (it owns GPIO18-21); "none" for USB or HDMI sound',
            extra={"unit": ""},
        ),
    ] = "max98357a"
    keep_output_open: Annotated[
        Literal["night", "always", "never"],
        Meta(
            description='Keep the audio output open through silences: "night" (night_starts to [routine] morning_end; '
            'an I2S amplifier pops when its clock stops or starts), "always", or "never" (closed after 30 s of silence)',
            extra={"unit": ""},
        ),
    ] = "night"
    night_starts: Annotated[ClockTime, Meta(description='Start of the night for keep_output_open = "night"')] = (
        ClockTime(18, 0)
    )


class DayConfig(Section, frozen=True):
    sleep: Annotated[
        SleepTime | None, Meta(description='Planned sleep time "HH:MM", or "off"; unset = [routine] sleep')
    ] = None
    wake: Annotated[
        SleepTime | None, Meta(description='Wake time "HH:MM" for the sunrise, or "off"; unset = [routine] wake')
    ] = None
    session_minutes: Annotated[
        int,
        Meta(ge=0, le=240, description="Session length this day; 0 = [routine] session_minutes", extra={"unit": "min"}),
    ] = 0


class RoutineConfig(Section, frozen=True):
    enabled: Annotated[bool, Meta(description="Run the wind-down by itself at bedtime", extra={"unit": ""})] = True
    sleep: Annotated[SleepTime, Meta(description='Planned sleep time on every day without its own, or "off"')] = (
        SleepTime(ClockTime(23, 0))
    )
    wake: Annotated[SleepTime, Meta(description='Wake time for the sunrise, or "off"')] = SleepTime(None)
    session_minutes: Annotated[
        int, Meta(ge=1, le=240, description="Length of a session (the exposure limit)", extra={"unit": "min"})
    ] = 30
    min_session_minutes: Annotated[
        int, Meta(ge=1, le=240, description="Shortest session the hub may ask for", extra={"unit": "min"})
    ] = 5
    max_session_minutes: Annotated[
        int, Meta(ge=1, le=480, description="Longest session the hub may ask for", extra={"unit": "min"})
    ] = 120
    ends_before_sleep_minutes: Annotated[
        Minutes, Meta(description="Finish the session this long before the sleep time")
    ] = 60
    morning_start: Annotated[
        ClockTime, Meta(description="Start of the morning window, when presses rate last night")
    ] = ClockTime(5, 0)
    morning_end: Annotated[ClockTime, Meta(description="End of the morning window")] = ClockTime(11, 0)
    dates_off: Annotated[
        list[dt.date],
        Meta(
            max_length=366,
            description="Dates off (holidays), e.g. [2026-12-24]: no wind-down that evening, no sunrise that morning",
            extra={"unit": ""},
        ),
    ] = msgspec.field(default_factory=list)
    late_start_minutes: Annotated[
        int,
        Meta(
            ge=0,
            le=120,
            description="A wind-down missed by up to this much (device off, clock jump) still starts; later: skipped",
            extra={"unit": "min"},
        ),
    ] = 15
    end_volume: Annotated[
        float,
        Meta(
            ge=0,
            le=1,
            description="Volume at the session end as a fraction of the start volume (eases down with the sunset)",
            extra={"unit": "fraction"},
        ),
    ] = 0.6
    breathe: Annotated[
        bool,
        Meta(
            description="Start a scheduled session with the lamp's breathing light, then the sunset (needs the lamp's breathe effect)",
            extra={"unit": ""},
        ),
    ] = False
    allnight: Annotated[
        bool,
        Meta(description="Play a quiet noise all night after the session ends by its time limit", extra={"unit": ""}),
    ] = False
    allnight_trigger: Annotated[
        str,
        Meta(
            max_length=64,
            description='Trigger played all night; "" = the first with "noise" in its name, else the night\'s',
            extra={"unit": ""},
        ),
    ] = ""
    allnight_volume: Annotated[Percent, Meta(description="Volume of the all-night sound")] = 15.0
    sunrise_minutes: Annotated[
        int, Meta(ge=1, le=120, description="The sunrise starts this long before the wake time", extra={"unit": "min"})
    ] = 20
    morning_level: Annotated[Percent, Meta(description="Lamp level the sunrise reaches at the wake time")] = 60.0
    wake_sound: Annotated[
        str,
        Meta(max_length=64, description='Trigger fading in at the end of the sunrise; "" = none', extra={"unit": ""}),
    ] = ""
    wake_volume: Annotated[Percent, Meta(description="Volume of the wake sound")] = 30.0
    morning_hold_minutes: Annotated[
        int,
        Meta(
            ge=0,
            le=240,
            description="Light and wake sound fade out this long after the wake time; 0 = they stay on",
            extra={"unit": "min"},
        ),
    ] = 30
    monday: DayConfig = msgspec.field(default_factory=DayConfig)
    tuesday: DayConfig = msgspec.field(default_factory=DayConfig)
    wednesday: DayConfig = msgspec.field(default_factory=DayConfig)
    thursday: DayConfig = msgspec.field(default_factory=DayConfig)
    friday: DayConfig = msgspec.field(default_factory=DayConfig)
    saturday: DayConfig = msgspec.field(default_factory=DayConfig)
    sunday: DayConfig = msgspec.field(default_factory=DayConfig)


ChoiceMinutes = Annotated[int, Meta(ge=1, le=480, extra={"unit": "min"})]


def _session_choices() -> list[int]:
    return [20, 30, 45]


def _sunset_choices() -> list[int]:
    return [15, 20, 30]


class JournalConfig(Section, frozen=True):
    policy: Annotated[
        Literal["thompson", "rotation", "fixed"],
        Meta(
            description='How the trigger of the night is chosen: "thompson" (learn from your ratings), '
            '"rotation" (each in turn) or "fixed" (keep last night\'s)',
            extra={"unit": ""},
        ),
    ] = "thompson"
    also_vary: Annotated[
        list[Literal["session_minutes", "sunset_minutes"]],
        Meta(description="Besides the trigger, also try these night by night with the same policy", extra={"unit": ""}),
    ] = msgspec.field(default_factory=list)
    session_minutes_choices: Annotated[
        list[ChoiceMinutes],
        Meta(min_length=1, max_length=8, description="Session lengths to try (with also_vary)", extra={"unit": "min"}),
    ] = msgspec.field(default_factory=_session_choices)
    sunset_minutes_choices: Annotated[
        list[ChoiceMinutes],
        Meta(
            min_length=1,
            max_length=8,
            description="Lamp sunset lengths to try (with also_vary); capped at the session's end",
            extra={"unit": "min"},
        ),
    ] = msgspec.field(default_factory=_sunset_choices)
    batch_seconds: Annotated[
        float,
        Meta(
            ge=0,
            le=60,
            description="Records arriving this close together are written at once (fewer SD-card writes)",
            extra={"unit": "s"},
        ),
    ] = 2.0
