"""The Slack adapter: bolt AsyncApp requests in, drill engine calls, Block Kit messages out.

Handlers only translate: a slash command or a button press becomes a ChatRef, a MemberRef and the
typed command or payload; the engine decides; the replies become Block Kit. What goes where: in a
channel, the daily question and the leaderboard are for everyone, everything else (practice
questions, answers, confirmations, errors) is ephemeral to the member who asked; in a DM with the
app every reply is an ordinary message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.handlers import RunningHandlers
from bot.adapters.streak_calendar import picture, title as calendar_title
from bot.adapters.slack_format import ELLIPSIS, answer_blocks, answer_messages, plain_text
from bot.app import App
from bot.config import SlackSettings
from bot.core.commands import needs_admin_check, typed_from_slash
from bot.core.messages import text
from bot.core.progress import StreakCalendar
from bot.core.replies import ChatRef, MemberRef, Reply, chat_key, platform_id
from bot.delivery import PermanentSendError
from bot.pacing import BROADCAST, PERSON, REMINDER, SlotPacer, WindowLimit
from bot.web import WebServer

log = logging.getLogger(__name__)
PLATFORM = "slack"
SLASH_COMMAND = "/quiz"
EVENTS_PATH = "/slack/events"
ACTION_PREFIX = "drill_"
# The app removed from a channel (public or private) or the channel archived.
CHANNEL_GONE_EVENTS = ("channel_left", "group_left", "channel_archive", "group_archive")
PERMANENT_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel", "account_inactive",
                              "token_revoked", "invalid_auth", "team_access_not_granted"})


def chat_ref(channel_id: str, name: str = "") -> ChatRef:
    """A Slack conversation as the engine sees it; D... ids are DMs with the app."""
    kind = "private" if channel_id.startswith("D") else "channel"
    return ChatRef(chat_key(PLATFORM, channel_id), PLATFORM, kind, name)


def member_ref(user_id: str, name: str, is_admin: bool = False) -> MemberRef:
    """A Slack user as the engine sees them."""
    return MemberRef(f"{PLATFORM}:{user_id}", name or user_id, is_admin)


def message_blocks(reply: Reply, footer: str | None = None) -> list[dict]:
    """A reply as one message of Block Kit: its text in sections (cut with "…" past one message's limits),
    its buttons in one actions block, an optional footer. For the daily question, whose message is updated."""
    return _with_buttons(answer_blocks(reply.text, reserve=2), reply, footer)


def reply_messages(reply: Reply) -> list[tuple[str, list[dict]]]:
    """A reply as (fallback text, blocks) messages: a long answer goes on in follow-up messages, and the
    buttons come under its last part."""
    messages = answer_messages(reply.text, reserve=2) or [[]]
    messages[-1] = _with_buttons(messages[-1], reply)
    return [(plain_text(reply.text) if k == 0 else ELLIPSIS, blocks) for k, blocks in enumerate(messages)]


def _with_buttons(blocks: list[dict], reply: Reply, footer: str | None = None) -> list[dict]:
    if reply.buttons:
        roles = [button.role for button in reply.buttons]
        # Action ids must differ within a message: a role that repeats (the weak spots' practice buttons)
        # is numbered.
        blocks.append({"type": "actions", "block_id": "drill", "elements": [
            {"type": "button", "value": button.payload, "text": {"type": "plain_text", "text": button.label},
             "action_id": ACTION_PREFIX + button.role + (f"_{k}" if roles.count(button.role) > 1 else ""),
             **_style(button.role)}
            for k, button in enumerate(reply.buttons, 1)
        ]})
    if footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return blocks


def _style(role: str) -> dict:
    return {"style": "primary"} if role == "reveal" else {}


class SlackAdapter:
    """Owns the bolt AsyncApp and its Web API client; the scheduler's Sender for Slack conversations."""

    def __init__(self, app: App, settings: SlackSettings, clock: Callable[[], datetime]):
        self.app = app
        self.settings = settings
        self.clock = clock
        pacing = app.settings.slack_pacing
        self.channels = WindowLimit(1, 1.0 / pacing.channel_messages_per_second)
        per_minute = pacing.workspace_messages_per_minute
        self.workspace = SlotPacer(per_minute / 60.0) if per_minute else None
        self.socket = None  # the Socket Mode handler, once connected
        self.client = AsyncWebClient(
            token=settings.bot_token, base_url=settings.api_url,
            retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
        )
        socket_mode = settings.app_token is not None
        self.bolt = AsyncApp(
            client=self.client, signing_secret=settings.signing_secret or "",
            request_verification_enabled=not socket_mode, raise_error_for_unhandled_request=False,
        )
        self.handlers = RunningHandlers()
        self._recounting: set[int] = set()
        self._recount_again: set[int] = set()
        self.bolt.command(SLASH_COMMAND)(self.handlers.track(self.on_slash_command))
        self.bolt.action(re.compile(f"^{ACTION_PREFIX}"))(self.handlers.track(self.on_button))
        # config/slack-manifest.yaml subscribes to exactly these events (a test checks it).
        self.events = {
            "member_joined_channel": self.on_member_joined,
            **dict.fromkeys(CHANNEL_GONE_EVENTS, self.on_channel_gone),
            "app_uninstalled": self.on_uninstalled,
            "tokens_revoked": self.on_uninstalled,
        }
        for name, handler in self.events.items():
            self.bolt.event(name)(self.handlers.track(handler))

    async def settled(self, running: int = 0) -> None:
        """Return once at most `running` listeners are still running (a stop waits for none, so that no
        grade is cut off)."""
        await self.handlers.settled(running)

    # -- requests ------------------------------------------------------------------

    async def on_slash_command(self, ack, command: dict, respond) -> None:
        """`/quiz ...`: acknowledged at once (Slack allows 3 s), answered through the response URL."""
        await ack()
        channel, user_id = command["channel_id"], command["user_id"]
        typed = typed_from_slash(command.get("text", ""))
        is_admin = needs_admin_check(typed) and await self._is_workspace_admin(user_id)
        chat = chat_ref(channel, command.get("channel_name", ""))
        member = member_ref(user_id, command.get("user_name", ""), is_admin)
        for reply in await self.app.run(self.app.drill.command, chat, member, typed, self.clock()):
            for_everyone = chat.kind == "private" or reply.kind == "board"
            for fallback, blocks in reply_messages(reply):
                await respond(text=fallback, blocks=blocks, response_type="in_channel" if for_everyone else "ephemeral",
                              replace_original=False)
            if reply.calendar is not None:
                await self._upload_calendar(chat, user_id, reply.calendar)

    async def on_button(self, ack, body: dict, respond) -> None:
        """Show answer or a grade: the reply goes to the member who pressed, nobody else."""
        await ack()
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id", "")
        user = body.get("user") or {}
        value = (body.get("actions") or [{}])[0].get("value", "")
        chat = chat_ref(channel, (body.get("channel") or {}).get("name", ""))
        member = member_ref(user.get("id", ""), user.get("name") or user.get("username", ""))
        for reply in await self.app.run(self.app.drill.action, chat, member, value, self.clock()):
            await self._to_member(chat, user.get("id", ""), reply, respond)
            if reply.kind == "graded" and reply.delivery_id is not None:
                await self._show_answered_count(reply.delivery_id)

    async def on_member_joined(self, event: dict, context) -> None:
        """The app joined a channel (not just anyone): one it had to leave is active again, with its schedule."""
        if event.get("user") != context.get("bot_user_id"):
            return
        chat = chat_ref(event.get("channel", ""))
        for reply in await self.app.run(self.app.drill.bot_added, chat, self.clock(), returning=True):
            await self._post(platform_id(chat.key), reply)

    async def on_channel_gone(self, event: dict, context) -> None:
        """The app was removed from a channel, or the channel was archived: stop sending there."""
        channel = event.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else channel
        await self.app.run(self.app.drill.bot_removed, chat_key(PLATFORM, channel_id or ""),
                           event.get("type", "removed"), self.clock())

    async def on_uninstalled(self, event: dict) -> None:
        """The app was uninstalled or its bot token revoked: every Slack subscription stops."""
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # only a person's user token: the app still posts
        await self.app.run(self.app.drill.platform_removed, PLATFORM, event.get("type", "uninstalled"), self.clock())

    async def on_http_request(self, request: web.Request) -> web.Response:
        """HTTP mode: bolt checks the signature and the 5-minute window (401 otherwise) and dispatches."""
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    # -- sending -----------------------------------------------------------------

    async def send_daily(self, chat: dict, replies: list[Reply]) -> str | None:
        """The scheduler's Sender: post the daily messages; map Slack's refusals to the scheduler's."""
        channel = platform_id(chat["key"])
        ts = None
        try:
            for reply in replies:
                footer = text(chat["language"], "answered_count", n=0) if reply.kind == "question" else None
                ts = await self._post(channel, reply, footer, broadcast=True)
        except SlackApiError as refused:
            error = refused.response.get("error", "")
            if error in PERMANENT_ERRORS:
                raise PermanentSendError(error) from refused
            raise
        return ts

    async def send_reminder(self, pending: dict, reply: Reply) -> None:
        """A reminder, in the member's DM with the app, after the daily questions."""
        try:
            await self._post(await self._dm(platform_id(pending["member"])), reply, priority=REMINDER)
        except SlackApiError as refused:
            error = refused.response.get("error", "")
            if error in PERMANENT_ERRORS or error in ("user_not_found", "user_disabled", "cannot_dm_bot"):
                raise PermanentSendError(error) from refused
            raise

    async def _post(self, channel: str, reply: Reply, footer: str | None = None, *, broadcast: bool = False,
                    priority: int | None = None) -> str:
        """chat.postMessage within the channel's pace; the daily fan-out yields to replies people wait for.
        The daily question is one message (its count is updated later); a long answer goes on in more."""
        messages = [(plain_text(reply.text), message_blocks(reply, footer))] if broadcast else reply_messages(reply)
        for fallback, blocks in messages:
            pace = priority if priority is not None else BROADCAST if broadcast else PERSON
            workspace = self.workspace.slot(pace) if self.workspace else contextlib.nullcontext()
            async with self.channels.slot(channel), workspace:
                response = await self.client.chat_postMessage(
                    channel=channel, text=fallback, blocks=blocks, unfurl_links=False, unfurl_media=False)
        return response["ts"]

    async def _to_member(self, chat: ChatRef, user_id: str, reply: Reply, respond) -> None:
        """In a DM an ordinary message; in a channel an ephemeral one only `user_id` sees."""
        channel = platform_id(chat.key)
        if chat.kind == "private":
            await self._post(channel, reply)
            return
        for fallback, blocks in reply_messages(reply):
            try:
                await self.client.chat_postEphemeral(channel=channel, user=user_id, text=fallback, blocks=blocks)
            except SlackApiError as refused:
                # A practice question shown in a channel the app is not in: its response URL still works.
                if refused.response.get("error") not in ("not_in_channel", "channel_not_found"):
                    raise
                await respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False)

    async def _dm(self, user_id: str) -> str:
        """The channel of the member's DM with the app (conversations.open gives the same one every time)."""
        return (await self.client.conversations_open(users=user_id))["channel"]["id"]

    async def _upload_calendar(self, chat: ChatRef, user_id: str, calendar: StreakCalendar) -> None:
        """/streak's picture, uploaded (files_upload_v2) into the member's own DM with the app: a file posted
        in a channel would be everyone's to see, and Slack has no ephemeral files."""
        channel = platform_id(chat.key) if chat.kind == "private" else await self._dm(user_id)
        png = await asyncio.to_thread(picture, calendar)  # ~15 ms of drawing: off the event loop
        await self.client.files_upload_v2(channel=channel, file=png, filename="streak.png",
                                          title=calendar_title(calendar.streak, calendar.language))

    async def _show_answered_count(self, delivery_id: int) -> None:
        """The daily message shows how many have graded it, never the answer.

        Grades arriving while that message is being updated cause one more update, not one each: a
        busy channel would otherwise run into chat.update's rate limit.
        """
        if delivery_id in self._recounting:
            self._recount_again.add(delivery_id)
            return
        self._recounting.add(delivery_id)
        try:
            while True:
                self._recount_again.discard(delivery_id)
                await self._update_answered_count(delivery_id)
                if delivery_id not in self._recount_again:
                    break
        finally:
            self._recounting.discard(delivery_id)

    async def _update_answered_count(self, delivery_id: int) -> None:
        shown = await self.app.run(self.app.drill.answered_count, delivery_id)
        if shown is None:
            return
        try:
            await self.client.chat_update(channel=platform_id(shown.chat_key), ts=shown.message_id,
                                          text=plain_text(shown.question.text),
                                          blocks=message_blocks(shown.question, shown.footer))
        except SlackApiError as error:
            # The count is a courtesy; the grade is already stored.
            log.warning("could not update the answered count: %s", error,
                        extra={"chat": shown.chat_key, "delivery": delivery_id})

    async def _is_workspace_admin(self, user_id: str) -> bool:
        try:
            user = (await self.client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return False
        return bool(user.get("is_admin") or user.get("is_owner"))


async def start_slack(adapter: SlackAdapter, server: WebServer | None) -> None:
    """Receive requests: over Socket Mode when an app token is set, else at /slack/events on `server`."""
    if adapter.settings.app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        adapter.socket = AsyncSocketModeHandler(adapter.bolt, adapter.settings.app_token)
        await adapter.socket.connect_async()
    else:
        server.add_post(EVENTS_PATH, adapter.on_http_request)


async def stop_slack(adapter: SlackAdapter) -> None:
    """Stop receiving, then let the listeners still running finish (at most 10 s)."""
    if adapter.socket is not None:
        await adapter.socket.close_async()
        adapter.socket = None
    try:
        await asyncio.wait_for(adapter.settled(), timeout=10)
    except TimeoutError:
        log.warning("stopped with Slack requests still being handled")
