"""What the running bot last did, kept in the database so that another process (`status`, a health
check) can read it: its start, its last completed sweep, its last notes sync."""

from __future__ import annotations

import json
from datetime import date

from bot.store.connection import StorePart


class RuntimeStore(StorePart):
    """Named JSON records, each overwritten by the next one."""

    def put(self, key: str, value: dict) -> None:
        self.db.execute("insert into runtime (key, value) values (?, ?) on conflict(key) do update"
                        " set value = excluded.value", [key, json.dumps(value, ensure_ascii=False)])

    def get(self, key: str) -> dict | None:
        row = self.db.execute("select value from runtime where key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else None

    def freezes_after(self) -> date | None:
        """The last drill day before streak freezes existed in this database (None: they always did)."""
        record = self.get("streak_freezes_after")
        return date.fromisoformat(record["day"]) if record else None
