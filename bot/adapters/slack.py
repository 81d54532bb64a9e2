"""The Slack adapter: bolt AsyncApp requests in, drill engine calls, Block Kit messages out.

Handlers only translate: a slash command or a button press becomes a ChatRef, a MemberRef and the
typed command or payload; the engine decides; the replies become Block Kit. What goes where: in a
channel, the daily question and the leaderboard are for everyone, everything else (practice
questions, answers, confirmations, errors) is ephemeral to the member who asked; in a DM with the
app every reply is an ordinary message.

Chats and members are kept under their workspace (`slack:T1:C1`, `slack:T1:U1`): one bot may serve
many workspaces, each with the bot token of its own installation ("Add to Slack", bolt's OAuth flow),
and two workspaces may have the same channel id. A bot with one token serves one workspace the same way.
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
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.handlers import RunningHandlers
from bot.adapters.slack_installations import Installations, OAuthStates, workspace_of
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
# The app lost its access to a workspace: Slack's events for it, and its errors for a send with a dead token.
# A new install brings back the chats stopped for these, and only these.
UNINSTALLED = ("app_uninstalled", "tokens_revoked", "token_revoked", "invalid_auth", "account_inactive",
               "team_access_not_granted")
PERMANENT_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel", *UNINSTALLED})
# What the app asks a workspace for when it installs (config/slack-manifest.yaml has the same; a test checks).
BOT_SCOPES = ("commands", "chat:write", "users:read", "channels:read", "groups:read", "im:write", "files:write")


def chat_ref(workspace: str, channel_id: str, name: str = "") -> ChatRef:
    """A Slack conversation as the engine sees it; D... ids are DMs with the app."""
    kind = "private" if channel_id.startswith("D") else "channel"
    return ChatRef(chat_key(PLATFORM, f"{workspace}:{channel_id}"), PLATFORM, kind, name)


def member_ref(workspace: str, user_id: str, name: str, is_admin: bool = False) -> MemberRef:
    """A Slack user as the engine sees them: a member of one workspace."""
    return MemberRef(chat_key(PLATFORM, f"{workspace}:{user_id}"), name or user_id, is_admin)


def slack_ids(key: str) -> tuple[str, str]:
    """(workspace, Slack's own id) of a chat's or member's store key: 'slack:T1:C1' -> ('T1', 'C1')."""
    workspace, _, own_id = platform_id(key).partition(":")
    return workspace, own_id


def workspace_prefix(workspace: str) -> str:
    """The start of every chat key in `workspace`: 'T1' -> 'slack:T1:'."""
    return chat_key(PLATFORM, f"{workspace}:")


def request_workspace(context) -> str:
    """The workspace a request came from, as bolt's context has it."""
    return workspace_of(context.enterprise_id, context.team_id, context.is_enterprise_install)


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
    """Owns the bolt AsyncApp and the Web API clients; the scheduler's Sender for Slack conversations.

    With a bot token it serves that token's workspace; without one, every workspace that installed the
    app, each through a client with its own installation's token, paced on its own (Slack's limits are
    per workspace)."""

    def __init__(self, app: App, settings: SlackSettings, clock: Callable[[], datetime]):
        self.app = app
        self.settings = settings
        self.clock = clock
        pacing = app.settings.slack_pacing
        self.channels = WindowLimit(1, 1.0 / pacing.channel_messages_per_second)  # keyed by workspace:channel
        self._workspace_rate = pacing.workspace_messages_per_minute / 60.0
        self._workspace_pacers: dict[str, SlotPacer] = {}
        self.socket = None  # the Socket Mode handler, once connected
        self.client = self._web_client(settings.bot_token)
        self.installations = None
        if settings.installs:
            self.installations = Installations(app.settings.db_path, settings.client_id)
            self.installations.init()  # its tables, at start rather than in the first request
        self._clients: dict[str, AsyncWebClient] = {}  # workspace -> a client with its installation's token
        self._lookups: dict[str, asyncio.Future] = {}  # workspace -> its token being looked up
        socket_mode = settings.app_token is not None
        self.bolt = AsyncApp(
            client=self.client, signing_secret=settings.signing_secret or "",
            oauth_settings=self._oauth_settings() if settings.installs else None,
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

    def _web_client(self, token: str | None) -> AsyncWebClient:
        return AsyncWebClient(token=token, base_url=self.settings.api_url, retry_handlers=[
            AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=3)])

    def _oauth_settings(self) -> AsyncOAuthSettings:
        """bolt's OAuth flow: /slack/install (the "Add to Slack" page, with a state used once and tied to the
        installer's browser by a cookie) and /slack/oauth_redirect (the code exchanged for the workspace's
        bot token, kept by Installations)."""
        return AsyncOAuthSettings(
            client_id=self.settings.client_id, client_secret=self.settings.client_secret,
            scopes=list(BOT_SCOPES), user_scopes=[], redirect_uri=self.settings.redirect_uri,
            installation_store=self.installations, installation_store_bot_only=True,
            state_store=OAuthStates(self.app.settings.db_path),
            callback_options=AsyncCallbackOptions(success=self.on_installed, failure=self.on_install_failed),
        )

    async def settled(self, running: int = 0) -> None:
        """Return once at most `running` listeners are still running (a stop waits for none, so that no
        grade is cut off)."""
        await self.handlers.settled(running)

    def lane(self, chat_key: str) -> str:
        """The fan-out's lane of a chat: its workspace, so that one workspace's pace never holds up another's."""
        return slack_ids(chat_key)[0]

    async def client_for(self, workspace: str) -> AsyncWebClient:
        """The client that speaks for the bot in `workspace`; PermanentSendError when the app is not
        installed there (any more)."""
        if self.installations is None:
            return self.client
        client = self._clients.get(workspace)
        if client is not None:
            return client
        # One look-up per workspace, however many of its channels ask at once (the fan-out's do).
        lookup = self._lookups.get(workspace)
        if lookup is None:
            lookup = self._lookups[workspace] = asyncio.ensure_future(self.installations.bot_token(workspace))
            lookup.add_done_callback(lambda _: self._lookups.pop(workspace, None))
        token = await asyncio.shield(lookup)
        if token is None:
            raise PermanentSendError("app_uninstalled")
        return self._clients.setdefault(workspace, self._web_client(token))

    # -- installing --------------------------------------------------------------

    async def place_unplaced_chats(self) -> None:
        """Chats and members kept before Slack keys named the workspace (`slack:C1`) move under the bot
        token's workspace, before any request or delivery. With installations instead of a token the
        workspace is unknown: they wait, and the log says how to move them."""
        unplaced = await self.app.run(self.app.store.chats.unplaced_slack_chats)
        if not unplaced:
            return
        if self.installations is not None:
            log.warning("%d Slack chats were kept before workspaces were part of their keys; start the bot "
                        "once with that workspace's SLACK_BOT_TOKEN to move them", unplaced)
            return
        who = await self.client.auth_test()
        workspace = workspace_of(who.get("enterprise_id"), who["team_id"], who.get("is_enterprise_install"))
        moved = await self.app.run(self.app.store.chats.place_slack_rows, workspace)
        log.info("moved %d Slack chats and their members' history under workspace %s", moved, workspace)

    async def on_installed(self, args: AsyncSuccessArgs):
        """A workspace installed the app (again): its chats that the last uninstall stopped go on."""
        installation = args.installation
        workspace = workspace_of(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
        self._clients.pop(workspace, None)  # a reinstall brings a new token
        returned = await self.app.run(self.app.drill.installation_returned, workspace_prefix(workspace),
                                      UNINSTALLED, self.clock())
        log.info("installed in Slack workspace %s (%s); %d chats active again", workspace,
                 installation.team_name or installation.enterprise_name, returned)
        return await args.default.success(args)

    async def on_install_failed(self, args: AsyncFailureArgs):
        """A refused install (a forged, replayed or expired state, a bad code): said once in the log."""
        log.warning("a Slack installation was refused: %s", args.reason)
        return await args.default.failure(args)

    async def on_oauth_request(self, request: web.Request) -> web.Response:
        """GET /slack/install and /slack/oauth_redirect, through bolt's OAuth flow."""
        flow = self.bolt.oauth_flow
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            response = await flow.handle_installation(bolt_request)
        else:
            response = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(response)

    # -- requests ------------------------------------------------------------------

    async def on_slash_command(self, ack, command: dict, respond, context) -> None:
        """`/quiz ...`: acknowledged at once (Slack allows 3 s), answered through the response URL."""
        await ack()
        workspace = request_workspace(context)
        channel, user_id = command["channel_id"], command["user_id"]
        typed = typed_from_slash(command.get("text", ""))
        is_admin = needs_admin_check(typed) and await self._is_workspace_admin(workspace, user_id)
        chat = chat_ref(workspace, channel, command.get("channel_name", ""))
        member = member_ref(workspace, user_id, command.get("user_name", ""), is_admin)
        for reply in await self.app.run(self.app.drill.command, chat, member, typed, self.clock()):
            for_everyone = chat.kind == "private" or reply.kind == "board"
            for fallback, blocks in reply_messages(reply):
                await respond(text=fallback, blocks=blocks, response_type="in_channel" if for_everyone else "ephemeral",
                              replace_original=False)
            if reply.calendar is not None:
                await self._upload_calendar(chat, user_id, reply.calendar)

    async def on_button(self, ack, body: dict, respond, context) -> None:
        """Show answer or a grade: the reply goes to the member who pressed, nobody else."""
        await ack()
        workspace = request_workspace(context)
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id", "")
        user = body.get("user") or {}
        value = (body.get("actions") or [{}])[0].get("value", "")
        chat = chat_ref(workspace, channel, (body.get("channel") or {}).get("name", ""))
        member = member_ref(workspace, user.get("id", ""), user.get("name") or user.get("username", ""))
        for reply in await self.app.run(self.app.drill.action, chat, member, value, self.clock()):
            await self._to_member(chat, user.get("id", ""), reply, respond)
            if reply.kind == "graded" and reply.delivery_id is not None:
                await self._show_answered_count(reply.delivery_id)

    async def on_member_joined(self, event: dict, context) -> None:
        """The app joined a channel (not just anyone): one it had to leave is active again, with its schedule."""
        if event.get("user") != context.get("bot_user_id"):
            return
        chat = chat_ref(request_workspace(context), event.get("channel", ""))
        for reply in await self.app.run(self.app.drill.bot_added, chat, self.clock(), returning=True):
            await self._post(chat.key, reply)

    async def on_channel_gone(self, event: dict, context) -> None:
        """The app was removed from a channel, or the channel was archived: stop sending there."""
        channel = event.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else channel
        await self.app.run(self.app.drill.bot_removed, chat_ref(request_workspace(context), channel_id or "").key,
                           event.get("type", "removed"), self.clock())

    async def on_uninstalled(self, event: dict, context) -> None:
        """The app was uninstalled from a workspace or its bot token revoked: that workspace's installation
        goes and its chats stop (kept for history, and for a reinstall). Other workspaces go on."""
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # only a person's user token: the app still posts
        workspace = request_workspace(context)
        if self.installations is not None:
            org_wide = bool(context.is_enterprise_install)
            await self.installations.async_delete_all(enterprise_id=context.enterprise_id,
                                                      team_id=None if org_wide else context.team_id)
            self._clients.pop(workspace, None)
        stopped = await self.app.run(self.app.drill.installation_removed, workspace_prefix(workspace),
                                     event.get("type", "app_uninstalled"), self.clock())
        log.info("removed from Slack workspace %s (%s); %d chats stopped", workspace, event.get("type"), stopped)

    async def on_http_request(self, request: web.Request) -> web.Response:
        """HTTP mode: bolt checks the signature and the 5-minute window (401 otherwise) and dispatches."""
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    # -- sending -----------------------------------------------------------------

    async def send_daily(self, chat: dict, replies: list[Reply]) -> str | None:
        """The scheduler's Sender: post the daily messages; map Slack's refusals to the scheduler's."""
        ts = None
        try:
            for reply in replies:
                footer = text(chat["language"], "answered_count", n=0) if reply.kind == "question" else None
                ts = await self._post(chat["key"], reply, footer, broadcast=True)
        except SlackApiError as refused:
            error = refused.response.get("error", "")
            if error in PERMANENT_ERRORS:
                raise PermanentSendError(error) from refused
            raise
        return ts

    async def send_reminder(self, pending: dict, reply: Reply) -> None:
        """A reminder, in the member's DM with the app, after the daily questions."""
        workspace, user_id = slack_ids(pending["member"])
        try:
            dm = chat_ref(workspace, await self._dm(workspace, user_id))
            await self._post(dm.key, reply, priority=REMINDER)
        except SlackApiError as refused:
            error = refused.response.get("error", "")
            if error in PERMANENT_ERRORS or error in ("user_not_found", "user_disabled", "cannot_dm_bot"):
                raise PermanentSendError(error) from refused
            raise

    async def _post(self, key: str, reply: Reply, footer: str | None = None, *, broadcast: bool = False,
                    priority: int | None = None) -> str:
        """chat.postMessage to the chat with store key `key`, within the channel's and its workspace's pace;
        the daily fan-out yields to replies people wait for. The daily question is one message (its count
        is updated later); a long answer goes on in more."""
        workspace, channel = slack_ids(key)
        if not channel:  # `slack:C1`: see place_unplaced_chats; a transient failure, so nothing is stopped
            raise RuntimeError(f"{key} is kept without its workspace; start once with its SLACK_BOT_TOKEN")
        client = await self.client_for(workspace)
        messages = [(plain_text(reply.text), message_blocks(reply, footer))] if broadcast else reply_messages(reply)
        pace = priority if priority is not None else BROADCAST if broadcast else PERSON
        for fallback, blocks in messages:
            async with self.channels.slot(f"{workspace}:{channel}"), self._workspace_slot(workspace, pace):
                response = await client.chat_postMessage(
                    channel=channel, text=fallback, blocks=blocks, unfurl_links=False, unfurl_media=False)
        return response["ts"]

    def _workspace_slot(self, workspace: str, pace: int):
        """A slot of the workspace's own pace, when one is set (Slack counts its limits per workspace)."""
        if not self._workspace_rate:
            return contextlib.nullcontext()
        pacer = self._workspace_pacers.get(workspace)
        if pacer is None:
            pacer = self._workspace_pacers[workspace] = SlotPacer(self._workspace_rate)
        return pacer.slot(pace)

    async def _to_member(self, chat: ChatRef, user_id: str, reply: Reply, respond) -> None:
        """In a DM an ordinary message; in a channel an ephemeral one only `user_id` sees."""
        if chat.kind == "private":
            await self._post(chat.key, reply)
            return
        workspace, channel = slack_ids(chat.key)
        client = await self.client_for(workspace)
        for fallback, blocks in reply_messages(reply):
            try:
                await client.chat_postEphemeral(channel=channel, user=user_id, text=fallback, blocks=blocks)
            except SlackApiError as refused:
                # A practice question shown in a channel the app is not in: its response URL still works.
                if refused.response.get("error") not in ("not_in_channel", "channel_not_found"):
                    raise
                await respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False)

    async def _dm(self, workspace: str, user_id: str) -> str:
        """The channel of the member's DM with the app (conversations.open gives the same one every time)."""
        client = await self.client_for(workspace)
        return (await client.conversations_open(users=user_id))["channel"]["id"]

    async def _upload_calendar(self, chat: ChatRef, user_id: str, calendar: StreakCalendar) -> None:
        """/streak's picture, uploaded (files_upload_v2) into the member's own DM with the app: a file posted
        in a channel would be everyone's to see, and Slack has no ephemeral files."""
        workspace, channel = slack_ids(chat.key)
        if chat.kind != "private":
            channel = await self._dm(workspace, user_id)
        png = await asyncio.to_thread(picture, calendar)  # ~15 ms of drawing: off the event loop
        client = await self.client_for(workspace)
        await client.files_upload_v2(channel=channel, file=png, filename="streak.png",
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
        workspace, channel = slack_ids(shown.chat_key)
        try:
            client = await self.client_for(workspace)
            await client.chat_update(channel=channel, ts=shown.message_id, text=plain_text(shown.question.text),
                                     blocks=message_blocks(shown.question, shown.footer))
        except (SlackApiError, PermanentSendError) as error:
            # The count is a courtesy; the grade is already stored.
            log.warning("could not update the answered count: %s", error,
                        extra={"chat": shown.chat_key, "delivery": delivery_id})

    async def _is_workspace_admin(self, workspace: str, user_id: str) -> bool:
        try:
            client = await self.client_for(workspace)
            user = (await client.users_info(user=user_id))["user"]
        except (SlackApiError, PermanentSendError) as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return False
        return bool(user.get("is_admin") or user.get("is_owner"))


async def start_slack(adapter: SlackAdapter, server: WebServer | None) -> None:
    """Receive requests: over Socket Mode when an app token is set, else at /slack/events on `server` (and,
    for installs to many workspaces, the "Add to Slack" page and its redirect)."""
    if adapter.settings.app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        adapter.socket = AsyncSocketModeHandler(adapter.bolt, adapter.settings.app_token)
        await adapter.socket.connect_async()
        return
    server.add_post(EVENTS_PATH, adapter.on_http_request)
    if adapter.bolt.oauth_flow is not None:
        server.add_get(adapter.bolt.oauth_flow.install_path, adapter.on_oauth_request)
        server.add_get(adapter.bolt.oauth_flow.redirect_uri_path, adapter.on_oauth_request)


async def stop_slack(adapter: SlackAdapter) -> None:
    """Stop receiving, then let the listeners still running finish (at most 10 s)."""
    if adapter.socket is not None:
        await adapter.socket.close_async()
        adapter.socket = None
    try:
        await asyncio.wait_for(adapter.settled(), timeout=10)
    except TimeoutError:
        log.warning("stopped with Slack requests still being handled")
