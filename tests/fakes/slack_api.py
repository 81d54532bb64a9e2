"""A fake Slack Web API server: the real slack_sdk AsyncWebClient talks to it over local HTTP.

Start it (127.0.0.1, port 0) and give its `base_url` to
`AsyncWebClient(token=fake.token, base_url=fake.base_url)` (or to a Bolt app's client). Read what
the bot did in `calls`, `messages`, `ephemerals`, `updates` and `message`; describe the workspace
with `set_user` / `set_channel`; make Slack misbehave with `fail_next`, `archive`,
`remove_channel` and `revoke`. chat.postMessage is paced like Slack paces it (about one message per
second per channel, optionally a workspace-wide cap), multiplied by `rate_scale`.

It can stand for many workspaces at once. `token` is the bot token of the default workspace
`TEAM_ID`; `add_workspace` adds another with its own token, and `add_install_code` a one-time code
that oauth.v2.access exchanges for a token, registering the workspace as an install does. A call
acts in its token's workspace: users, channels, messages and pacing are kept per workspace, two
workspaces may both have a C1 and a U1, and every recorded call and message says its `team`.
oauth.v2.access takes no token but the app's client id and secret (HTTP Basic auth, as slack_sdk
sends them, or form fields); recorded params show the secret as "***".

slack_sdk sends chat.postMessage, chat.postEphemeral and chat.update as JSON bodies, auth.test as
a POST with query parameters, users.info and conversations.info as GETs with query parameters,
and anything sent through `api_call(data=...)` as a form, where blocks and attachments arrive as
JSON text; `_read_params` accepts all of these and decodes blocks / attachments back to lists.
Slack answers most errors with HTTP 200 and `{"ok": false, "error": ...}`, and so does this fake;
only rate limiting is a 429 (with a whole-second Retry-After header).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import BasicAuth, web

TEAM_ID, BOT_USER_ID, BOT_ID = "T0001", "U0BOT", "B0BOT"
TS_EPOCH = 1_700_000_000  # message timestamps count up from here; Slack's ts is "seconds.micros"
JSON_TEXT_PARAMS = ("blocks", "attachments")  # form bodies carry these as JSON text
OAUTH_ACCESS = "oauth.v2.access"  # authenticated by the app's client id and secret, not a token
RESPONSE_URL = "response_url"  # the method name its posts are recorded under
UPLOAD_URL = "upload_url"  # the name the byte uploads of files_upload_v2 are recorded under
CHANNEL_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
ARCHIVE_REFUSED = frozenset({"chat.postMessage", "chat.postEphemeral"})  # both document is_archived
# https://api.slack.com/methods/chat.postMessage#rate_limiting: "1 message per second per channel,
# short bursts allowed"; the per-workspace tier limit is opt-in through workspace_per_minute.
CHANNEL_PER_SECOND = 1.0
EPSILON = 1e-9  # so a clock advanced by exactly 1/rate is not refused over float rounding


@dataclass
class Call:
    """One request the fake received; `status` is None until answered, `error` is Slack's error string.

    `team` is the workspace of the call's token: None for an unknown token or a method that takes none.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int | None = None
    error: str | None = None
    team: str | None = None

    @property
    def ok(self) -> bool:
        """Whether Slack would have answered `"ok": true` (HTTP 200 alone does not say so)."""
        return self.status == 200 and self.error is None


@dataclass
class _Fault:
    method: str
    error: str
    remaining: int
    channel: str | None
    retry_after: int
    team: str | None


@dataclass
class _Workspace:
    """One workspace: its bot, people and conversations, and its own share of Slack's pacing."""

    team_id: str
    name: str
    enterprise_id: str | None = None
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    is_enterprise_install: bool = False
    users: dict[str, dict] = field(default_factory=dict)
    channels: dict[str, dict] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    post_stamps: deque[float] = field(default_factory=deque)  # admitted posts inside the workspace window


@dataclass
class _Install:
    """What an oauth.v2.access code stands for (see `add_install_code`)."""

    team_id: str
    token: str
    team_name: str | None
    enterprise_id: str | None
    is_enterprise_install: bool
    user_id: str
    scope: str
    bot_user_id: str
    app_id: str


