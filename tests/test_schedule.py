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


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1)])
def test_new_york_at_0230_on_dst_change_days_is_due_once(day):
    new_york = Schedule(time(2, 30), "America/New_York", frozenset(range(7)))
    start = datetime.combine(day, time(0), tzinfo=timezone.utc)
    first_due = [now for now in _minutes(start, start + timedelta(hours=30))
                 if day in due_drill_days(new_york, now, SIX_HOURS)]
    # Due continuously through one window that starts at one instant, so a once-per-date claim sends once.
    assert first_due[0] == utc(2026, 3, 8, 7, 30) if day.month == 3 else utc(2026, 11, 1, 7, 30)
    assert first_due[-1] - first_due[0] == SIX_HOURS - timedelta(minutes=1)


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
