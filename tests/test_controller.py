"""Every row of DESIGN.md section 1 on the pure core, with a fake clock."""

from __future__ import annotations

import math

from device.core import effects as fx
from device.core import events as ev
from tests.support.core_bench import CoreBench


def test_single_press_without_session_starts_one_with_lamp_to_evening_level() -> None:
    bench = CoreBench()
    bench.single()
    session = bench.state.session
    assert session.active and session.started_by == "button" and session.trigger in bench.state.triggers
    play = bench.of(fx.PlaySound)
    assert len(play) == 1 and play[0].trigger == session.trigger
    assert play[0].fade_in == bench.config.sounds.fade_in_s
    fades = bench.of(fx.LampFade)
    assert fades[0].level == bench.config.lamp.evening_level
    assert session.ends_at - session.started_at == 30 * 60


def test_single_press_during_session_fades_out_and_stops() -> None:
    bench = CoreBench()
    bench.single()
    bench.run_for(120)
    bench.single()
    assert not bench.state.session.active
    fade_outs = bench.of(fx.FadeOutSound)
    assert fade_outs and fade_outs[-1].duration == bench.config.sounds.fade_out_s
    assert bench.events("session_ended")[-1]["reason"] == "button"


def test_double_press_crossfades_to_the_next_trigger() -> None:
    bench = CoreBench()
    bench.single()
    first = bench.state.session.trigger
    bench.double()
    crossfades = bench.of(fx.CrossfadeSound)
    assert len(crossfades) == 1
    assert crossfades[0].trigger != first and crossfades[0].duration == bench.config.sounds.crossfade_s
    assert bench.state.session.trigger == crossfades[0].trigger
    assert bench.state.session.active


def test_long_press_is_good_night_everything_fades_out_over_ten_seconds() -> None:
    bench = CoreBench()
    bench.single()
    bench.run_for(60)
    bench.long()
    assert not bench.state.session.active
    assert bench.of(fx.FadeOutSound)[-1].duration == 10.0
    lamp = bench.of(fx.LampFade)[-1]
    assert (lamp.level, lamp.duration) == (0.0, 10.0)
    bench.run_for(10)
    assert bench.state.lamp.level_at(bench.now) == 0.0
    assert bench.events("session_ended")[-1]["reason"] == "good_night"


def test_session_time_limit_fades_the_sound_so_it_is_silent_at_the_limit() -> None:
    bench = CoreBench()
    bench.single()
    start = bench.state.session.started_at
    bench.run_for(29 * 60 + 45)
    assert bench.of(fx.FadeOutSound) == []
    bench.run_for(start + 30 * 60 - 10 - bench.now)
    fade_out = bench.of(fx.FadeOutSound)
    assert len(fade_out) == 1
    assert math.isclose(fade_out[0].duration, bench.config.sounds.fade_out_s)
    assert bench.state.session.active
    bench.run_for(10)
    assert not bench.state.session.active
    assert bench.events("session_ended")[-1]["reason"] == "time_limit"
    end = [r for k, r in ((e.kind, e.data) for e in bench.of(fx.JournalRecord)) if k == "session_end"][-1]
    assert math.isclose(end["actual"], 30 * 60) and math.isclose(end["end"], start + 30 * 60)


def test_sunset_reaches_the_night_level_at_the_session_end() -> None:
    bench = CoreBench("[lamp]\nnight_level = 2\n")
    bench.single()
    ends = bench.state.session.ends_at
    bench.run_for(15 * 60)
    mid = bench.state.lamp.level_at(bench.now)
    assert 2 < mid < bench.config.lamp.evening_level
    sunset = [f for f in bench.of(fx.LampFade) if f.curve == "sunset"]
    assert len(sunset) == 1 and sunset[0].level == 2
    bench.run_for(ends - bench.now + 1)
    assert bench.state.lamp.level_at(bench.now) == 2


