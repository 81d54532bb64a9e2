"""Schedule maths: parsing times, zones and weekdays, and when a chat's daily question is due.

Pure: the current instant is always an argument. Instants are compared in UTC; local wall-clock
times are turned into instants through the chat's zone, so DST changes never double or drop a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_KOREAN_WEEKDAYS = "월화수목금토일"
_DAY_ALIASES = {
    "weekdays": frozenset(range(5)),
    "평일": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
    "주말": frozenset({5, 6}),
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "매일": frozenset(range(7)),
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_MAX_ARGUMENT = 200


class ScheduleError(ValueError):
    """A schedule value a person typed that cannot be used; `kind` names which one."""

    def __init__(self, kind: str, value: str):
        super().__init__(f"invalid {kind}: {value!r}")
        self.kind = kind
        self.value = value


@dataclass(frozen=True)
class Schedule:
    """When a chat gets its daily question: local time, IANA zone, weekdays (0 = Monday)."""

    at: time
    zone: str
    days: frozenset[int]

    @property
    def tz(self) -> ZoneInfo:
        """The zone as a tzinfo."""
        return ZoneInfo(self.zone)


@dataclass(frozen=True)
class Defaults:
    """What a new subscription starts with, and how long a missed question may still be delivered."""

    schedule: Schedule
    language: str
    catch_up: timedelta = timedelta(hours=6)


def parse_time(text: str) -> time:
    """'9:00' or '09:00' -> time(9, 0); anything else raises ScheduleError('time')."""
    match = _TIME.match(text.strip()) if len(text) <= _MAX_ARGUMENT else None
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ScheduleError("time", text[:_MAX_ARGUMENT])


def parse_zone(text: str) -> str:
    """A valid IANA zone name ('Asia/Seoul'), else ScheduleError('zone')."""
    name = text.strip()
    if name and len(name) <= 64 and re.fullmatch(r"[A-Za-z0-9_+\-/]+", name) and ".." not in name:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise ScheduleError("zone", text[:_MAX_ARGUMENT])


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'weekdays', 'daily', '월-금', '월수금' -> weekday numbers."""
    value = text.strip().lower()
    if not value or len(value) > _MAX_ARGUMENT:
        raise ScheduleError("days", text[:_MAX_ARGUMENT])
    if value in _DAY_ALIASES:
        return _DAY_ALIASES[value]
    days: set[int] = set()
    for part in re.split(r"[\s,]+", value):
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _weekday(first, text), _weekday(last, text)
            span = (end - start) % 7
            days.update((start + offset) % 7 for offset in range(span + 1))
        elif all(char in _KOREAN_WEEKDAYS for char in part):
            days.update(_KOREAN_WEEKDAYS.index(char) for char in part)
        else:
            days.add(_weekday(part, text))
    if not days:  # only separators (','): a schedule without weekdays would never deliver
        raise ScheduleError("days", text)
    return frozenset(days)


_FULL_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(name: str, original: str) -> int:
    """'mon', 'monday' or '월' -> 0; anything else raises ScheduleError('days')."""
    for index, full in enumerate(_FULL_WEEKDAY_NAMES):
        if len(name) >= 3 and full.startswith(name):
            return index
    if len(name) == 1 and name in _KOREAN_WEEKDAYS:
        return _KOREAN_WEEKDAYS.index(name)
    raise ScheduleError("days", original[:_MAX_ARGUMENT])


def format_days(days: frozenset[int]) -> str:
    """Weekday numbers -> 'mon,tue,wed' (for display and storage)."""
    return ",".join(WEEKDAY_NAMES[day] for day in sorted(days))


def scheduled_instant(local_day: date, at: time, zone: str) -> datetime:
    """The UTC instant of `at` on `local_day` in `zone`.

    A wall time that does not exist (skipped by a spring-forward change) lands just after the gap;
    a wall time that happens twice (fall-back) is the first of the two.
    """
    # fold=0 takes the offset in force before a change: for a skipped time that already points
    # past the gap, for a repeated time it is the first occurrence.
    return datetime.combine(local_day, at, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def local_date(now: datetime, zone: str) -> date:
    """The calendar date in `zone` at the instant `now`."""
    return now.astimezone(ZoneInfo(zone)).date()


def due_drill_days(schedule: Schedule, now: datetime, catch_up: timedelta) -> list[date]:
    """Local dates whose daily question is due at `now`: scheduled time passed, still inside the
    catch-up window, on one of the schedule's weekdays. Newest first; usually zero or one."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = local_date(now, schedule.zone)
    due = []
    for back in range(0, 2 + catch_up.days):
        day = today - timedelta(days=back)
        if day.weekday() not in schedule.days:
            continue
        start = scheduled_instant(day, schedule.at, schedule.zone)
        if start <= now < start + catch_up:
            due.append(day)
    return due


def next_drill_instant(schedule: Schedule, after: datetime) -> datetime | None:
    """The first scheduled instant strictly after `after` (None when the schedule has no days)."""
    if not schedule.days:
        return None
    day = local_date(after, schedule.zone)
    for _ in range(9):
        if day.weekday() in schedule.days:
            start = scheduled_instant(day, schedule.at, schedule.zone)
            if start > after:
                return start
        day += timedelta(days=1)
    return None


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())
