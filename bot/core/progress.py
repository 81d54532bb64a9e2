"""Points, streaks and the leaderboard: pure rules over drill days and grades."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

GRADES = ("knew", "partly", "missed")
# Showing up counts and honesty is not punished: a missed question still earns a point.
POINTS = {"knew": 3, "partly": 2, "missed": 1}
LEADERBOARD_SIZE = 10


FREEZE_EVERY = 7  # completed drill days that earn a streak freeze
MAX_FREEZES = 2  # freezes a member can hold in one chat
CALENDAR_WEEKS = 16  # weeks the /streak picture shows


@dataclass(frozen=True)
class Streak:
    """A member's current and best run of completed drill days in one chat, with their streak freezes."""

    current: int
    best: int
    freezes: int = 0  # held now
    last_freeze: date | None = None  # the last drill day a freeze covered


@dataclass(frozen=True)
class StreakState:
    """A member's streak as of the end of a closed drill day: what the days after it build on."""

    run: int = 0
    best: int = 0
    freezes: int = 0
    completed: int = 0  # drill days completed, in all
    last_freeze: date | None = None
    through: date | None = None  # the last closed drill day counted
    days: int = 0  # closed drill days counted: a history that changed under a stored state shows here


def advance(state: StreakState, closed_days: Iterable[date], done: Collection[date],
            freezes_after: date | None = None, outcomes: dict[date, str] | None = None) -> StreakState:
    """The state after more closed drill days (oldest first, all after `state.through`); `outcomes`, when
    given, gets what each day did to the streak: "completed", "frozen" (missed, but a held freeze kept the
    streak; the day adds nothing) or "lost" (missed).

    A freeze is earned with every FREEZE_EVERY-th completed day while fewer than MAX_FREEZES are held,
    and is used only when a streak is at stake: a missed day with no run to keep costs nothing. Days up
    to `freezes_after` (the last drill day before freezes existed) keep the streaks they made then.
    """
    # Plain locals, not a dataclass per day: /streak and every daily grade walk a chat's whole history.
    run, best, freezes, completed, last_freeze = state.run, state.best, state.freezes, state.completed, state.last_freeze
    through, counted = state.through, state.days
    for day in closed_days:
        if day in done:
            run, completed = run + 1, completed + 1
            best = max(best, run)
            if completed % FREEZE_EVERY == 0 and freezes < MAX_FREEZES:
                freezes += 1
            outcome = "completed"
        elif run and freezes and (freezes_after is None or day > freezes_after):
            freezes, last_freeze, outcome = freezes - 1, day, "frozen"
        else:
            run, outcome = 0, "lost"
        through, counted = day, counted + 1
        if outcomes is not None:
            outcomes[day] = outcome
    return StreakState(run, best, freezes, completed, last_freeze, through, counted)


def shown(state: StreakState, open_day_done: bool) -> Streak:
    """The streak a member sees: the closed days' state, plus one when the open drill day is completed.
    The latest drill day is open until the next one is delivered: not having graded it yet breaks nothing."""
    current = state.run + open_day_done
    return Streak(current, max(state.best, current), state.freezes, state.last_freeze)


@dataclass(frozen=True)
class StreakCalendar:
    """A member's recent drill days in one chat and how each went, for the /streak picture: an on-time
    grade (knew, partly, missed), "frozen", "lost", or "open" (the open day, not graded yet)."""

    days: tuple[tuple[date, str], ...]
    today: date
    streak: Streak
    language: str


def calendar_days(drill_days: Sequence[date], graded: Mapping[date, str], since: date,
                  freezes_after: date | None = None) -> dict[date, str]:
    """How each drill day from `since` on went for a member whose on-time grades are `graded` (by day)."""
    days = sorted(set(drill_days))
    outcomes: dict[date, str] = {}
    advance(StreakState(), days[:-1], graded, freezes_after, outcomes)
    shown = {day: graded.get(day) or outcomes.get(day, "open") for day in days if day >= since}
    return shown


def streak(drill_days: Sequence[date], completed: Iterable[date], freezes_after: date | None = None) -> Streak:
    """Streaks over a chat's drill days (any order); `completed` are the days graded on time.
    Days without a delivery (weekends, off days) are not drill days at all."""
    days = sorted(set(drill_days))
    done = set(completed)
    return shown(advance(StreakState(), days[:-1], done, freezes_after), bool(days) and days[-1] in done)


@dataclass(frozen=True)
class Standing:
    """One line of a leaderboard."""

    rank: int
    member: str
    name: str
    points: int
    streak: int


def leaderboard(
    entries: Iterable[tuple[str, str, int, int]], caller: str | None = None, hidden: Iterable[str] = (),
    size: int = LEADERBOARD_SIZE,
) -> tuple[list[Standing], Standing | None]:
    """Rank (member, name, points, current streak) by points, then streak; ties share a rank.

    Returns the top `size` and, when the caller is not among them, the caller's own line.
    Hidden members are left out of the board, but still see their own line.
    """
    hidden = set(hidden)
    ordered = sorted(entries, key=lambda e: (-e[2], -e[3], e[1].casefold(), e[0]))
    standings: list[Standing] = []
    previous = None
    for position, (member, name, points, current) in enumerate(
            (e for e in ordered if e[0] not in hidden or e[0] == caller), start=1):
        rank = standings[-1].rank if previous == (points, current) else position
        standings.append(Standing(rank, member, name, points, current))
        previous = (points, current)
    visible = [s for s in standings if s.member not in hidden]
    top = visible[:size]
    own = next((s for s in standings if s.member == caller), None)
    return top, (own if own is not None and own not in top else None)
