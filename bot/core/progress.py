"""Points, streaks and the leaderboard: pure rules over drill days and grades."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

GRADES = ("knew", "partly", "missed")
# Showing up counts and honesty is not punished: a missed question still earns a point.
POINTS = {"knew": 3, "partly": 2, "missed": 1}
LEADERBOARD_SIZE = 10


@dataclass(frozen=True)
class Streak:
    """A member's current and best run of completed drill days in one chat."""

    current: int
    best: int


def streak(drill_days: Sequence[date], completed: Iterable[date]) -> Streak:
    """Streaks over a chat's drill days (any order); `completed` are the days graded on time.

    The latest drill day is still open until the next one is delivered: not having graded it yet
    does not break the streak. Days without a delivery (weekends, off days) are not drill days at all.
    """
    days = sorted(set(drill_days))
    done = set(completed)
    best = run = 0
    for day in days:
        run = run + 1 if day in done else 0
        best = max(best, run)
    closed = days[:-1] if days and days[-1] not in done else days
    current = 0
    for day in reversed(closed):
        if day not in done:
            break
        current += 1
    return Streak(current=current, best=best)


def current_streaks(
    drill_days: Sequence[date], completed_by: Callable[[date, Collection[str] | None], Collection[str]],
) -> dict[str, int]:
    """Every member's current streak, by the rule of `streak`; members left out have none.

    `completed_by(day, among)` names who completed `day` (only those in `among`, when it is not None).
    The walk goes back from the latest drill day only while somebody's run goes on, asking each day only
    about the members still running: it reads about as many grades as the streaks add up to, not the
    chat's whole history.
    """
    days = sorted(set(drill_days))
    if not days:
        return {}
    # The latest day is still open: it adds one for those who completed it and breaks nobody's run.
    streaks = dict.fromkeys(completed_by(days[-1], None), 1)
    running: Collection[str] | None = None
    for day in reversed(days[:-1]):
        running = set(completed_by(day, running))
        if not running:
            break
        for member in running:
            streaks[member] = streaks.get(member, 0) + 1
    return streaks


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
