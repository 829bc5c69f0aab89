"""The bedtime routine through the pure controller, on a fake clock, over whole weeks."""

from __future__ import annotations

import zoneinfo

import pytest

from device.core import effects as fx
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from tests.support.nights import Nights, config

SUNSET_CHECK = 0.01  # perceived %: the lamp's level is exact arithmetic, so the tolerance is tiny


def week_checks(nights: Nights, first_night: str, start_local: str = "21:30", end_local: str = "22:00") -> None:
    """Seven sessions, started by the schedule on time, ended by the time limit, ramps at their targets."""
    cfg = nights.ctl.config
    sessions = nights.sessions()
    assert len(sessions) == 7, sessions
    for start, end, source, reason in sessions:
        assert (start[11:16], end[11:19], source, reason) == (start_local, end_local + ":00", "schedule", "time_limit")
    for t_end, _ in nights.events("session_ended"):
        sunset_start = t_end - 30 * 60 + Controller.EVENING_FADE
        assert nights.lamp.level(sunset_start) == pytest.approx(cfg.lamp.evening_level, abs=SUNSET_CHECK)
        assert nights.lamp.level(t_end) == pytest.approx(cfg.lamp.night_level, abs=SUNSET_CHECK)
        assert nights.player.volume(t_end) == pytest.approx(cfg.sounds.volume * cfg.routine.end_volume, abs=0.01)
    assert sessions[0][0].startswith(first_night)


def test_a_whole_week_on_time_with_sunset_and_volume_reaching_their_targets():
    nights = Nights(config("[lamp]\nnight_level = 3.0\n"), "2026-11-23 12:00")
    nights.run_until("2026-11-30 12:00")
    week_checks(nights, "2026-11-23")
    sunsets = [e for _, e in nights.of_type(fx.LampFade) if e.curve == "sunset"]
    assert len(sunsets) == 7 and all(e.level == 3.0 for e in sunsets)


@pytest.mark.parametrize(
    ("tz", "start"),
    [
        ("Europe/Berlin", "2026-03-25 12:00"),
        ("Europe/Berlin", "2026-10-21 12:00"),
        ("America/New_York", "2026-03-04 12:00"),
        ("America/New_York", "2026-10-28 12:00"),
    ],
)
def test_dst_weeks_run_every_night_once_at_the_local_time(tz, start):
    nights = Nights(config(tz=tz), start)
    nights.run_until(nights.at(start) + 7 * 86400)
    week_checks(nights, start[:10])
    for (t0, _), (t1, _) in zip(nights.events("session_started"), nights.events("session_ended"), strict=True):
        assert t1 - t0 == pytest.approx(30 * 60, abs=0.001)  # the exposure limit is real minutes


def test_sleep_time_after_midnight_runs_the_evening_before():
    nights = Nights(config('[routine.friday]\nsleep = "00:30"\n'), "2026-11-27 12:00")
    nights.run_until("2026-11-28 12:00")
    assert nights.sessions() == [("2026-11-27 23:00:00", "2026-11-27 23:30:00", "schedule", "time_limit")]


def test_skip_tonight_holds_for_the_night_and_the_plan_comes_back():
    nights = Nights(config(), "2026-11-24 18:00")
    nights.command("skip_tonight", True)
    assert nights.ctl.state.snapshot(nights.now)["routine"]["tonight_skipped"] is True
    assert nights.ctl.state.routine.next_winddown.startswith("2026-11-25T21:30")
    nights.run_until("2026-11-26 12:00")
    assert [s[0] for s in nights.sessions()] == ["2026-11-25 21:30:00"]
    assert nights.ctl.state.routine.tonight_skipped is False  # rolled over with the morning


def test_skip_can_be_taken_back_and_bad_values_are_rejected():
    nights = Nights(config(), "2026-11-24 18:00")
    nights.command("skip_tonight", True)
    nights.command("skip_tonight", False)
    rejected = nights.command("skip_tonight", "yes")
    assert [type(e) for e in rejected] == [fx.RejectCommand]
    nights.run_until("2026-11-24 23:00")
    assert [s[0] for s in nights.sessions()] == ["2026-11-24 21:30:00"]