class _SlackError(Exception):
    """An `{"ok": false}` answer; raised inside handlers, rendered by `_serve`."""

    def __init__(self, error: str, status: int = 200, retry_after: int | None = None):
        super().__init__(error)
        self.error, self.status, self.retry_after = error, status, retry_after


class FakeSlackAPI:
    """An in-process Slack Web API: records calls, stores messages, injects faults, paces posts."""

    def __init__(self, *, token: str = "xoxb-test", rate_scale: float = 1.0, channel_burst: int = 1,
                 workspace_per_minute: int | None = None, enforce_limits: bool = True,
                 clock: Callable[[], float] = time.monotonic, client_id: str = "1111.2222",
                 client_secret: str = "fake-client-secret"):
        if rate_scale <= 0 or channel_burst < 1:
            raise ValueError("rate_scale must be positive and channel_burst at least 1")
        self.token = token  # the default workspace's bot token
        self.client_id, self.client_secret = client_id, client_secret  # the app's, for oauth.v2.access
        self.enforce_limits = enforce_limits
        self.base_url = ""  # known once start() has a port
        self.calls: list[Call] = []
        self.rejected_429 = 0  # pacing refusals only; fail_next("...", error="ratelimited") is not counted
        self.rejected_429_by_team: dict[str, int] = {}  # the same refusals, per workspace
        self.on_answer: list[Callable[[Call], None]] = []  # called with each Web API call once answered
        self._clock = clock
        self._channel_rate = CHANNEL_PER_SECOND * rate_scale
        self._burst = channel_burst
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # (team, channel) -> (tokens, refilled at)
        self._workspace_limit = (None if workspace_per_minute is None
                                 else _scaled(workspace_per_minute, 60.0, rate_scale))
        self._answered = asyncio.Condition()
        self._last_ts = 0
        self._messages: dict[tuple[str, str, str], dict] = {}  # (team, channel, ts) -> message
        self._posted: list[dict] = []
        self._ephemerals: list[dict] = []
        self._updates: list[dict] = []
        # By team id; an org-wide install is also listed under its enterprise id.
        self._workspaces: dict[str, _Workspace] = {}
        self._tokens: dict[str, str] = {}  # bot token -> team id
        self._revoked: set[str] = set()
        self._install_codes: dict[str, _Install] = {}
        self._faults: list[_Fault] = []
        self._held: dict[str, asyncio.Event] = {}
        self._runner: web.AppRunner | None = None
        # Methods that act in no workspace; a subclass adds its own (Socket Mode's apps.connections.open).
        self._handlers: dict[str, Callable[[dict], dict]] = {OAUTH_ACCESS: self._oauth_v2_access}
        # Methods that act in the workspace of the call's bot token.
        self._team_handlers: dict[str, Callable[[_Workspace, dict], dict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        self._uploads: dict[str, dict] = {}  # file id -> what getUploadURLExternal was told, and the bytes
        # Files completed into a channel: team, channel, title, filename, content, initial_comment.
        self.shared_files: list[dict] = []
        self.add_workspace(TEAM_ID, token, name="Drill Test")

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port and set `base_url` (ending in "/", as slack_sdk joins it)."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._serve)
        app.router.add_post("/response/{hook}", self._respond)
        app.router.add_post("/upload/{file_id}", self._receive_upload)
        self._add_routes(app.router)
        app.router.add_route("*", "/{tail:.*}", _not_found)
        # No handler ever suspends, so a short shutdown bound only matters for idle keep-alives.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/api/"

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        """Where a subclass serves more than the Web API (the Socket Mode fake adds its WebSocket)."""

    async def stop(self) -> None:
        """Shut the server down."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlackAPI:
        """Start the server for an `async with` block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the server when the `async with` block ends."""
        await self.stop()

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of `method`, whatever its outcome."""
        return [call for call in self.calls if call.method == method]

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5) -> list[Call]:
        """Wait until `count` calls of `method` have been answered; return all calls of it so far."""
        def answered() -> bool:
            return sum(call.status is not None for call in self.calls_to(method)) >= count
        try:
            async with asyncio.timeout(timeout), self._answered:
                await self._answered.wait_for(answered)
        except TimeoutError:
            seen = sum(call.status is not None for call in self.calls_to(method))
            raise TimeoutError(f"{method}: {seen} of {count} calls answered within {timeout}s") from None
        return self.calls_to(method)

    def response_url(self, hook: str = "hook") -> str:
        """A response_url to put in a slash command or action payload; posts to it land in `responses`."""
        return self.base_url.replace("/api/", f"/response/{hook}")

    def responses(self, hook: str | None = None) -> list[dict]:
        """What the bot posted to response URLs (Slack's hooks.slack.com), in order."""
        return [call.params for call in self.calls_to(RESPONSE_URL) if hook in (None, call.params["hook"])]

    def messages(self, channel: str | None = None, team: str | None = None) -> list[dict]:
        """Parameters of chat.postMessage calls that succeeded, in order, each with its `ts` and `team`."""
        return self._recorded(self._posted, team, channel=channel)

    def ephemerals(self, channel: str | None = None, user: str | None = None, team: str | None = None) -> list[dict]:
        """Parameters of successful chat.postEphemeral calls, each with its `message_ts` and `team`."""
        return self._recorded(self._ephemerals, team, channel=channel, user=user)

    def updates(self, channel: str | None = None, team: str | None = None) -> list[dict]:
        """Parameters of successful chat.update calls, in order, each with its `team`."""
        return self._recorded(self._updates, team, channel=channel)

    def _recorded(self, records: list[dict], team: str | None, **wanted: str | None) -> list[dict]:
        """Copies of the records that match every given filter."""
        wanted["team"] = None if team is None else self._team_id(team)
        return [dict(r) for r in records if all(v in (None, r[k]) for k, v in wanted.items())]

    def message(self, channel: str, ts: str, team: str = TEAM_ID) -> dict:
        """The message as it stands now (after any updates); KeyError if it was never posted."""
        try:
            return dict(self._messages[self._team_id(team), channel, ts])
        except KeyError:
            raise KeyError(f"no message {ts!r} in {channel!r} of {team!r}") from None

    def add_workspace(self, team_id: str, token: str, *, name: str | None = None, enterprise_id: str | None = None,
                      bot_user_id: str = BOT_USER_ID, bot_id: str = BOT_ID) -> None:
        """Register a workspace whose bot token is `token`; `name` defaults to the team id.

        Adding a known workspace again (a reinstall) keeps its users, channels and messages and
        adds the token; a revoked token given again works again.
        """
        workspace = self._workspaces.setdefault(team_id, _Workspace(team_id, team_id))
        workspace.name = name or workspace.name
        workspace.enterprise_id = enterprise_id or workspace.enterprise_id
        workspace.bot_user_id, workspace.bot_id = bot_user_id, bot_id
        self._tokens[token] = workspace.team_id  # not an enterprise id an org-wide install is also listed under
        self._revoked.discard(token)
        self.set_user(bot_user_id, "drillbot", real_name="Daily Drill", team=team_id)
        workspace.users[bot_user_id]["is_bot"] = True  # users.info on the bot itself answers like Slack

    def revoke(self, token: str) -> None:
        """Revoke a bot token, as an uninstall does: later calls with it answer token_revoked."""
        if token not in self._tokens:
            raise KeyError(f"no workspace has the token {token!r}")
        self._revoked.add(token)

    def add_install_code(self, code: str, team_id: str, token: str, *, team_name: str | None = None,
                         enterprise_id: str | None = None, is_enterprise_install: bool = False,
                         user_id: str = "UINSTALLER", scope: str = "commands,chat:write",
                         bot_user_id: str = BOT_USER_ID, app_id: str = "A0DRILL") -> None:
        """A one-time code that oauth.v2.access exchanges for `token`, registering the workspace.

        This is the code Slack hands the app's redirect URL after someone installs it. An org-wide
        install (`is_enterprise_install`, which needs `enterprise_id`) answers `"team": null`, and
        its workspace is also reachable as `team=enterprise_id` here.
        """
        if is_enterprise_install and not enterprise_id:
            raise ValueError("an org-wide install needs an enterprise_id")
        self._install_codes[code] = _Install(team_id, token, team_name, enterprise_id, is_enterprise_install,
                                             user_id, scope, bot_user_id, app_id)

    def set_user(self, user_id: str, name: str | None = None, *, real_name: str | None = None,
                 is_admin: bool = False, is_owner: bool = False, tz: str = "UTC", team: str = TEAM_ID) -> None:
        """Register (or replace) a user of `team` for users.info; `name` defaults to the lower-cased id."""
        workspace = self._workspace(team)
        name = name or user_id.lower()
        real_name = real_name or name
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        workspace.users[user_id] = {
            "id": user_id, "team_id": workspace.team_id, "name": name, "real_name": real_name, "deleted": False,
            "is_bot": False, "is_admin": is_admin, "is_owner": is_owner, "tz": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {"display_name": name, "real_name": real_name},
        }

    def set_channel(self, channel_id: str, name: str | None = None, *, is_im: bool = False,
                    is_private: bool = False, is_archived: bool = False, is_member: bool = True,
                    team: str = TEAM_ID) -> None:
        """Register (or replace) a conversation of `team` for conversations.info; undoes `remove_channel`."""
        workspace = self._workspace(team)
        workspace.removed.discard(channel_id)
        workspace.channels[channel_id] = {
            "id": channel_id, "name": name or channel_id.lower(), "is_channel": not is_im and not is_private,
            "is_group": is_private and not is_im, "is_im": is_im, "is_private": is_private,
            "is_archived": is_archived, "is_member": is_member,
        }

    def archive(self, channel: str, team: str = TEAM_ID) -> None:
        """Archive `channel` of `team`: later posts to it fail with is_archived, conversations.info says so."""
        channels = self._workspace(team).channels
        if channel not in channels:
            self.set_channel(channel, team=team)
        channels[channel]["is_archived"] = True

    def remove_channel(self, channel: str, team: str = TEAM_ID) -> None:
        """Make `channel` of `team` vanish: every later call naming it fails with channel_not_found."""
        workspace = self._workspace(team)
        workspace.channels.pop(channel, None)
        workspace.removed.add(channel)

    def fail_next(self, method: str, *, error: str, count: int = 1, channel: str | None = None,
                  retry_after: int = 1, team: str | None = None) -> None:
        """Answer the next `count` calls of `method` (naming `channel`, from `team`, if given) with `error`.

        "ratelimited" is a 429 with a `Retry-After: <retry_after>` header, as Slack sends it; any
        other string (channel_not_found, is_archived, not_in_channel, account_inactive,
        token_revoked, invalid_blocks, ...) is an HTTP 200 `{"ok": false, "error": error}`.
        """
        if not error or count < 1 or retry_after < 0:
            raise ValueError("fail_next needs an error, count >= 1 and retry_after >= 0")
        self._faults.append(_Fault(method, error, count, channel, retry_after, team))

    def hold(self, method: str) -> None:
        """Keep every call of `method` waiting, unanswered, until `release(method)`."""
        self._held[method] = asyncio.Event()

    def release(self, method: str) -> None:
        """Answer the held calls of `method`, and later ones at once."""
        self._held.pop(method).set()

    async def wait_for_arrival(self, method: str, count: int = 1, timeout: float = 5) -> None:
        """Wait until `count` calls of `method` have arrived, answered or not (a held call is counted)."""
        async with asyncio.timeout(timeout), self._answered:
            await self._answered.wait_for(lambda: len(self.calls_to(method)) >= count)

    async def _serve(self, request: web.Request) -> web.Response:
        """Record the call, refuse it or run its handler, and answer in the Web API's shape."""
        call = Call(request.match_info["method"], {}, self._clock())
        self.calls.append(call)
        headers: dict[str, str] = {}
        if call.method in self._held:
            async with self._answered:
                self._answered.notify_all()
            await self._held[call.method].wait()
        try:
            params = call.params = await _read_params(request)
            client = _basic_auth(request) or (params.get("client_id"), params.get("client_secret"))
            if "client_secret" in params:
                params["client_secret"] = "***"  # recorded calls never hold the secret, so tests can scan them
            # slack_sdk puts the token in the header; Slack also takes it as a form field.
            token = _bearer(request) or params.pop("token", None)
            workspace = None
            if call.method == OAUTH_ACCESS:
                self._check_client(*client)
            elif (expected := self._expected_token(call.method)) != self.token:  # not a bot token
                if token != expected:
                    raise _SlackError("invalid_auth")
            else:
                workspace = self._authenticate(token, call)
            handler = (self._handlers if workspace is None else self._team_handlers).get(call.method)
            if handler is None:
                raise _SlackError("unknown_method")
            self._refuse_if_needed(call.method, params, workspace)
            body = {"ok": True, **(handler(params) if workspace is None else handler(workspace, params))}
            call.status = 200
        except _SlackError as error:
            call.status, call.error = error.status, error.error
            body = {"ok": False, "error": error.error}
            if error.retry_after is not None:
                headers["Retry-After"] = str(error.retry_after)
        for listener in self.on_answer:
            listener(call)
        # Waiters wake only once the fake's state reflects this call.
        async with self._answered:
            self._answered.notify_all()
        return web.json_response(body, status=call.status, headers=headers)

    async def _respond(self, request: web.Request) -> web.Response:
        """A post to a response URL: no token (the URL is the secret), JSON body, plain "ok"."""
        call = Call(RESPONSE_URL, {**await request.json(), "hook": request.match_info["hook"]}, self._clock(), 200)
        self.calls.append(call)
        async with self._answered:
            self._answered.notify_all()
        return web.Response(text="ok")

    async def _receive_upload(self, request: web.Request) -> web.Response:
        """Step 2 of files_upload_v2: the bytes, POSTed to the URL step 1 gave (no token: the URL is the secret)."""
        upload = self._uploads.get(request.match_info["file_id"])
        content = await request.read()
        status = 200 if upload is not None and len(content) == upload["length"] else 400
        self.calls.append(Call(UPLOAD_URL, {"file_id": request.match_info["file_id"], "bytes": len(content)},
                               self._clock(), status))
        if status == 200:
            upload["content"] = content
        return web.Response(text=f"OK - {len(content)}", status=status)

    def _refuse_if_needed(self, method: str, params: dict, workspace: _Workspace | None) -> None:
        """Raise what Slack would answer instead: an injected fault, a gone channel, pacing."""
        channel = params.get("channel")
        team = workspace and workspace.team_id
        for fault in self._faults:
            if (fault.method == method and fault.channel in (None, channel)
                    and (fault.team is None or self._team_id(fault.team) == team)):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                if fault.error == "ratelimited":
                    raise _SlackError("ratelimited", 429, fault.retry_after)
                raise _SlackError(fault.error)
        if workspace is None:
            return
        if method in CHANNEL_METHODS and channel in workspace.removed:
            raise _SlackError("channel_not_found")
        if method in ARCHIVE_REFUSED and workspace.channels.get(channel, {}).get("is_archived"):
            raise _SlackError("is_archived")
        if self.enforce_limits and method == "chat.postMessage" and channel:
            wait = self._pacing_wait(workspace, str(channel))
            if wait > 0:
                self.rejected_429 += 1
                self.rejected_429_by_team[team] = self.rejected_429_by_team.get(team, 0) + 1
                # Slack's Retry-After is whole seconds, never 0; round first so 1.0000001 stays 1.
                raise _SlackError("ratelimited", 429, max(1, math.ceil(round(wait, 6))))

    def _pacing_wait(self, workspace: _Workspace, channel: str) -> float:
        """Seconds until a post to `channel` of `workspace` fits both limits; 0 means admitted and counted.

        Slack's limits are per workspace, so each workspace has its own buckets and window.
        """
        now = self._clock()
        key = (workspace.team_id, channel)
        tokens, refilled_at = self._buckets.get(key, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - refilled_at) * self._channel_rate)
        wait = 0.0 if tokens >= 1 - EPSILON else (1 - tokens) / self._channel_rate
        if self._workspace_limit is not None:
            limit, span = self._workspace_limit
            stamps = workspace.post_stamps
            while stamps and stamps[0] <= now - span + EPSILON:
                stamps.popleft()
            if len(stamps) >= limit:
                wait = max(wait, stamps[0] + span - now)
        # A refused post spends nothing, as at Slack; the refill so far is kept either way.
        self._buckets[key] = (tokens if wait > 0 else tokens - 1, now)
        if wait == 0 and self._workspace_limit is not None:
            workspace.post_stamps.append(now)
        return wait

    def _next_ts(self) -> str:
        """A fresh ts, unique and increasing across the fake: 1700000000.000100, .000200, ..."""
        self._last_ts += 1
        return f"{TS_EPOCH + self._last_ts // 10_000}.{self._last_ts % 10_000 * 100:06d}"

    def _expected_token(self, method: str) -> str:
        """The token `method` wants; `self.token` stands for any workspace's bot token.

        A subclass answers another where Slack wants another kind (the app-level token of Socket Mode).
        """
        return self.token

    def _workspace(self, team: str) -> _Workspace:
        try:
            return self._workspaces[team]
        except KeyError:
            raise KeyError(f"no workspace {team!r}: add_workspace (or an oauth.v2.access exchange) first") from None

    def _team_id(self, team: str) -> str:
        """The team id calls and messages are recorded under; an org-wide install's enterprise id names its team."""
        workspace = self._workspaces.get(team)
        return workspace.team_id if workspace else team

    def _authenticate(self, token: str | None, call: Call) -> _Workspace:
        """The workspace of a bot token, noted on the call; Slack's error for an unknown or revoked one."""
        call.team = self._tokens.get(token or "")
        if call.team is None:
            raise _SlackError("invalid_auth")
        if token in self._revoked:
            raise _SlackError("token_revoked")
        return self._workspaces[call.team]

    def _check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if client_id != self.client_id:
            raise _SlackError("invalid_client_id")
        if client_secret != self.client_secret:
            raise _SlackError("bad_client_secret")

    def _oauth_v2_access(self, params: dict) -> dict:
        """Exchange a code from `add_install_code` (once) for its bot token, installing the app."""
        install = self._install_codes.pop(params.get("code") or "", None)
        if install is None:
            raise _SlackError("invalid_code")
        self.add_workspace(install.team_id, install.token, name=install.team_name,
                           enterprise_id=install.enterprise_id, bot_user_id=install.bot_user_id)
        workspace = self._workspaces[install.team_id]
        team: dict | None = {"id": workspace.team_id, "name": workspace.name}
        enterprise = install.enterprise_id and {"id": install.enterprise_id, "name": install.enterprise_id}
        if install.is_enterprise_install and enterprise:
            # What was installed is the whole org, which the team name then names; Slack answers no team.
            workspace.is_enterprise_install = True
            self._workspaces[enterprise["id"]] = workspace
            team, enterprise["name"] = None, workspace.name
        return {"access_token": install.token, "token_type": "bot", "scope": install.scope,
                "bot_user_id": install.bot_user_id, "app_id": install.app_id, "team": team,
                "enterprise": enterprise or None, "authed_user": {"id": install.user_id},
                "is_enterprise_install": install.is_enterprise_install}

    def _auth_test(self, workspace: _Workspace, params: dict) -> dict:
        host = re.sub(r"[^a-z0-9]+", "-", workspace.name.lower()).strip("-")
        host += ".enterprise" if workspace.is_enterprise_install else ""
        answer = {"url": f"https://{host}.slack.com/", "team": workspace.name,
                  "user": workspace.users[workspace.bot_user_id]["name"], "team_id": workspace.team_id,
                  "user_id": workspace.bot_user_id, "bot_id": workspace.bot_id,
                  "is_enterprise_install": workspace.is_enterprise_install}
        if workspace.enterprise_id:
            answer["enterprise_id"] = workspace.enterprise_id
        return answer

    def _post_message(self, workspace: _Workspace, params: dict) -> dict:
        channel = _required(params, "channel", "channel_not_found")
        _require_content(params)
        ts = self._next_ts()
        message = {"type": "message", "text": params.get("text", ""), "user": workspace.bot_user_id,
                   "bot_id": workspace.bot_id, "team": workspace.team_id, "ts": ts}
        message |= {k: params[k] for k in (*JSON_TEXT_PARAMS, "thread_ts") if k in params}
        self._messages[workspace.team_id, channel, ts] = message
        self._posted.append({**params, "ts": ts, "team": workspace.team_id})
        return {"channel": channel, "ts": ts, "message": dict(message)}

    def _post_ephemeral(self, workspace: _Workspace, params: dict) -> dict:
        _required(params, "channel", "channel_not_found")
        _required(params, "user", "user_not_found")
        _require_content(params)
        ts = self._next_ts()
        self._ephemerals.append({**params, "message_ts": ts, "team": workspace.team_id})
        return {"message_ts": ts}

    def _update(self, workspace: _Workspace, params: dict) -> dict:
        channel = _required(params, "channel", "channel_not_found")
        ts = str(_required(params, "ts", "message_not_found"))
        key = (workspace.team_id, channel, ts)
        if key not in self._messages:
            raise _SlackError("message_not_found")
        _require_content(params)
        # Slack keeps blocks / attachments the update leaves out; an empty list removes them.
        message = self._messages[key] | {k: params[k] for k in ("text", *JSON_TEXT_PARAMS) if k in params}
        message["edited"] = {"user": workspace.bot_user_id, "ts": self._next_ts()}
        self._messages[key] = message
        self._updates.append({**params, "team": workspace.team_id})
        return {"channel": channel, "ts": ts, "text": message["text"], "message": dict(message)}

    def _users_info(self, workspace: _Workspace, params: dict) -> dict:
        user = workspace.users.get(params.get("user", ""))
        if user is None:
            raise _SlackError("user_not_found")
        return {"user": json.loads(json.dumps(user))}  # a deep copy: tests may keep and compare it

    def _conversations_open(self, workspace: _Workspace, params: dict) -> dict:
        user = _required(params, "users", "users_list_not_supplied")
        if user not in workspace.users:
            raise _SlackError("user_not_found")
        return {"channel": {"id": f"D{user}"}}

    def _upload_url(self, workspace: _Workspace, params: dict) -> dict:
        """Step 1 of files_upload_v2: a file id and where to POST its bytes."""
        filename = _required(params, "filename", "invalid_arguments")
        length = int(_required(params, "length", "invalid_arguments"))
        file_id = f"F{len(self._uploads) + 1:08d}"
        self._uploads[file_id] = {"filename": filename, "length": length, "content": None}
        return {"file_id": file_id, "upload_url": f"{self.base_url.removesuffix('api/')}upload/{file_id}"}

    def _complete_upload(self, workspace: _Workspace, params: dict) -> dict:
        """Step 3: the uploaded files shared into a channel; a file whose bytes never came is refused."""
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        if not files or any(self._uploads.get(f.get("id"), {}).get("content") is None for f in files):
            raise _SlackError("file_not_found")
        channel = params.get("channel_id")
        for f in files:
            upload = self._uploads[f["id"]]
            self.shared_files.append({"team": workspace.team_id, "channel": channel, "title": f.get("title"),
                                      "filename": upload["filename"], "content": upload["content"],
                                      "initial_comment": params.get("initial_comment")})
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _conversations_info(self, workspace: _Workspace, params: dict) -> dict:
        channel = workspace.channels.get(params.get("channel", ""))
        if channel is None:
            raise _SlackError("channel_not_found")
        return {"channel": dict(channel)}


