"""Streaks and leaderboards read from the store: the core's rules over a chat's stored history."""

from __future__ import annotations

from datetime import date

from bot.core.messages import text
from bot.core.progress import Streak, current_streaks, leaderboard, streak
from bot.store import Store


def streak_of(store: Store, chat_key: str, member_key: str) -> Streak:
    """A member's current and best streak in a chat."""
    return streak(store.deliveries.drill_days(chat_key), store.grades.completed_days(chat_key, member_key))


def board_text(store: Store, row: dict, caller: str | None, period: str, since: date | None, before: date | None,
               title_key: str = "leaderboard_title") -> str | None:
    """The chat's board for grades of drill days in [since, before); None when empty and nobody asked."""
    lang = row["language"]
    points = store.grades.points_by_member(row["key"], since=since, before=before)
    if not points and caller is None:
        return None
    # Every member's streak in one walk back over the recent drill days, not one history read per member.
    streaks = current_streaks(store.deliveries.drill_days(row["key"]),
                              lambda day, among: store.grades.on_time_members(row["key"], day, among))
    entries = [(m, name, pts, streaks.get(m, 0)) for m, (name, pts) in points.items()]
    top, own = leaderboard(entries, caller=caller, hidden=store.chats.hidden_members(row["key"]))
    lines = [text(lang, title_key, period=text(lang, f"period_{period}"))]
    lines += [text(lang, "leaderboard_line", rank=s.rank, name=s.name, points=s.points, streak=s.streak) for s in top]
    if not top:
        lines.append(text(lang, "leaderboard_empty"))
    if own is not None:
        lines += ["…", text(lang, "leaderboard_line", rank=own.rank, name=own.name, points=own.points,
                            streak=own.streak)]
    return "\n".join(lines)