def test_dates_off_from_config_and_from_the_hub():
    nights = Nights(config("[routine]\ndates_off = [2026-11-25]\n"), "2026-11-24 12:00")
    assert [type(e) for e in nights.command("dates_off", ["2026-11-27", "bad"])] == [fx.RejectCommand]
    effects = nights.command("dates_off", ["2026-11-27"])
    assert nights.ctl.state.settings.dates_off == ["2026-11-27"]
    assert any(isinstance(e, fx.PersistSettings) for e in effects)
    nights.run_until("2026-11-29 12:00")
    assert [s[0][:10] for s in nights.sessions()] == ["2026-11-24", "2026-11-26", "2026-11-28"]


def test_tonights_sleep_time_holds_for_the_night_only():
    nights = Nights(config(), "2026-11-24 12:00")
    nights.command("tonight_sleep", "23:30")
    assert nights.ctl.state.routine.tonight_sleep == "23:30"
    nights.run_until("2026-11-26 12:00")
    assert [s[0] for s in nights.sessions()] == ["2026-11-24 22:00:00", "2026-11-25 21:30:00"]
    nights.command("tonight_sleep", "off")
    nights.run_until("2026-11-27 12:00")
    assert len(nights.sessions()) == 2
    assert [type(e) for e in nights.command("tonight_sleep", "25:00")] == [fx.RejectCommand]


def test_a_day_sleep_change_lasts_and_is_persisted():
    nights = Nights(config(), "2026-11-24 12:00")  # Tuesday
    effects = nights.command("day_sleep", {"day": "wednesday", "sleep": "00:00"})
    stored = [e.settings for e in effects if isinstance(e, fx.PersistSettings)]
    assert stored and stored[0]["day_sleep"] == {"wednesday": "00:00"}
    for bad in ({"day": "funday", "sleep": "22:00"}, {"sleep": "22:00"}, "wednesday", {"day": "monday", "sleep": 7}):
        assert [type(e) for e in nights.command("day_sleep", bad)] == [fx.RejectCommand]
    nights.run_until("2026-12-03 12:00")
    wednesdays = [s[0] for s in nights.sessions() if s[0][:10] in ("2026-11-25", "2026-12-02")]
    assert wednesdays == ["2026-11-25 22:30:00", "2026-12-02 22:30:00"]
    nights.command("day_sleep", {"day": "wednesday", "sleep": None})
    assert nights.ctl.state.settings.day_sleep == {}


def test_routine_off_and_on():
    nights = Nights(config(), "2026-11-24 12:00")
    nights.command("routine", False)
    assert nights.ctl.state.routine.next_winddown == ""
    nights.run_until("2026-11-25 12:00")
    nights.command("routine", True)
    nights.run_until("2026-11-26 12:00")
    assert [s[0][:10] for s in nights.sessions()] == ["2026-11-25"]
    assert [type(e) for e in nights.command("routine", 1)] == [fx.RejectCommand]


def test_a_stop_during_the_routine_wins_for_the_night_and_the_schedule_resumes_next_night():
    nights = Nights(config(), "2026-11-24 21:00")
    nights.run_until("2026-11-24 21:35")
    nights.press("single")  # stop
    nights.run_until("2026-11-25 12:00")
    assert nights.sessions() == [("2026-11-24 21:30:00", "2026-11-24 21:35:00", "schedule", "button")]
    assert nights.last_record()["active"] is False and nights.last_record()["routine_night"] == "2026-11-24"
    nights.run_until("2026-11-25 23:00")
    assert nights.sessions()[-1][:3] == ("2026-11-25 21:30:00", "2026-11-25 22:00:00", "schedule")


def test_a_session_playing_at_wind_down_time_wins_and_the_routine_does_not_start_a_second():
    nights = Nights(config(), "2026-11-24 21:20")
    nights.command("start_session", source="hub")
    nights.run_until("2026-11-25 12:00")
    assert nights.sessions() == [("2026-11-24 21:20:00", "2026-11-24 21:50:00", "hub", "time_limit")]
    assert [d["to"] for _, d in nights.events("winddown_yielded")] == ["hub"]