async def _read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters from the query string and a JSON or form body; blocks decoded to lists."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.read()
        try:
            decoded = json.loads(body) if body else {}
        except ValueError:
            raise _SlackError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise _SlackError("invalid_json")
        params.update(decoded)
    else:
        form = await request.post()
        params.update({k: v.filename if isinstance(v, web.FileField) else v for k, v in form.items()})
    for name in JSON_TEXT_PARAMS:
        if isinstance(params.get(name), str):
            try:
                params[name] = json.loads(params[name])
            except ValueError:
                raise _SlackError(f"invalid_{name}") from None
        if name in params and not isinstance(params[name], list):
            raise _SlackError(f"invalid_{name}")
    return params


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _basic_auth(request: web.Request) -> tuple[str, str] | None:
    """The client id and secret of an HTTP Basic Authorization header, as slack_sdk sends oauth.v2.access."""
    header = request.headers.get("Authorization", "")
    if header.partition(" ")[0].lower() != "basic":
        return None
    try:
        credentials = BasicAuth.decode(header)
    except ValueError:
        return None
    return credentials.login, credentials.password


def _required(params: dict, name: str, error: str) -> Any:
    if params.get(name) in (None, ""):
        raise _SlackError(error)
    return params[name]


def _require_content(params: dict) -> None:
    """Slack refuses a message with none of text, blocks and attachments."""
    if not any(params.get(k) for k in ("text", *JSON_TEXT_PARAMS)):
        raise _SlackError("no_text")


def _scaled(count: int, seconds: float, scale: float) -> tuple[int, float]:
    """A (count, window) limit at `scale` times the rate; slower than 1 per window widens it."""
    rate = count * scale
    return (int(rate), seconds) if rate >= 1 else (1, seconds / rate)


async def _not_found(request: web.Request) -> web.Response:
    return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
