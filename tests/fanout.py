"""A morning fan-out to drive and count: chats due now, a real `python -m bot run`, the fake Bot API.

Shared by the resilience tests (small) and the benchmarks (full size). The bot runs as its own
process, as in production; the fake Bot API and the counting stay in the caller's process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bot.core.schedule import format_days, parse_days
from bot.store import Store, open_database
from fakes.slack_api import TEAM_ID

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def write_settings(path: Path, *, scale: float | None, lease_seconds: int = 5, sweep_seconds: int = 1,
                   concurrency: int = 16, slack_workspace_per_minute: int = 0) -> Path:
    """A settings file: the platforms' limits times `scale` (None: no pacing at all), a short lease and sweep."""
    limits = (30 * scale, 20 * scale, 1 * scale) if scale is not None else (1e6, 1e6, 1e6)
    path.write_text(
        "[schedule]\nlanguage = \"en\"\n"
        f"[delivery]\nclaim_lease_seconds = {lease_seconds}\nsweep_every_seconds = {sweep_seconds}\n"
        f"max_concurrent_sends = {concurrency}\n"
        f"[telegram]\nmessages_per_second = {limits[0]}\ngroup_messages_per_minute = {int(limits[1])}\n"
        f"chat_messages_per_second = {limits[2]}\n"
        f"[slack]\nchannel_messages_per_second = {limits[2]}\n"
        f"workspace_messages_per_minute = {slack_workspace_per_minute}\n",
        encoding="utf-8",
    )
    return path


def seed_chats(db_path: Path, count: int, *, group_share: float = 0.3, platform: str = "telegram",
               workspaces: list[str] | None = None) -> list:
    """Subscribe `count` chats, all due this very minute (UTC); returns how to name them to DailyCount.

    Telegram: private chats and groups (`group_share` of them), returned as their chat ids. Slack:
    channels spread evenly over `workspaces` (default: the fake's TEAM_ID), keyed `slack:<team>:<channel>`
    as the bot keys them, returned as (team, channel) pairs; channel ids repeat from one workspace to
    the next (2,000 channels over 200 workspaces: C00000000..C00000009 in each).
    """
    now = datetime.now(timezone.utc)
    store = Store(open_database(db_path))
    if platform == "slack":
        teams = workspaces or [TEAM_ID]
        chat_ids: list = [(teams[n % len(teams)], f"C{n // len(teams):08d}") for n in range(count)]
    else:
        groups = round(count * group_share)
        chat_ids = [-(1_000_000 + n) for n in range(groups)] + [1_000_000 + n for n in range(count - groups)]
    every_day = format_days(parse_days("daily"))
    try:
        for chat_id in chat_ids:
            if platform == "slack":
                key, kind = f"slack:{chat_id[0]}:{chat_id[1]}", "channel"
            else:
                key, kind = f"{platform}:{chat_id}", ("group" if chat_id < 0 else "private")
            store.chats.ensure_chat(key, platform, kind, "", "en", now)
            store.chats.subscribe(key, at=now.strftime("%H:%M"), zone="UTC", days=every_day, by=f"{platform}:1", now=now)
    finally:
        store.close()
    return chat_ids