def test_the_user_taking_lamp_or_volume_stops_the_sunset_or_the_easing():
    nights = Nights(config(), "2026-11-24 21:00")
    nights.run_until("2026-11-24 21:40")
    nights.command("lamp", {"level": 50, "transition": 1})
    nights.command("volume", 30)
    nights.run_until("2026-11-24 22:30")
    assert nights.lamp.level(nights.at("2026-11-24 22:00")) == pytest.approx(50)
    assert nights.player.volume(nights.at("2026-11-24 21:59")) == pytest.approx(30)
    assert nights.sessions()[0][1] == "2026-11-24 22:00:00"  # the time limit still holds


def test_a_wind_down_a_little_late_starts_and_ends_on_plan_but_a_missed_one_is_not_started_at_3am():
    late = Nights(config(), "2026-11-24 21:40")  # the device came up ten minutes late
    late.run_until("2026-11-24 23:00")
    assert late.sessions() == [("2026-11-24 21:40:00", "2026-11-24 22:00:00", "schedule", "time_limit")]
    missed = Nights(config(), "2026-11-24 21:50")
    assert missed.ctl.state.routine.next_winddown.startswith("2026-11-25T21:30")
    missed.run_until("2026-11-25 12:00")
    assert missed.sessions() == []
    jumped = Nights(config(), "2026-11-24 21:00")  # running, then the wall clock jumps (NTP at boot)
    jumped.now = jumped.at("2026-11-24 21:50")
    jumped.handle(ev.HubConnection(False))
    assert jumped.sessions() == [] and jumped.events("winddown_missed")[0][1]["late_minutes"] == 20
    assert jumped.ctl.state.routine.next_winddown.startswith("2026-11-25T21:30")
    night = Nights(config(), "2026-11-25 03:00")
    night.run_until("2026-11-25 12:00")
    assert night.sessions() == [] and night.events("winddown_missed") == []


def test_all_night_sound_follows_the_session_and_a_press_stops_it():
    cfg = config("[routine]\nallnight = true\nallnight_volume = 12.0\n")
    nights = Nights(cfg, "2026-11-24 21:00")
    nights.run_until("2026-11-25 06:00")
    plays = [(nights.local(t), e) for t, e in nights.of_type(fx.PlaySound)]
    assert plays[-1] == ("2026-11-24 22:00:00", fx.PlaySound("pink_noise", 12.0, 60.0))
    assert nights.events("allnight_started")[0][1]["until"].startswith("2026-11-25T05:00")
    fade_outs = [nights.local(t) for t, _ in nights.of_type(fx.FadeOutSound)]
    assert fade_outs[-1] == "2026-11-25 05:00:00"
    nights.run_until("2026-11-25 22:30")
    nights.press("single")  # stops the night sound, and nothing else
    assert nights.ctl.state.session.active is False and nights.ctl.state.routine.allnight is False
    assert nights.events("allnight_stopped")


def test_no_all_night_sound_by_default_or_after_a_user_stop():
    nights = Nights(config(), "2026-11-24 21:00")
    nights.run_until("2026-11-25 06:00")
    assert len(nights.of_type(fx.PlaySound)) == 1
    cfg = config("[routine]\nallnight = true\n")
    stopped = Nights(cfg, "2026-11-24 21:00")
    stopped.run_until("2026-11-24 21:40")
    stopped.command("stop_session")
    stopped.run_until("2026-11-25 06:00")
    assert len(stopped.of_type(fx.PlaySound)) == 1


def test_sunrise_rises_to_the_morning_level_at_the_wake_time_with_the_wake_sound():
    cfg = config('[routine]\nwake = "06:30"\nwake_sound = "rain"\nmorning_level = 55.0\n')
    nights = Nights(cfg, "2026-11-24 12:00")
    nights.run_until("2026-11-25 07:30")
    wake = nights.at("2026-11-25 06:30")
    assert nights.lamp.level(nights.at("2026-11-25 06:09")) == 0.0
    assert 0 < nights.lamp.level(nights.at("2026-11-25 06:20")) < 55
    assert nights.lamp.level(wake) == pytest.approx(55.0)
    plays = [(nights.local(t), e.trigger) for t, e in nights.of_type(fx.PlaySound)]
    assert plays[-1] == ("2026-11-25 06:28:00", "rain")
    assert nights.lamp.level(nights.at("2026-11-25 07:01")) == 0.0  # faded out after the 30 min hold
    assert nights.ctl.state.routine.next_sunrise.startswith("2026-11-26T06:10")


