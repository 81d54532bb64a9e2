"""Streak and leaderboard rules, as pure functions."""

from datetime import date, timedelta

from bot.core.progress import POINTS, leaderboard, streak


def weekdays(start: date, count: int) -> list[date]:
    """`count` consecutive Monday-to-Friday dates from `start`."""
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


MONDAY = date(2026, 11, 2)


def test_points_reward_showing_up():
    assert POINTS == {"knew": 3, "partly": 2, "missed": 1}


def test_weekends_do_not_break_a_streak():
    days = weekdays(MONDAY, 7)  # Mon..Fri, then Mon, Tue of the next week
    assert days[5] - days[4] == timedelta(days=3)
    result = streak(days, days)
    assert (result.current, result.best) == (7, 7)


def test_an_open_day_does_not_break_the_streak_but_a_missed_closed_day_does():
    days = weekdays(MONDAY, 5)
    open_today = streak(days, days[:4])
    assert (open_today.current, open_today.best) == (4, 4)
    missed_thursday = streak(days, days[:3] + days[4:])
    assert (missed_thursday.current, missed_thursday.best) == (1, 3)


def test_no_days_no_streak():
    assert streak([], []).current == 0
    assert streak(weekdays(MONDAY, 3), []).best == 0


def test_best_streak_is_kept_after_a_break():
    days = weekdays(MONDAY, 10)
    done = days[:6] + days[7:9]
    result = streak(days, done)
    assert (result.current, result.best) == (2, 6)


def test_leaderboard_ranks_by_points_then_streak_with_shared_ranks():
    entries = [("a", "Ann", 9, 3), ("b", "Bo", 12, 1), ("c", "Cy", 9, 5), ("d", "Di", 9, 5)]
    top, own = leaderboard(entries, caller="a")
    assert [(s.rank, s.member) for s in top] == [(1, "b"), (2, "c"), (2, "d"), (4, "a")]
    assert own is None  # the caller is already on the board


def test_a_tie_below_second_place_shares_the_rank_of_the_one_just_above():
    entries = [("b", "Bo", 12, 1), ("a", "Ann", 10, 0), ("d", "Kim", 9, 5), ("c", "Kim", 9, 5)]
    top, _ = leaderboard(entries)
    # Same points, streak and name: the order is still fixed (by member key), and both are third.
    assert [(s.rank, s.member) for s in top] == [(1, "b"), (2, "a"), (3, "c"), (3, "d")]


def test_leaderboard_top_ten_plus_the_callers_line():
    entries = [(f"m{i}", f"M{i:02}", 100 - i, 0) for i in range(15)]
    top, own = leaderboard(entries, caller="m13")
    assert len(top) == 10 and top[0].member == "m0"
    assert own.member == "m13" and own.rank == 14


def test_hidden_members_are_left_off_but_see_themselves():
    entries = [("a", "Ann", 9, 3), ("b", "Bo", 12, 1)]
    top, own = leaderboard(entries, caller="c", hidden={"b"})
    assert [s.member for s in top] == ["a"]
    top, own = leaderboard(entries, caller="b", hidden={"b"})
    assert [s.member for s in top] == ["a"] and own.member == "b" and own.rank == 1