def test_morning_window_single_rates_good_double_rates_bad_with_blinks() -> None:
    bench = CoreBench(start="2026-11-25 07:10")
    bench.single()
    assert not bench.state.session.active
    assert bench.of(fx.LampBlink)[-1].times == 1
    rating = [e.data for e in bench.of(fx.JournalRecord) if e.kind == "rating"][-1]
    assert rating == {"night": "2026-11-24", "rating": "good", "source": "button", "at": rating["at"]}
    bench.double()
    assert bench.of(fx.LampBlink)[-1].times == 2
    assert bench.state.last_rating == "bad"


def test_long_press_in_the_morning_is_still_good_night() -> None:
    bench = CoreBench(start="2026-11-25 07:10")
    bench.command("lamp", {"on": True, "level": 50, "transition": 0})
    bench.long()
    assert bench.of(fx.LampFade)[-1].level == 0.0


def test_hub_does_the_same_actions() -> None:
    bench = CoreBench()
    bench.command("session", True)
    assert bench.state.session.active and bench.state.session.started_by == "hub"
    bench.command("next_trigger")
    assert len(bench.of(fx.CrossfadeSound)) == 1
    bench.command("volume", 55)
    assert bench.state.settings.volume == 55 and bench.of(fx.SetVolume)[-1].volume == 55
    assert bench.of(fx.PersistSettings)[-1].settings["volume"] == 55
    bench.command("good_night")
    assert not bench.state.session.active


def test_volume_never_exceeds_the_configured_maximum() -> None:
    bench = CoreBench("[sounds]\nmax_volume = 60\nvolume = 50\n")
    bench.command("volume", 100)
    assert bench.state.settings.volume == 60
    for _ in range(5):
        bench.command("volume_up")
    assert bench.state.settings.volume == 60


def test_lamp_never_exceeds_the_maximum_whatever_the_hub_says() -> None:
    bench = CoreBench("[lamp]\nmax_level = 70\n")
    bench.command("lamp", {"on": True, "level": 100, "transition": 2})
    assert bench.of(fx.LampFade)[-1].level == 70


def test_unknown_trigger_and_bad_session_length_are_rejected() -> None:
    bench = CoreBench()
    out = bench.command("trigger", "../../etc/passwd")
    assert bench.of(fx.RejectCommand, out)[0].reason.startswith("unknown trigger")
    out = bench.command("session_minutes", 999)
    assert bench.of(fx.RejectCommand, out)
    assert bench.state.settings.session_minutes == 30


def test_a_broken_trigger_mid_session_switches_to_the_next_one() -> None:
    bench = CoreBench()
    bench.single()
    broken = bench.state.session.trigger
    out = bench.send(ev.SoundFailed(broken, "decoder error"))
    assert bench.state.session.active and bench.state.session.trigger != broken
    assert bench.of(fx.PlaySound, out)[0].trigger == bench.state.session.trigger
    assert bench.of(fx.PlaySound, out)[0].fade_in <= 1.0, "into the next trigger within a second"
    assert "decoder error" in bench.of(fx.RejectCommand, out)[0].reason, "on the hub's error topic"
    assert broken in bench.state.broken_triggers


def test_a_failing_adapter_is_reported_in_the_state_and_cleared_on_recovery() -> None:
    bench = CoreBench()
    bench.send(ev.AdapterFailed("lamp", "OSError: [Errno 121] Remote I/O error"))
    assert bench.state.snapshot(bench.now)["faults"] == {"lamp": "OSError: [Errno 121] Remote I/O error"}
    bench.send(ev.AdapterRecovered("lamp"))
    assert bench.state.snapshot(bench.now)["faults"] == {}


def test_shutdown_fades_sound_within_a_second_turns_the_lamp_off_and_ignores_presses() -> None:
    bench = CoreBench()
    bench.single()
    out = bench.send(ev.Shutdown())
    assert bench.of(fx.FadeOutSound, out)[0].duration <= 1.0
    assert bench.of(fx.LampFade, out)[-1].level == 0.0
    bench.single()
    assert not bench.state.session.active
    assert bench.of(fx.RejectCommand, bench.command("session", True))


def test_idle_core_has_no_deadline() -> None:
    """Nothing to do means the worker sleeps: no polling."""
    bench = CoreBench("[routine]\nenabled = false\n")
    assert bench.controller.next_deadline() is None