def test_a_press_stops_the_sunrise_and_does_not_rate_or_start_anything():
    nights = Nights(config('[routine]\nwake = "06:30"\nwake_sound = "rain"\n'), "2026-11-25 06:00")
    nights.run_until("2026-11-25 06:29")
    nights.press("single")
    nights.run_until("2026-11-25 06:40")
    assert nights.lamp.level(nights.now) == 0.0
    assert nights.of_type(fx.LampBlink) == [] and nights.ctl.state.session.active is False
    assert nights.of_type(fx.FadeOutSound)
    nights.press("single")  # the next press rates the night
    assert [e.times for _, e in nights.of_type(fx.LampBlink)] == [1]


def test_no_sunrise_by_default():
    nights = Nights(config(), "2026-11-25 05:00")
    nights.run_until("2026-11-25 08:00")
    assert nights.of_type(fx.LampFade) == [] and nights.ctl.state.routine.next_sunrise == ""


def test_morning_ratings_single_double_and_hub_with_blinks_and_journal():
    nights = Nights(config(), "2026-11-25 07:00")
    nights.press("single")
    nights.press("double")
    nights.command("rate", "good")
    assert [type(e) for e in nights.command("rate", "great")] == [fx.RejectCommand]
    assert [e.times for _, e in nights.of_type(fx.LampBlink)] == [1, 2, 1]
    records = [e.data for _, e in nights.of_type(fx.JournalRecord) if e.kind == "rating"]
    assert [(r["night"], r["rating"], r["source"]) for r in records] == [
        ("2026-11-24", "good", "button"),
        ("2026-11-24", "bad", "button"),
        ("2026-11-24", "good", "hub"),
    ]
    nights.run_until("2026-11-25 11:30")  # after the window a press starts a session again
    nights.press("single")
    assert nights.ctl.state.session.active is True


def _stored_mid_session(stop_at: str, toml: str = "") -> dict:
    nights = Nights(config(toml), "2026-11-24 21:00")
    nights.run_until(stop_at)
    return nights.last_record()


def test_restart_mid_session_resumes_with_the_remaining_time_and_no_flash():
    record = _stored_mid_session("2026-11-24 21:45")
    assert record["active"] is True and record["started_by"] == "schedule"
    nights = Nights(config(), "2026-11-24 21:47", session=record)  # two minutes of power cut
    resumed = nights.events("session_resumed")
    assert resumed and resumed[0][1]["remaining"] == 13 * 60
    # the lamp comes from off, smoothly, to where the sunset would be, then follows it down
    uninterrupted = Nights(config(), "2026-11-24 21:00")
    uninterrupted.run_until("2026-11-24 22:05")
    target = uninterrupted.lamp.level(nights.now + 10)
    levels = [nights.lamp.level(nights.now + s) for s in range(0, 11)]
    assert levels[0] == 0.0 and levels == sorted(levels) and levels[-1] == pytest.approx(target, abs=0.01)
    assert max(levels) < nights.ctl.config.lamp.evening_level
    nights.run_until("2026-11-25 12:00")
    assert nights.sessions() == [("2026-11-24 21:47:00", "2026-11-24 22:00:00", "schedule", "time_limit")]
    assert nights.lamp.level(nights.at("2026-11-24 22:00")) == pytest.approx(0.0, abs=SUNSET_CHECK)
    assert nights.player.volume(nights.at("2026-11-24 22:00")) == pytest.approx(24.0, abs=0.01)
    plays = nights.of_type(fx.PlaySound)
    assert plays[0][1].volume == pytest.approx(uninterrupted.player.volume(nights.at("2026-11-24 21:47")), abs=0.01)


def test_restart_after_the_window_does_nothing_and_a_stopped_night_stays_stopped():
    record = _stored_mid_session("2026-11-24 21:45")
    after = Nights(config(), "2026-11-24 22:10", session=record)
    after.run_until("2026-11-25 12:00")
    assert after.sessions() == [] and after.of_type(fx.LampFade) == []
    assert after.of_type(fx.PersistSession)[0][1].session["active"] is False
    stopped = Nights(config(), "2026-11-24 21:00")
    stopped.run_until("2026-11-24 21:35")
    stopped.command("stop_session")
    again = Nights(config(), "2026-11-24 21:38", session=stopped.last_record())  # within the late grace
    again.run_until("2026-11-25 12:00")
    assert again.sessions() == []


