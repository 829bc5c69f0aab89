"""The web page's actions on the pure core: a 15 s preview, pin, never-play, the confirming blink."""

from __future__ import annotations

from device.core import effects as fx
from device.core import events as ev
from device.core.sound_actions import CONFIRM_BLINKS, PREVIEW_FADE_OUT, PREVIEW_S
from tests.support.core_bench import CoreBench


def test_a_preview_plays_on_the_device_and_fades_out_by_15_s() -> None:
    bench = CoreBench()
    out = bench.command("preview", "rain", "web")
    assert bench.of(fx.PlaySound, out)[0].trigger == "rain" and bench.state.preview == "rain"
    assert bench.state.snapshot(bench.now)["preview"] == "rain"
    assert not bench.of(fx.FadeOutSound, bench.run_for(PREVIEW_S - PREVIEW_FADE_OUT - 0.1))
    fade = bench.of(fx.FadeOutSound, bench.run_for(0.2))
    assert [f.duration for f in fade] == [PREVIEW_FADE_OUT] and bench.state.preview == ""
    assert not bench.state.session.active


def test_a_preview_waits_for_the_session_and_a_session_takes_over_a_preview() -> None:
    bench = CoreBench()
    bench.single()
    out = bench.command("preview", "tapping", "web")
    assert [r.action for r in bench.of(fx.RejectCommand, out)] == ["preview"] and bench.state.preview == ""
    bench.single()  # stop
    bench.run_for(30)
    bench.command("preview", "tapping", "web")
    bench.single()  # a session starts during the preview: its sound is not faded at the preview's end
    assert bench.state.session.active and bench.state.preview == ""
    assert not bench.of(fx.FadeOutSound, bench.run_for(PREVIEW_S))
    assert bench.state.session.active


def test_preview_stop_fades_at_once_and_unknown_triggers_are_refused() -> None:
    bench = CoreBench()
    bench.command("preview", "rain", "web")
    assert bench.of(fx.FadeOutSound, bench.command("preview_stop", None, "web"))
    assert not bench.of(fx.FadeOutSound, bench.run_for(PREVIEW_S))  # the timer went with it
    assert bench.of(fx.RejectCommand, bench.command("preview", "../etc/passwd", "web"))


def test_pin_is_a_persisted_setting_that_the_night_uses_and_unpin_clears_it() -> None:
    bench = CoreBench()
    out = bench.command("pin", "tapping", "web")
    assert bench.state.settings.trigger == "tapping"
    assert bench.of(fx.PersistSettings, out)[0].settings["trigger"] == "tapping"
    bench.single()
    assert bench.state.session.trigger == "tapping"
    bench.command("pin", "", "web")
    assert bench.state.settings.trigger == ""
    assert bench.of(fx.RejectCommand, bench.command("pin", "nope", "web"))


def test_never_keeps_a_trigger_out_of_the_choice_and_unpins_it() -> None:
    bench = CoreBench()
    names = list(bench.state.triggers)
    bench.command("pin", names[0], "web")
    for name in names[:-1]:
        out = bench.command("never", {"trigger": name, "never": True}, "web")
        assert bench.of(fx.PersistSettings, out)
    assert bench.state.settings.never == sorted(names[:-1]) and bench.state.settings.trigger == ""
    bench.single()
    assert bench.state.session.trigger == names[-1]
    bench.double()  # next: the only one left
    assert bench.state.session.trigger == names[-1]
    bench.command("never", {"trigger": names[0], "never": False}, "web")
    assert names[0] not in bench.state.settings.never
    assert bench.of(fx.RejectCommand, bench.command("never", "rain", "web"))


def test_blink_confirms_with_three_blinks() -> None:
    bench = CoreBench()
    assert bench.command("blink", None, "web") == [fx.LampBlink(CONFIRM_BLINKS)]


def test_ends_before_and_sunrise_length_are_run_time_settings_the_plan_uses() -> None:
    bench = CoreBench(start="2026-11-24 12:00")
    bench.send(ev.Resume(None))
    assert bench.state.routine.next_winddown == "2026-11-24T21:30:00+01:00"  # 23:00 - 60 - 30
    out = bench.command("ends_before", 30, "web")
    assert bench.of(fx.PersistSettings, out)[0].settings["ends_before_minutes"] == 30
    assert bench.state.routine.next_winddown == "2026-11-24T22:00:00+01:00"
    assert bench.of(fx.RejectCommand, bench.command("ends_before", -5, "web"))
    assert bench.of(fx.RejectCommand, bench.command("sunrise_minutes", 0, "web"))
    bench.command("sunrise_minutes", 45, "web")
    assert bench.state.settings.sunrise_minutes == 45
    bench.command("ends_before", None, "web")
    assert bench.state.settings.ends_before_minutes == -1
    assert bench.state.routine.next_winddown == "2026-11-24T21:30:00+01:00"
