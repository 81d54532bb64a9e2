"""Schedule maths: parsing what people type, and due dates across zones, DST and the catch-up window."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from bot.core.schedule import (
    Schedule,
    ScheduleError,
    due_drill_days,
    format_days,
    next_drill_instant,
    parse_days,
    parse_time,
    parse_zone,
    scheduled_instant,
)

WEEKDAYS = frozenset(range(5))
SIX_HOURS = timedelta(hours=6)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [("09:00", time(9)), ("9:05", time(9, 5)), (" 23:59 ", time(23, 59))])
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "12:60", "noon", "", "9", "09:00:00", "x" * 10_000])
def test_parse_time_rejects(text):
    with pytest.raises(ScheduleError) as error:
        parse_time(text)
    assert error.value.kind == "time"


def test_parse_zone():
    assert parse_zone("Europe/Berlin") == "Europe/Berlin"
    for bad in ["Mars/Olympus", "", "../../etc/passwd", "x" * 10_000]:
        with pytest.raises(ScheduleError):
            parse_zone(bad)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("Monday Wednesday", {0, 2}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("daily", set(range(7))),
        ("fri-mon", {4, 5, 6, 0}),
        ("월-금", {0, 1, 2, 3, 4}),
        ("월수금", {0, 2, 4}),
    ],
)
def test_parse_days(text, expected):
    assert parse_days(text) == frozenset(expected)


@pytest.mark.parametrize("text", ["funday", "", "mo", "mon-funday", "x" * 10_000])
def test_parse_days_rejects(text):
    with pytest.raises(ScheduleError):
        parse_days(text)


def test_format_days_round_trips():
    assert format_days(frozenset({0, 2, 4})) == "mon,wed,fri"
    assert parse_days(format_days(frozenset({6, 1}))) == frozenset({6, 1})


def test_seoul_and_berlin_are_due_at_their_own_nine():
    seoul = Schedule(time(9), "Asia/Seoul", WEEKDAYS)
    berlin = Schedule(time(9), "Europe/Berlin", WEEKDAYS)
    monday = date(2026, 11, 30)
    assert scheduled_instant(monday, time(9), "Asia/Seoul") == utc(2026, 11, 30, 0, 0)
    assert scheduled_instant(monday, time(9), "Europe/Berlin") == utc(2026, 11, 30, 8, 0)
    assert due_drill_days(seoul, utc(2026, 11, 29, 23, 59), SIX_HOURS) == []
    assert due_drill_days(seoul, utc(2026, 11, 30, 0, 0), SIX_HOURS) == [monday]
    assert due_drill_days(berlin, utc(2026, 11, 30, 0, 0), SIX_HOURS) == []
    assert due_drill_days(berlin, utc(2026, 11, 30, 8, 0), SIX_HOURS) == [monday]


def test_weekends_are_not_due():
    seoul = Schedule(time(9), "Asia/Seoul", WEEKDAYS)
    assert due_drill_days(seoul, utc(2026, 11, 28, 1, 0), SIX_HOURS) == []  # Saturday 10:00 in Seoul


def test_catch_up_window():
    seoul = Schedule(time(9), "Asia/Seoul", WEEKDAYS)
    monday = date(2026, 11, 30)
    assert due_drill_days(seoul, utc(2026, 11, 30, 2, 0), SIX_HOURS) == [monday]  # two hours late
    assert due_drill_days(seoul, utc(2026, 11, 30, 5, 59), SIX_HOURS) == [monday]
    assert due_drill_days(seoul, utc(2026, 11, 30, 6, 0), SIX_HOURS) == []  # six hours late: too late
    assert due_drill_days(seoul, utc(2026, 11, 30, 7, 0), SIX_HOURS) == []


def test_catch_up_across_local_midnight():
    late = Schedule(time(23, 0), "Asia/Seoul", frozenset(range(7)))
    # 01:00 the next local day: yesterday's 23:00 is still inside the window.
    assert due_drill_days(late, utc(2026, 11, 30, 16, 0), SIX_HOURS) == [date(2026, 11, 30)]


def _minutes(start: datetime, end: datetime):
    while start < end:
        yield start
        start += timedelta(minutes=1)


EVERY_DAY = frozenset(range(7))
AUTUMN, SPRING = date(2026, 11, 1), date(2026, 3, 8)  # New York: 01:00-02:00 repeated; 02:00-03:00 skipped


def _due_minutes(schedule: Schedule, day: date) -> list[datetime]:
    """Every minute from the day's 00:00 UTC for 30 hours at which `day` is due."""
    start = datetime.combine(day, time(0), tzinfo=timezone.utc)
    return [now for now in _minutes(start, start + timedelta(hours=30)) if day in due_drill_days(schedule, now, SIX_HOURS)]


@pytest.mark.parametrize("day, at, instant", [
    # 01:30 happens twice on 1 November: 05:30 UTC (EDT) and 06:30 UTC (EST). The first one counts.
    (AUTUMN, time(1, 30), utc(2026, 11, 1, 5, 30)),
    # 02:30 never happens on 8 March (02:00 EST jumps to 03:00 EDT): it is read with the offset before
    # the change, 07:30 UTC, which the clocks show as 03:30 EDT.
    (SPRING, time(2, 30), utc(2026, 3, 8, 7, 30)),
], ids=["repeated autumn hour", "skipped spring hour"])
def test_a_time_in_new_yorks_changed_hour_is_due_once_from_one_instant(day, at, instant):
    assert scheduled_instant(day, at, "America/New_York") == instant
    due = _due_minutes(Schedule(at, "America/New_York", EVERY_DAY), day)
    # One unbroken window from that instant, so a once-per-date claim sends once, then.
    assert due[0] == instant
    assert due[-1] == instant + SIX_HOURS - timedelta(minutes=1)
    assert len(due) == SIX_HOURS // timedelta(minutes=1)


def test_the_day_after_a_change_is_due_at_the_new_offset():
    new_york = Schedule(time(1, 30), "America/New_York", EVERY_DAY)
    assert _due_minutes(new_york, AUTUMN + timedelta(days=1))[0] == utc(2026, 11, 2, 6, 30)  # 01:30 EST
    assert _due_minutes(new_york, SPRING + timedelta(days=1))[0] == utc(2026, 3, 9, 5, 30)  # 01:30 EDT


def test_next_drill_instant_skips_off_days():
    seoul = Schedule(time(9), "Asia/Seoul", WEEKDAYS)
    assert next_drill_instant(seoul, utc(2026, 11, 27, 0, 0)) == utc(2026, 11, 30, 0, 0)  # Friday 09:00 -> Monday
    assert next_drill_instant(Schedule(time(9), "Asia/Seoul", frozenset()), utc(2026, 11, 27)) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parsers_raise_only_schedule_errors(text):
    for parse in (parse_time, parse_zone, parse_days):
        try:
            parse(text)
        except ScheduleError:
            pass
