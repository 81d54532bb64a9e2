"""Chats (where the bot talks, with their schedules) and members (who grades) in the store."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime

from bot.store.rows import Chat
from bot.store.connection import StorePart, write_transaction


def _unplaced(column: str) -> str:
    """SQL: `column` holds a Slack key from before workspaces were part of them (`slack:C1`, not `slack:T1:C1`)."""
    return f"{column} like 'slack:%' and {column} not like 'slack:%:%'"


class ChatStore(StorePart):
    """Chats and their schedules, members and their names and hidden flags; a chat moving to a new id."""

    def ensure_chat(self, key: str, platform: str, kind: str, title: str, language: str, now: datetime) -> Chat:
        """The chat's row, created (not subscribed) on first contact."""
        row = self.chat(key)
        if row is None:
            stamp = now.isoformat()
            seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
            self.db.execute(
                "insert or ignore into chats (key, platform, kind, title, status, language, seed, created_at, updated_at)"
                " values (?, ?, ?, ?, 'new', ?, ?, ?, ?)", [key, platform, kind, title, language, seed, stamp, stamp])
            row = self.chat(key)
        return row

    def chat(self, key: str) -> Chat | None:
        """One chat by key."""
        rows = list(self.db.query("select * from chats where key = ?", [key]))
        return rows[0] if rows else None

    def subscribe(self, key: str, *, at: str, zone: str, days: str, by: str, now: datetime) -> None:
        """Make the chat active with this schedule (also reactivates a stopped or deactivated chat)."""
        self.db.execute(
            "update chats set status = 'active', reason = null, at = ?, zone = ?, days = ?, subscribed_by = ?,"
            " updated_at = ? where key = ?", [at, zone, days, by, now.isoformat(), key])

    def update_chat(self, key: str, fields: dict, now: datetime) -> None:
        """Change schedule fields (at, zone, days, topics, language)."""
        allowed = {"at", "zone", "days", "topics", "language", "title", "kind"}
        if not set(fields) <= allowed:
            raise ValueError(f"not chat fields: {set(fields) - allowed}")
        self.db["chats"].update(key, {**fields, "updated_at": now.isoformat()})

    def set_status(self, key: str, status: str, reason: str | None, now: datetime) -> None:
        """Mark a chat active, stopped (by its members) or inactive (the platform refused, with the reason)."""
        self.db["chats"].update(key, {"status": status, "reason": reason, "updated_at": now.isoformat()})

    def counts(self) -> list[tuple[str, str, str, int]]:
        """(platform, status, reason, chats) for every combination there is: what `status` shows."""
        return self.db.execute("select platform, status, coalesce(reason, ''), count(*) from chats"
                               " group by 1, 2, 3 order by 1, 2, 3").fetchall()

    def deactivate_under(self, prefix: str, reason: str, now: datetime) -> int:
        """Mark every active chat whose key starts with `prefix` inactive (a Slack workspace that uninstalled
        the app); returns how many."""
        return self.db.execute(
            "update chats set status = 'inactive', reason = ?, updated_at = ? where status = 'active'"
            " and substr(key, 1, length(?)) = ?", [reason, now.isoformat(), prefix, prefix]).rowcount

    def reactivate_under(self, prefix: str, reasons: Collection[str], now: datetime) -> int:
        """Make the chats under `prefix` that were deactivated for one of `reasons` active again (the app
        installed again); a chat stopped or archived for another reason stays as it is."""
        marks = ", ".join("?" * len(reasons))
        return self.db.execute(
            f"update chats set status = 'active', reason = null, updated_at = ? where status = 'inactive'"
            f" and reason in ({marks}) and substr(key, 1, length(?)) = ?",
            [now.isoformat(), *reasons, prefix, prefix]).rowcount

    def unplaced_slack_chats(self) -> int:
        """Slack chats still keyed `slack:C...`, as the bot kept them before Slack keys named the workspace."""
        return self.db.execute(f"select count(*) from chats where {_unplaced('key')}").fetchone()[0]

    def place_slack_rows(self, workspace: str) -> int:
        """Move every Slack chat and member still keyed without a workspace (`slack:C1`, `slack:U1`) under
        `workspace` (`slack:T1:C1`, `slack:T1:U1`) with all of their history, in one transaction: a bot that
        served one workspace before knows it only by its token. Returns the chats moved."""
        def move(table: str, column: str) -> int:
            return self.db.execute(f"update {table} set {column} = 'slack:' || ? || ':' || substr({column}, 7)"
                                   f" where {_unplaced(column)}", [workspace]).rowcount

        with write_transaction(self.db):
            # Chats: deliveries, totals, streak states and reminders follow by their foreign keys' cascade.
            moved = move("chats", "key")
            move("flags", "chat")
            # Members: the new rows first, so that every reference can move before the old rows go. Moving a
            # grade moves its points in chat_totals too (the grade triggers), leaving the old rows at zero.
            self.db.execute("insert into members (key, name, hidden) select 'slack:' || ? || ':' || substr(key, 7),"
                            f" name, hidden from members where {_unplaced('key')}", [workspace])
            for table in ("grades", "cards", "streak_states", "reminders", "reminders_sent", "flags"):
                move(table, "member")
            move("chats", "subscribed_by")
            self.db.execute(f"delete from chat_totals where {_unplaced('member')}")
            self.db.execute(f"delete from members where {_unplaced('key')}")
        return moved

    def installed_slack_workspaces(self) -> int:
        """How many Slack workspaces have the app installed ("Add to Slack"): read from slack-sdk's own
        installation table in this file (bot/adapters/slack_installations.py), 0 before the first install."""
        if not self.db["slack_bots"].exists():
            return 0
        return self.db.execute("select count(distinct case when is_enterprise_install then enterprise_id"
                               " else team_id end) from slack_bots").fetchone()[0]

    def active_chats(self) -> list[Chat]:
        """Every chat that receives the daily question."""
        return list(self.db.query("select * from chats where status = 'active' order by key"))

    def ensure_member(self, key: str, name: str) -> None:
        """Record a member (and their latest display name); writes only when something changed, so that
        a command that only reads never waits for the write lock."""
        known = self.db.execute("select name from members where key = ?", [key]).fetchone()
        if known is not None and known[0] == name:
            return
        self.db.execute(
            "insert into members (key, name) values (?, ?) on conflict(key) do update set name = excluded.name"
            " where members.name != excluded.name", [key, name])

    def set_hidden(self, key: str, hidden: bool) -> None:
        """Take a member off leaderboards, or put them back."""
        self.db.execute("update members set hidden = ? where key = ?", [int(hidden), key])

    def hidden_members(self, chat_key: str) -> set[str]:
        """Members of this chat's board who asked to be left off leaderboards (hiding holds on every board)."""
        rows = self.db.execute("select m.key from members m join chat_totals t on t.member = m.key"
                               " where m.hidden = 1 and t.chat = ?", [chat_key]).fetchall()
        return {key for (key,) in rows}

    def move_chat(self, old_key: str, new_key: str) -> None:
        """A chat got a new id (Telegram supergroup upgrade): move it and its history in one transaction.

        When the new id already has a history of its own (it was subscribed before the move arrived), the
        two merge: every drill day of both is kept, and on a day both were sent, the grades join the new
        id's delivery (a member who graded both keeps the new id's grade).
        """
        with write_transaction(self.db):
            if not self.db.execute("select 1 from deliveries where chat = ?", [new_key]).fetchone():
                # Nothing under the new id worth keeping: the old row, which holds the history, takes its key.
                self.db.execute("delete from chats where key = ?", [new_key])
                self.db.execute("update chats set key = ? where key = ?", [new_key, old_key])
                return
            self._merge_history(old_key, new_key)

    def _merge_history(self, old_key: str, new_key: str) -> None:
        db = self.db
        # Merged days change whose streak is what: the stored states are worked out again from the history.
        db.execute("delete from streak_states where chat in (?, ?)", [old_key, new_key])
        db.execute("update or ignore deliveries set chat = ? where chat = ?", [new_key, old_key])
        # Left behind: the old id's days that the new id has too. Their grades join the new id's delivery.
        db.execute(
            "update or ignore grades set delivery_id = (select n.id from deliveries n join deliveries o"
            " on o.local_date = n.local_date where o.id = grades.delivery_id and n.chat = ?)"
            " where delivery_id in (select id from deliveries where chat = ?)", [new_key, old_key])
        db.execute("delete from grades where delivery_id in (select id from deliveries where chat = ?)", [old_key])
        db.execute("delete from deliveries where chat = ?", [old_key])
        # The totals follow the grades; the rows that moved with their deliveries were not seen by the triggers.
        db.execute("delete from chat_totals where chat in (?, ?)", [old_key, new_key])
        db.execute(
            "insert into chat_totals (chat, member, points, grades) select d.chat, g.member, sum(g.points), count(*)"
            " from grades g join deliveries d on d.id = g.delivery_id where d.chat = ? group by g.member", [new_key])
        old, new = self.chat(old_key), self.chat(new_key)
        if old["status"] == "active" and new["status"] != "active":
            schedule = {field: old[field] for field in ("status", "reason", "at", "zone", "days", "topics",
                                                       "language", "subscribed_by")}
            db["chats"].update(new_key, schedule)
        db.execute("delete from chats where key = ?", [old_key])
