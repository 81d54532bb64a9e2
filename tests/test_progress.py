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


# -- streak freezes --------------------------------------------------------------------------------------


def test_a_freeze_is_earned_at_7_and_14_completed_days_and_at_most_2_are_held():
    days = weekdays(MONDAY, 30)
    held = [streak(days[: n + 1], days[:n]).freezes for n in (6, 7, 13, 14, 20, 21, 28)]
    # 6 completed: none yet; 7: one; 14: two; 21 and 28 would be the third and fourth: capped at two.
    assert held == [0, 1, 1, 2, 2, 2, 2]


def test_a_missed_day_uses_a_held_freeze_and_the_streak_survives_without_growing():
    days = weekdays(MONDAY, 10)
    done = days[:7] + days[8:9]  # day 8 missed, day 10 still open
    result = streak(days, done)
    assert (result.current, result.best, result.freezes, result.last_freeze) == (8, 8, 0, days[7])
    # With only 6 completed before it (no freeze yet), the same miss breaks the streak.
    short = streak(days[1:], days[1:7] + days[8:9])
    assert (short.current, short.freezes, short.last_freeze) == (1, 1, None)  # its 7th day earns one


def test_two_freezes_cover_two_missed_days_and_a_third_miss_breaks_the_streak():
    days = weekdays(MONDAY, 18)
    done = days[:14]  # two freezes earned, then day 15, 16 and 17 missed; day 18 open
    result = streak(days, done)
    assert (result.current, result.best, result.freezes, result.last_freeze) == (0, 14, 0, days[15])
    kept = streak(days[:17], done)  # only days 15 and 16 missed and closed
    assert (kept.current, kept.freezes, kept.last_freeze) == (14, 0, days[15])


def test_off_days_never_use_a_freeze():
    days = weekdays(MONDAY, 12)  # Monday to Friday: two weekends in between are not drill days
    result = streak(days, days[:11])
    assert (result.current, result.freezes, result.last_freeze) == (11, 1, None)


def test_no_freeze_is_spent_when_there_is_no_streak_to_keep():
    days = weekdays(MONDAY, 11)
    done = days[:7]  # one freeze; day 8 uses it, day 9 breaks the streak, day 10 has no streak to keep
    result = streak(days, done)
    assert (result.current, result.freezes, result.last_freeze) == (0, 0, days[7])
    regained = streak(days + weekdays(days[-1] + timedelta(days=1), 8), done + weekdays(days[-1] + timedelta(days=1), 7))
    assert regained.freezes == 1  # the 14th completed day earns the next one



def test_days_up_to_the_upgrade_that_brought_freezes_keep_the_streaks_they_made():
    days = weekdays(MONDAY, 12)
    done = days[:7] + days[8:9] + days[10:11]  # the 8th and 10th days missed, a freeze held from the 7th
    assert streak(days, done).last_freeze == days[7]
    upgraded_after_the_8th = streak(days, done, freezes_after=days[7])
    # The 8th day broke the streak, as it did before the upgrade; the freeze still held covers the 10th.
    assert (upgraded_after_the_8th.current, upgraded_after_the_8th.last_freeze) == (2, days[9])