def test_restart_keeps_the_users_lamp_and_volume():
    nights = Nights(config(), "2026-11-24 21:00")
    nights.run_until("2026-11-24 21:40")
    nights.command("lamp", {"level": 20})
    nights.command("volume", 25)
    resumed = Nights(config(), "2026-11-24 21:42", session=nights.last_record())
    resumed.run_until("2026-11-24 21:59")
    assert resumed.lamp.level(resumed.now) == pytest.approx(20.0)
    assert resumed.player.volume(resumed.now) == pytest.approx(25.0)


def test_sigterm_keeps_the_session_for_the_next_start_and_a_bad_record_is_ignored():
    nights = Nights(config(), "2026-11-24 21:00")
    nights.run_until("2026-11-24 21:40")
    nights.handle(ev.Shutdown("SIGTERM"))
    assert nights.last_record()["active"] is True
    bad = Nights(config(), "2026-11-24 21:42", session={"version": 1, "active": "yes"})
    assert bad.events("resume_failed") and bad.sessions() == []


def test_snapshot_shows_the_routine_for_the_hub():
    nights = Nights(config(), "2026-11-24 12:00")
    routine = nights.ctl.state.snapshot(nights.now)["routine"]
    assert routine == {
        "enabled": True,
        "night": "2026-11-24",
        "tonight_sleep": "23:00",
        "tonight_skipped": False,
        "next_winddown": "2026-11-24T21:30:00+01:00",
        "next_sleep": "2026-11-24T23:00:00+01:00",
        "next_sunrise": "",
        "sunrise": False,
        "allnight": False,
    }


def test_without_a_resume_event_the_controller_plans_nothing():
    cfg = config()
    ctl = Controller(cfg, settings_from_config(cfg), zoneinfo.ZoneInfo("Europe/Berlin"))
    assert ctl.next_deadline() is None


def test_every_session_has_a_time_limit_and_the_hub_may_ask_for_a_length_within_bounds():
    nights = Nights(config("[routine]\nenabled = false\n"), "2026-11-24 20:00")
    nights.command("start_session", 45)
    assert nights.ctl.state.snapshot(nights.now)["session"]["remaining"] == 45 * 60
    for bad in (2, 500, "45", True, 4.5):
        assert [type(e) for e in nights.command("start_session", bad)] == [fx.RejectCommand]
    nights.run_until("2026-11-24 21:00")
    nights.press("single")  # a button session: the configured length
    nights.run_until("2026-11-24 22:00")
    assert nights.sessions() == [
        ("2026-11-24 20:00:00", "2026-11-24 20:45:00", "hub", "time_limit"),
        ("2026-11-24 21:00:00", "2026-11-24 21:30:00", "button", "time_limit"),
    ]


def test_setting_the_lamp_during_the_sunrise_ends_it_and_the_lamp_stays():
    nights = Nights(config('[routine]\nwake = "06:30"\nwake_sound = "rain"\n'), "2026-11-25 06:00")
    nights.run_until("2026-11-25 06:29")
    effects = nights.command("lamp", {"level": 80, "transition": 1})
    assert any(isinstance(e, fx.FadeOutSound) for e in effects)
    nights.run_until("2026-11-25 08:00")
    assert nights.lamp.level(nights.now) == 80.0 and nights.ctl.state.routine.sunrise is False


def test_no_sunrise_when_the_lamp_is_already_brighter():
    nights = Nights(config('[routine]\nwake = "06:30"\n'), "2026-11-25 06:00")
    nights.command("lamp", {"level": 90, "transition": 0})
    nights.run_until("2026-11-25 08:00")
    assert nights.events("sunrise_started") == [] and nights.lamp.level(nights.now) == 90.0


