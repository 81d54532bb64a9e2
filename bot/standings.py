"""Streaks and leaderboards read from the store: the core's rules over a chat's stored history."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from bot.core.commands import practice_payload
from bot.core.messages import text
from bot.core.progress import (
    CALENDAR_WEEKS, Streak, StreakCalendar, StreakState, advance, calendar_days, leaderboard, streak,
)
from bot.core.replies import Button, Reply
from bot.core.schedule import week_start
from bot.core.team import team_recall, week_recap
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


def current_streaks(store: Store, chat_key: str, members: Collection[str]) -> dict[str, int]:
    """These members' current streaks in the chat, by the rule of `streak`.

    Freezes make a streak depend on the whole history, so each member's state as of the last closed drill
    day is kept (streak_states): a board reads it and the open day's grades, and carries a state forward
    only over the days closed since it was kept. A stored state whose history changed under it starts over.
    """
    days = store.deliveries.drill_days(chat_key)
    if not days or not members:
        return dict.fromkeys(members, 0)
    closed, open_day = days[:-1], days[-1]
    last_closed = closed[-1].isoformat() if closed else None
    stored = store.grades.streak_states(chat_key, members)
    current, behind = {}, {}
    for member in members:
        row = stored.get(member)
        if row is not None and (row.days, row.through) == (len(closed), last_closed):
            current[member] = row.run  # up to date: nothing to read but the open day
            continue
        state = StreakState()
        if row is not None and 0 < row.days <= len(closed) and closed[row.days - 1].isoformat() == row.through:
            state = row.state()
        behind[member] = state
    first = min((state.days for state in behind.values()), default=len(closed))
    done = store.grades.completed_since(chat_key, (closed + [open_day])[first], members)
    moved, freezes_after = {}, store.runtime.freezes_after() if behind else None
    for member, state in behind.items():
        new = advance(state, closed[state.days:], done.get(member, ()), freezes_after)
        if new != state:
            moved[member] = new
        current[member] = new.run
    if moved:
        store.grades.put_streak_states(chat_key, moved)
    return {member: run + (open_day in done.get(member, ())) for member, run in current.items()}


def board_text(store: Store, row: dict, caller: str | None, period: str, since: date | None, before: date | None,
               title_key: str = "leaderboard_title") -> str | None:
    """The chat's board for grades of drill days in [since, before); None when empty and nobody asked."""
    lang = row["language"]
    points = store.grades.points_by_member(row["key"], since=since, before=before)
    if not points and caller is None:
        return None
    # Every member's streak from the stored states and the open day, not one history read per member.
    streaks = current_streaks(store, row["key"], list(points))
    entries = [(m, name, pts, streaks[m]) for m, (name, pts) in points.items()]
    top, own = leaderboard(entries, caller=caller, hidden=store.chats.hidden_members(row["key"]))
    lines = [text(lang, title_key, period=text(lang, f"period_{period}"))]
    lines += [text(lang, "leaderboard_line", rank=s.rank, name=s.name, points=s.points, streak=s.streak) for s in top]
    if not top:
        lines.append(text(lang, "leaderboard_empty"))
    if own is not None:
        lines += ["…", text(lang, "leaderboard_line", rank=own.rank, name=own.name, points=own.points,
                            streak=own.streak)]
    return "\n".join(lines)


def week_recap_reply(store: Store, row: dict, monday: date, now: datetime) -> Reply | None:
    """The recap of the week before `monday` for the chat's first drill day of a week; None when nobody graded."""
    lang, key = row["language"], row["key"]
    since = monday - timedelta(days=7)
    grades = store.grades.grades_between(key, since, monday)
    if not grades:
        return None
    week = store.grades.points_by_member(key, since, monday)  # every member who graded that week, late too
    names = {member: name for member, (name, _) in week.items()}
    points = {member: pts for member, (_, pts) in week.items()}
    before = {member: pts for member, (_, pts) in store.grades.points_by_member(key, since - timedelta(days=7), since).items()}
    streaks = current_streaks(store, key, sorted(points))
    recap = week_recap(grades, store.deliveries.drill_days(key, since, monday), points, before, streaks,
                       store.chats.hidden_members(key), _topic_recall(store, key, now))
    lines = [text(lang, "recap_title"), text(lang, "recap_members", members=recap.members, days=recap.graded_days,
                                             drill_days=recap.drill_days)]
    buttons: tuple[Button, ...] = ()
    if recap.hardest is not None:
        question = store.bank.question(recap.hardest.question_id)
        lines.append(text(lang, "recap_hardest", question=question["question"], average=f"{recap.hardest.average:.1f}"))
        if question["active"]:
            buttons = (Button(text(lang, "practise_it"), practice_payload(question["id"]), "practice"),)
    if recap.streaks:
        lines.append(text(lang, "recap_streaks", streaks=", ".join(
            text(lang, "recap_streak", name=names.get(member, member), days=days) for member, days in recap.streaks)))
    if recap.most_improved is not None:
        member, gained = recap.most_improved
        lines.append(text(lang, "recap_improved", name=names.get(member, member), points=gained))
    if recap.fading_topic is not None:
        lines.append(text(lang, "recap_fading", topic=recap.fading_topic))
    return Reply("\n".join(lines), buttons=buttons, kind="board")


def _topic_recall(store: Store, chat_key: str, now: datetime) -> dict[str, float]:
    """topic -> the chat's mean recall of its active questions today (a question nobody has a card for is 0)."""
    members, cards = store.grades.team_cards(chat_key)
    if not members:
        return {}
    recall = team_recall(cards, members, now)
    per_topic: dict[str, list[float]] = {}
    for question_id, topic in store.bank.active_questions_with_topics():
        per_topic.setdefault(topic, []).append(recall.get(question_id, 0.0))
    return {topic: sum(values) / len(values) for topic, values in per_topic.items()}
