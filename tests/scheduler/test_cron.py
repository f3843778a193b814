"""Crontab expressions: crontab's weekday numbering (0/7 = Sunday), validation, settings."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from plex_completer.config import ConfigError, load_settings
from plex_completer.cron import OFF, check_runs, crontab_trigger, next_fire_times, normalize_crontab, preset_cron, preset_of

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
WEDNESDAY_NOON = dt.datetime(2025, 6, 4, 12, 0, tzinfo=dt.UTC)


def _days(expr: str, count: int = 7) -> list[str]:
    return [t.strftime("%a") for t in next_fire_times(expr, BERLIN, WEDNESDAY_NOON, count)]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("30 3 * * 0", ["Sun"]),  # APScheduler's own from_crontab would say Monday
        ("30 3 * * 7", ["Sun"]),
        ("30 3 * * sun", ["Sun"]),
        ("0 9 * * 1-5", ["Thu", "Fri", "Mon", "Tue", "Wed"]),
        ("0 9 * * 6,0", ["Sat", "Sun"]),
        ("0 9 * * 1-7", ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]),
    ],
)
def test_weekday_field_uses_crontab_numbering(expr, expected):
    days = _days(expr, len(expected))
    assert days == expected


def test_step_over_all_weekdays_starts_on_sunday_like_crontab():
    # crontab: */2 = days 0,2,4,6 = Sunday, Tuesday, Thursday, Saturday.
    assert sorted(set(_days("0 0 * * */2", 8))) == sorted(["Sun", "Tue", "Thu", "Sat"])


def test_fire_times_follow_the_time_zone_and_daylight_saving():
    # 03:30 Berlin is 01:30 UTC in summer and 02:30 UTC in winter.
    summer = next_fire_times("30 3 * * 0", BERLIN, WEDNESDAY_NOON)[0]
    winter = next_fire_times("30 3 * * 0", BERLIN, dt.datetime(2025, 12, 3, tzinfo=dt.UTC))[0]
    assert summer.astimezone(dt.UTC).hour == 1
    assert winter.astimezone(dt.UTC).hour == 2


def test_every_six_hours():
    times = next_fire_times("0 */6 * * *", dt.UTC, WEDNESDAY_NOON, 3)
    assert [t.hour for t in times] == [18, 0, 6]


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("0 */6 * *", "5 fields"),
        ("61 * * * *", "is not a crontab time"),
        ("0 0 * * 8", "day of week"),
        ("0 0 * * 5-1", "forwards"),
        ("0 0 1 * 1", "either the day of month or the day of week"),
    ],
)
def test_bad_expressions_are_refused_with_a_reason(expr, reason):
    with pytest.raises(ValueError, match=reason):
        crontab_trigger(expr, dt.UTC)


def test_normalize_accepts_off_and_squeezes_spaces():
    assert normalize_crontab("  0   */6 * *  * ") == "0 */6 * * *"
    assert normalize_crontab("off") == OFF
    assert normalize_crontab("") == OFF


def test_settings_validate_schedule_variables():
    settings = load_settings({}, environ={"SCHEDULE_FULL_SYNC": "0 4 * * 6", "SCHEDULE_HOUSEKEEPING": "off"})
    assert settings.SCHEDULE_FULL_SYNC == "0 4 * * 6"
    assert settings.SCHEDULE_HOUSEKEEPING == OFF
    assert settings.SCHEDULE_LIBRARY_SYNC == "0 */6 * * *"
    assert settings.SCHEDULER_AI_DAILY_CAP == 10 and settings.JOB_RETENTION_DAYS == 30
    with pytest.raises(ConfigError, match="SCHEDULE_LIBRARY_SYNC"):
        load_settings({}, environ={"SCHEDULE_LIBRARY_SYNC": "every 6 hours"})
    with pytest.raises(ConfigError, match="SCHEDULER_AI_DAILY_CAP"):
        load_settings({}, environ={"SCHEDULER_AI_DAILY_CAP": "-1"})


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("0 0 31 2 *", "never runs"),
        ("* * * * *", "runs twice within 1 minute"),
        ("*/10 * * * *", "runs twice within 10 minutes"),
        ("55,5 * * * *", "runs twice within 10 minutes"),  # across the hour
        ("0,10 3 * * *", "runs twice within 10 minutes"),  # once a day, but twice close together
    ],
)
def test_a_schedule_must_run_and_not_more_often_than_every_15_minutes(expr, reason):
    with pytest.raises(ValueError, match=reason):
        check_runs(expr, dt.UTC, WEDNESDAY_NOON)
    with pytest.raises(ValueError, match=reason):
        normalize_crontab(expr, "SCHEDULE_LIBRARY_SYNC")


def test_fifteen_minutes_and_the_defaults_are_allowed():
    for expr in ("*/15 * * * *", "0 */6 * * *", "30 3 * * 0", "0 4 * * *"):
        assert len(check_runs(expr, dt.UTC, WEDNESDAY_NOON)) > 3


def test_a_never_running_schedule_variable_stops_start_up_with_its_name():
    with pytest.raises(ConfigError, match=r"SCHEDULE_FULL_SYNC.*never runs"):
        load_settings({}, environ={"SCHEDULE_FULL_SYNC": "0 0 31 2 *"})


@pytest.mark.parametrize(
    ("kind", "fields", "expr", "described"),
    [
        ("hours", {"every_hours": "6", "time_of_day": "00:00"}, "0 */6 * * *", "Every 6 hours"),
        ("hours", {"every_hours": "1", "time_of_day": "00:15"}, "15 * * * *", "Every hour at 15 min past"),
        ("daily", {"time_of_day": "04:30"}, "30 4 * * *", "Daily at 04:30"),
        ("weekly", {"time_of_day": "03:30", "weekday": "0"}, "30 3 * * 0", "Sundays at 03:30"),
        ("cron", {"cron": " 0  1-5 * * * "}, "0 1-5 * * *", "Custom: 0 1-5 * * *"),
    ],
)
def test_presets_write_crontab_and_are_recognised_again(kind, fields, expr, described):
    assert preset_cron(kind, **fields) == expr
    preset = preset_of(expr)
    assert preset.kind == kind and preset.describe() == described


@pytest.mark.parametrize(
    ("kind", "fields", "reason"),
    [
        ("daily", {"time_of_day": "25:00"}, "not a time of day"),
        ("daily", {"time_of_day": "noon"}, "HH:MM"),
        ("hours", {"every_hours": "5"}, "offered values"),
        ("weekly", {"weekday": "٣"}, "offered values"),  # a non-ASCII digit
        ("sometimes", {}, "how often"),
    ],
)
def test_bad_preset_fields_are_refused_with_a_reason(kind, fields, reason):
    with pytest.raises(ValueError, match=reason):
        preset_cron(kind, **fields)
