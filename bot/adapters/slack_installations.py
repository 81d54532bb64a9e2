"""Where the workspaces that installed the app keep their bot tokens: slack-sdk's own SQLite stores, in the
bot's database file.

slack-sdk's stores do the job bolt's OAuth flow needs (an installation per install, the newest one found
first, a state used once and expiring after ten minutes) with tables of their own (slack_installations,
slack_bots, oauth_states), so they share the file with ours without touching our schema, and a backup of
the file carries them along. Two things are ours: their async methods run the SQLite work on the calling
thread, which is the event loop here, so they go to a worker thread; and the fan-out needs a workspace's
bot by the workspace id in a chat's key alone, which is one query on their table.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

STATE_SECONDS = 600  # how long an "Add to Slack" link may take to come back


def workspace_of(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str:
    """The id a workspace's chats and members are kept under: the organization's for an Enterprise Grid
    org-wide install (one install serves all its workspaces, whose channel ids are unique across it), else
    the workspace's own team id."""
    return (enterprise_id if is_enterprise_install and enterprise_id else team_id) or ""


class Installations(SQLite3InstallationStore):
    """Installations (bot tokens only) in the bot's database file, read and written off the event loop."""

    def __init__(self, database: Path, client_id: str):
        super().__init__(database=str(database), client_id=client_id)

    async def async_save(self, installation) -> None:
        await asyncio.to_thread(self.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.save_bot, bot)

    async def async_find_bot(self, *, enterprise_id, team_id, is_enterprise_install=False) -> Bot | None:
        return await asyncio.to_thread(self.find_bot, enterprise_id=enterprise_id, team_id=team_id,
                                       is_enterprise_install=is_enterprise_install)

    async def async_find_installation(self, *, enterprise_id, team_id, user_id=None, is_enterprise_install=False):
        return await asyncio.to_thread(self.find_installation, enterprise_id=enterprise_id, team_id=team_id,
                                       user_id=user_id, is_enterprise_install=is_enterprise_install)

    async def async_delete_bot(self, *, enterprise_id, team_id) -> None:
        await asyncio.to_thread(self.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(self, *, enterprise_id, team_id, user_id=None) -> None:
        await asyncio.to_thread(self.delete_installation, enterprise_id=enterprise_id, team_id=team_id,
                                user_id=user_id)

    async def async_delete_all(self, *, enterprise_id, team_id) -> None:
        await asyncio.to_thread(self.delete_all, enterprise_id=enterprise_id, team_id=team_id)

    async def bot_token(self, workspace: str) -> str | None:
        """The newest bot token installed for `workspace` (a team id, or an organization's id for an
        org-wide install); None when it is not installed (any more)."""
        return await asyncio.to_thread(self._bot_token, workspace)

    def _bot_token(self, workspace: str) -> str | None:
        with contextlib.closing(self.connect()) as conn:
            row = conn.execute(
                "select bot_token from slack_bots where client_id = ? and"
                " (team_id = ? or (is_enterprise_install = 1 and enterprise_id = ?))"
                " order by installed_at desc, id desc limit 1", [self.client_id, workspace, workspace]).fetchone()
        return row[0] if row else None

    def connect(self) -> sqlite3.Connection:
        # The bot's own store threads may hold the write lock for a moment; wait as they do, not 5 s.
        if not self.init_called:
            self.init()
        return sqlite3.connect(database=self.database, timeout=30)


class OAuthStates(SQLite3OAuthStateStore):
    """The "Add to Slack" links' states (each valid once, for STATE_SECONDS), off the event loop."""

    def __init__(self, database: Path):
        super().__init__(database=str(database), expiration_seconds=STATE_SECONDS)

    async def async_issue(self, *args, **kwargs) -> str:
        return await asyncio.to_thread(self.issue, *args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.consume, state)