def test_old_one_off_sleep_times_are_dropped_when_a_new_one_is_set():
    nights = Nights(config(), "2026-11-20 12:00")
    nights.command("tonight_sleep", "23:30")
    nights.run_until("2026-11-24 12:00")
    nights.command("tonight_sleep", "off")
    assert nights.ctl.state.settings.night_sleep == {"2026-11-24": "off"}
    nights.command("tonight_sleep", None)
    assert nights.ctl.state.settings.night_sleep == {}
    assert nights.ctl.state.routine.next_winddown.startswith("2026-11-24T21:30")


def test_good_night_silences_the_night_sound_too_and_no_night_sound_follows_it():
    cfg = config("[routine]\nallnight = true\n")
    nights = Nights(cfg, "2026-11-24 21:00")
    nights.run_until("2026-11-24 23:00")
    assert nights.ctl.state.routine.allnight is True
    nights.command("good_night")
    assert nights.ctl.state.routine.allnight is False
    assert [e.duration for _, e in nights.of_type(fx.FadeOutSound)][-1] == cfg.sounds.good_night_s
    during = Nights(cfg, "2026-11-24 21:00")
    during.run_until("2026-11-24 21:40")
    during.command("good_night")
    during.run_until("2026-11-25 06:00")
    assert during.events("allnight_started") == [] and during.lamp.level(during.now) == 0.0


def test_the_night_sound_ends_when_the_sunrise_begins_if_that_is_earlier():
    nights = Nights(config('[routine]\nallnight = true\nwake = "04:50"\n'), "2026-11-24 21:00")
    nights.run_until("2026-11-25 05:00")
    assert nights.events("allnight_started")[0][1]["until"].startswith("2026-11-25T04:30")
    assert nights.events("sunrise_started")


def test_resume_with_no_playable_trigger_says_so_and_starts_nothing():
    record = _stored_mid_session("2026-11-24 21:45")
    nights = Nights(config(), "2026-11-24 21:47", session=record, triggers=())
    assert nights.events("resume_failed") and nights.ctl.state.session.active is False


def test_breathing_light_first_then_the_sunset_from_where_it_ends():
    nights = Nights(config("[routine]\nbreathe = true\n[lamp]\nbreathe_minutes = 5\n"), "2026-11-24 21:00")
    nights.run_until("2026-11-24 22:30")
    breathes = [(nights.local(t), e) for t, e in nights.of_type(fx.LampBreathe)]
    assert [(t, e.duration) for t, e in breathes] == [("2026-11-24 21:30:00", 300.0)]
    sunsets = [
        (nights.local(t), t + e.duration, e.level) for t, e in nights.of_type(fx.LampFade) if e.curve == "sunset"
    ]
    assert sunsets == [("2026-11-24 21:35:00", nights.at("2026-11-24 22:00"), 0.0)]
    assert nights.sessions()[0][1] == "2026-11-24 22:00:00"


def test_no_breathing_light_unless_asked():
    nights = Nights(config("[lamp]\nbreathe_minutes = 5\n"), "2026-11-24 21:00")
    nights.run_until("2026-11-24 22:30")
    assert nights.of_type(fx.LampBreathe) == []


def test_the_experiments_session_length_counts_from_the_planned_start():
    nights = Nights(config('[journal]\nalso_vary = ["session_minutes"]\n'), "2026-11-23 12:00")
    nights.run_until("2026-11-30 12:00")
    lengths = {(nights.at(end) - nights.at(start)) / 60 for start, end, _, _ in nights.sessions()}
    assert lengths <= {20.0, 30.0, 45.0} and len(nights.sessions()) == 7
    assert all(start[11:] == "21:30:00" for start, _, _, _ in nights.sessions())


def test_restart_keeps_the_experiments_sunset_length():
    cfg = config('[journal]\nalso_vary = ["sunset_minutes"]\nsunset_minutes_choices = [15]\n')
    nights = Nights(cfg, "2026-11-24 21:00")
    nights.run_until("2026-11-24 21:35")
    record = nights.last_record()
    assert record["sunset_s"] == 15 * 60
    resumed = Nights(cfg, "2026-11-24 21:40", session=record)
    resumed.run_until("2026-11-24 21:59")
    assert resumed.lamp.level(resumed.at("2026-11-24 21:45:03")) == pytest.approx(0.0, abs=SUNSET_CHECK)