def bot_env(fake, db_path: Path, settings_path: Path) -> dict[str, str]:
    """The environment of a bot process talking to `fake` (a fake Bot API, or a fake Slack Web API)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "DRILL_"))}
    env = {**env, "DRILL_DB": str(db_path), "DRILL_CONFIG": str(settings_path), "PYTHONUNBUFFERED": "1"}
    if hasattr(fake, "push_update"):
        return {**env, "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}
    return {**env, "SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.base_url,
            "SLACK_SIGNING_SECRET": "bench-signing-secret", "PORT": "0"}


def slack_oauth_env(fake, db_path: Path, settings_path: Path) -> dict[str, str]:
    """The environment of a bot serving every workspace installed in its database ("Add to Slack"): the
    fake's client id and secret, no SLACK_BOT_TOKEN; each workspace's token comes from its installation."""
    env = {k: v for k, v in bot_env(fake, db_path, settings_path).items() if k != "SLACK_BOT_TOKEN"}
    return {**env, "SLACK_CLIENT_ID": fake.client_id, "SLACK_CLIENT_SECRET": fake.client_secret}


class BotProcess:
    """`python -m bot run` as a child process; its log goes to a file so a full pipe never blocks it."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.started_at = 0.0

    async def start(self) -> None:
        self.started_at = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=self.env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)

    async def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait for a clean exit; returns the exit status."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    def peak_rss_mb(self) -> float:
        """The process's peak resident memory so far (VmHWM), in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def is_daily(params: dict) -> bool:
    """Whether a sent message was a daily question (its button reveals a delivery: `r:<id>`)."""
    markup = params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or [[{}]]
    if str(rows[0][0].get("callback_data", "")).startswith("r:"):
        return True
    return any(str(element.get("value", "")).startswith("r:") for block in params.get("blocks") or []
               if block.get("type") == "actions" for element in block.get("elements", []))


@dataclass
class DailyCount:
    """Successful daily-question sends per chat, kept up to date from the fake's answered calls.

    Chats are counted as seed_chats names them: Telegram chat ids, Slack (team, channel) pairs."""

    per_chat: Counter
    first_at: float | None = None
    last_at: float | None = None
    _target: int = 0
    _reached: asyncio.Event | None = None

    @classmethod
    def watching(cls, fake) -> DailyCount:
        count = cls(Counter())
        fake.on_answer.append(count._seen)
        return count

    def _seen(self, call) -> None:
        sent = (call.method == "sendMessage" and call.status == 200) or (call.method == "chat.postMessage" and call.ok)
        if sent and is_daily(call.params):
            if call.method == "sendMessage":
                self.per_chat[int(call.params["chat_id"])] += 1
            else:  # a channel id names a channel only within its workspace
                self.per_chat[call.team, call.params.get("channel")] += 1
            self.first_at = self.first_at or call.at
            self.last_at = call.at
            if self._reached is not None and self.delivered >= self._target:
                self._reached.set()

    @property
    def delivered(self) -> int:
        return len(self.per_chat)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.per_chat.values() if n > 1)

    def missing(self, chat_ids: list) -> int:
        """Chats of `chat_ids` (as seed_chats returns them) without a daily question."""
        return sum(1 for chat_id in chat_ids if chat_id not in self.per_chat)

    async def wait_for(self, chats: int, timeout: float) -> bool:
        """Wait until `chats` chats have their daily question; False if the time runs out first."""
        self._target, self._reached = chats, asyncio.Event()
        if self.delivered >= chats:
            return True
        try:
            await asyncio.wait_for(self._reached.wait(), timeout)
        except TimeoutError:
            return False
        return True


def claims_in_flight(db_path: Path) -> int:
    """Deliveries claimed but not marked sent: the sends a killed process may have had in flight."""
    store = Store(open_database(db_path))
    try:
        return store.db["deliveries"].count_where("status = 'claimed'")
    finally:
        store.close()


def timed_out(label: str, run: dict, wanted: int) -> bool:
    """Say so when a run stopped waiting before every delivery arrived; True when it did."""
    if not run["done"]:
        print(f"TIMED OUT: {label}: {run['delivered']:,} of {wanted:,} delivered when the wait ended; "
              "its rates cover only those")
    return not run["done"]


def print_figures(rows: list[tuple[str, str, str, bool | None]]) -> None:
    """A benchmark's table: figure, measured value, target, PASS/MISS (blank when there is no target)."""
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for label, value, target, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "MISS")
        print(f"{label:<{widths[0]}}  {value:<{widths[1]}}  {target:<{widths[2]}}  {verdict}")
