"""Reminders in the store: who asked for one in which chat, and which were sent (once per drill day)."""

from __future__ import annotations

from datetime import datetime

from bot.store.connection import StorePart


class ReminderStore(StorePart):
    """Opt-in reminders per member and chat, and the claims that keep them to one per drill day."""

    def set(self, chat_key: str, member_key: str, at: str | None) -> None:
        """Remind the member in this chat at `at` (HH:MM, the chat's zone) or, None, 3 h before the next question."""
        self.db.execute("insert into reminders (chat, member, at) values (?, ?, ?)"
                        " on conflict (chat, member) do update set at = excluded.at", [chat_key, member_key, at])

    def remove(self, chat_key: str, member_key: str) -> bool:
        """No more reminders for the member in this chat; False when there were none."""
        return self.db.execute("delete from reminders where chat = ? and member = ?", [chat_key, member_key]).rowcount > 0

    def get(self, chat_key: str, member_key: str) -> dict | None:
        """The member's reminder in this chat: {"at": "HH:MM" or None}; None when they have none."""
        row = self.db.execute("select at from reminders where chat = ? and member = ?", [chat_key, member_key]).fetchone()
        return {"at": row[0]} if row else None

    def pending(self) -> list[dict]:
        """Every reminder that may be due: its member and chat (schedule, language, platform, title), the
        chat's open drill day (the latest delivered question), which the member has not graded and has not
        been reminded of. Whether its time has come is the sweep's rule (bot.core.reminders)."""
        return list(self.db.query("""
            select r.chat, r.member, r.at, c.at as chat_at, c.zone, c.days, c.language, c.platform, c.title,
                   d.id as delivery_id, d.local_date
            from reminders r
            join chats c on c.key = r.chat and c.status = 'active'
            join deliveries d on d.id = (
                select id from deliveries where chat = r.chat and question_id is not null
                and status in ('claimed', 'sent') order by local_date desc limit 1)
            where not exists (select 1 from grades g where g.delivery_id = d.id and g.member = r.member)
              and not exists (select 1 from reminders_sent s where s.delivery_id = d.id and s.member = r.member)
        """))

    def claim(self, delivery_id: int, member_key: str, now: datetime) -> bool:
        """Take the member's reminder of this drill day before sending it; False when it was taken already."""
        return self.db.execute("insert or ignore into reminders_sent (delivery_id, member, sent_at) values (?, ?, ?)",
                               [delivery_id, member_key, now.isoformat()]).rowcount == 1

    def release(self, delivery_id: int, member_key: str) -> None:
        """A reminder whose send failed (not refused for good): the next tick may try again."""
        self.db.execute("delete from reminders_sent where delivery_id = ? and member = ?", [delivery_id, member_key])
