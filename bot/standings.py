"""Streaks and leaderboards read from the store: the core's rules over a chat's stored history."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from bot.core.messages import text
from bot.core.progress import (
    CALENDAR_WEEKS, Streak, StreakCalendar, StreakState, advance, calendar_days, leaderboard, shown, streak,
)
from bot.core.schedule import week_start
from bot.store import Store


def streak_of(store: Store, chat_key: str, member_key: str) -> Streak:
    """A member's current and best streak in a chat, with the freezes held."""
    return streak(store.deliveries.drill_days(chat_key), store.grades.completed_days(chat_key, member_key),
                  store.runtime.freezes_after())


def streak_calendar(store: Store, chat_key: str, member_key: str, today: date, language: str) -> StreakCalendar:
    """The member's streak and their last CALENDAR_WEEKS weeks in the chat (to the end of today's week)."""
    days = store.deliveries.drill_days(chat_key)
    graded = store.grades.on_time_grades(chat_key, member_key, since=date.min)
    since = week_start(today) - timedelta(weeks=CALENDAR_WEEKS - 1)
    freezes_after = store.runtime.freezes_after()
    shown = calendar_days(days, graded, since, freezes_after)
    return StreakCalendar(tuple(sorted(shown.items())), today, streak(days, graded, freezes_after), language)


def current_streaks(store: Store, chat_key: str, members: Collection[str]) -> dict[str, Streak]:
    """These members' streaks in the chat, by the rule of `streak`.

    Freezes make a streak depend on the whole history, so each member's state as of a closed drill day
    is kept (streak_states) and carried forward over the days closed since: a board reads the few recent
    days' grades, not a year of them. A stored state whose history changed under it starts over.
    """
    days = store.deliveries.drill_days(chat_key)
    if not days or not members:
        return {member: Streak(0, 0) for member in members}
    closed, open_day = days[:-1], days[-1]
    stored = store.grades.streak_states(chat_key, members)
    states = {}
    for member in members:
        state = stored.get(member, StreakState())
        if state.days > len(closed) or (state.days and closed[state.days - 1] != state.through):
            state = StreakState()
        states[member] = state
    first = min(state.days for state in states.values())
    done = store.grades.completed_since(chat_key, (closed + [open_day])[first], members)
    moved, streaks, freezes_after = {}, {}, store.runtime.freezes_after()
    for member, state in states.items():
        completed = done.get(member, set())
        new = advance(state, closed[state.days:], completed, freezes_after)
        if new != state:
            moved[member] = new
        streaks[member] = shown(new, open_day in completed)
    if moved:
        store.grades.put_streak_states(chat_key, moved)
    return streaks


def board_text(store: Store, row: dict, caller: str | None, period: str, since: date | None, before: date | None,
               title_key: str = "leaderboard_title") -> str | None:
    """The chat's board for grades of drill days in [since, before); None when empty and nobody asked."""
    lang = row["language"]
    points = store.grades.points_by_member(row["key"], since=since, before=before)
    if not points and caller is None:
        return None
    # Every member's streak in one walk back over the recent drill days, not one history read per member.
    streaks = current_streaks(store, row["key"], list(points))
    entries = [(m, name, pts, streaks[m].current) for m, (name, pts) in points.items()]
    top, own = leaderboard(entries, caller=caller, hidden=store.chats.hidden_members(row["key"]))
    lines = [text(lang, title_key, period=text(lang, f"period_{period}"))]
    lines += [text(lang, "leaderboard_line", rank=s.rank, name=s.name, points=s.points, streak=s.streak) for s in top]
    if not top:
        lines.append(text(lang, "leaderboard_empty"))
    if own is not None:
        lines += ["…", text(lang, "leaderboard_line", rank=own.rank, name=own.name, points=own.points,
                            streak=own.streak)]
    return "\n".join(lines)
