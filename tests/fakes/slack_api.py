"""A fake Slack Web API server: the real slack_sdk AsyncWebClient talks to it over local HTTP.

Start it (127.0.0.1, port 0) and give its `base_url` to
`AsyncWebClient(token=fake.token, base_url=fake.base_url)` (or to a Bolt app's client). Read what
the bot did in `calls`, `messages`, `ephemerals`, `updates` and `message`; describe the workspace
with `set_user` / `set_channel`; make Slack misbehave with `fail_next`, `archive` and
`remove_channel`. chat.postMessage is paced like Slack paces it (about one message per second per
channel, optionally a workspace-wide cap), multiplied by `rate_scale`.

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
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

TEAM_ID, BOT_USER_ID, BOT_ID = "T0001", "U0BOT", "B0BOT"
TS_EPOCH = 1_700_000_000  # message timestamps count up from here; Slack's ts is "seconds.micros"
JSON_TEXT_PARAMS = ("blocks", "attachments")  # form bodies carry these as JSON text
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
    """One request the fake received; `status` is None until answered, `error` is Slack's error string."""

    method: str
    params: dict[str, Any]
    at: float
    status: int | None = None
    error: str | None = None

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


class _SlackError(Exception):
    """An `{"ok": false}` answer; raised inside handlers, rendered by `_serve`."""

    def __init__(self, error: str, status: int = 200, retry_after: int | None = None):
        super().__init__(error)
        self.error, self.status, self.retry_after = error, status, retry_after


class FakeSlackAPI:
    """An in-process Slack Web API: records calls, stores messages, injects faults, paces posts."""

    def __init__(self, *, token: str = "xoxb-test", rate_scale: float = 1.0, channel_burst: int = 1,
                 workspace_per_minute: int | None = None, enforce_limits: bool = True,
                 clock: Callable[[], float] = time.monotonic):
        if rate_scale <= 0 or channel_burst < 1:
            raise ValueError("rate_scale must be positive and channel_burst at least 1")
        self.token = token
        self.enforce_limits = enforce_limits
        self.base_url = ""  # known once start() has a port
        self.calls: list[Call] = []
        self.rejected_429 = 0  # pacing refusals only; fail_next("...", error="ratelimited") is not counted
        self.on_answer: list[Callable[[Call], None]] = []  # called with each Web API call once answered
        self._clock = clock
        self._channel_rate = CHANNEL_PER_SECOND * rate_scale
        self._burst = channel_burst
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, refilled at)
        self._workspace = None if workspace_per_minute is None else _scaled(workspace_per_minute, 60.0, rate_scale)
        self._workspace_stamps: deque[float] = deque()
        self._answered = asyncio.Condition()
        self._last_ts = 0
        self._messages: dict[tuple[str, str], dict] = {}
        self._posted: list[dict] = []
        self._ephemerals: list[dict] = []
        self._updates: list[dict] = []
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._removed: set[str] = set()
        self._faults: list[_Fault] = []
        self._held: dict[str, asyncio.Event] = {}
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[[dict], dict]] = {
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
        self.shared_files: list[dict] = []  # files completed into a channel: channel, title, filename, content
        self.set_user(BOT_USER_ID, "drillbot", real_name="Daily Drill")
        self._users[BOT_USER_ID]["is_bot"] = True  # users.info on the bot itself answers like Slack

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

    def messages(self, channel: str | None = None) -> list[dict]:
        """Parameters of chat.postMessage calls that succeeded, in order, each with its assigned `ts`."""
        return [dict(p) for p in self._posted if channel is None or p["channel"] == channel]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[dict]:
        """Parameters of successful chat.postEphemeral calls, each with its `message_ts`."""
        return [dict(p) for p in self._ephemerals
                if channel in (None, p["channel"]) and user in (None, p["user"])]

    def updates(self, channel: str | None = None) -> list[dict]:
        """Parameters of successful chat.update calls, in order."""
        return [dict(p) for p in self._updates if channel is None or p["channel"] == channel]

    def message(self, channel: str, ts: str) -> dict:
        """The message as it stands now (after any updates); KeyError if it was never posted."""
        try:
            return dict(self._messages[channel, ts])
        except KeyError:
            raise KeyError(f"no message {ts!r} in {channel!r}") from None

    def set_user(self, user_id: str, name: str | None = None, *, real_name: str | None = None,
                 is_admin: bool = False, is_owner: bool = False, tz: str = "UTC") -> None:
        """Register (or replace) a user for users.info; `name` defaults to the lower-cased id."""
        name = name or user_id.lower()
        real_name = real_name or name
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        self._users[user_id] = {
            "id": user_id, "team_id": TEAM_ID, "name": name, "real_name": real_name, "deleted": False,
            "is_bot": False, "is_admin": is_admin, "is_owner": is_owner, "tz": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {"display_name": name, "real_name": real_name},
        }

    def set_channel(self, channel_id: str, name: str | None = None, *, is_im: bool = False,
                    is_private: bool = False, is_archived: bool = False, is_member: bool = True) -> None:
        """Register (or replace) a conversation for conversations.info; undoes `remove_channel`."""
        self._removed.discard(channel_id)
        self._channels[channel_id] = {
            "id": channel_id, "name": name or channel_id.lower(), "is_channel": not is_im and not is_private,
            "is_group": is_private and not is_im, "is_im": is_im, "is_private": is_private,
            "is_archived": is_archived, "is_member": is_member,
        }

    def archive(self, channel: str) -> None:
        """Archive `channel`: later posts to it fail with is_archived, conversations.info says so."""
        if channel not in self._channels:
            self.set_channel(channel)
        self._channels[channel]["is_archived"] = True

    def remove_channel(self, channel: str) -> None:
        """Make `channel` vanish: every later call naming it fails with channel_not_found."""
        self._channels.pop(channel, None)
        self._removed.add(channel)

    def fail_next(self, method: str, *, error: str, count: int = 1, channel: str | None = None,
                  retry_after: int = 1) -> None:
        """Answer the next `count` calls of `method` (naming `channel`, if given) with `error`.

        "ratelimited" is a 429 with a `Retry-After: <retry_after>` header, as Slack sends it; any
        other string (channel_not_found, is_archived, not_in_channel, account_inactive,
        token_revoked, invalid_blocks, ...) is an HTTP 200 `{"ok": false, "error": error}`.
        """
        if not error or count < 1 or retry_after < 0:
            raise ValueError("fail_next needs an error, count >= 1 and retry_after >= 0")
        self._faults.append(_Fault(method, error, count, channel, retry_after))

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
            call.params = await _read_params(request)
            # slack_sdk puts the token in the header; Slack also takes it as a form field.
            token = _bearer(request) or call.params.pop("token", None)
            if token != self._expected_token(call.method):
                raise _SlackError("invalid_auth")
            handler = self._handlers.get(call.method)
            if handler is None:
                raise _SlackError("unknown_method")
            self._refuse_if_needed(call.method, call.params)
            body = {"ok": True, **handler(call.params)}
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

    def _refuse_if_needed(self, method: str, params: dict) -> None:
        """Raise what Slack would answer instead: an injected fault, a gone channel, pacing."""
        channel = params.get("channel")
        for fault in self._faults:
            if fault.method == method and fault.channel in (None, channel):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                if fault.error == "ratelimited":
                    raise _SlackError("ratelimited", 429, fault.retry_after)
                raise _SlackError(fault.error)
        if method in CHANNEL_METHODS and channel in self._removed:
            raise _SlackError("channel_not_found")
        if method in ARCHIVE_REFUSED and self._channels.get(channel, {}).get("is_archived"):
            raise _SlackError("is_archived")
        if self.enforce_limits and method == "chat.postMessage" and channel:
            wait = self._pacing_wait(str(channel))
            if wait > 0:
                self.rejected_429 += 1
                # Slack's Retry-After is whole seconds, never 0; round first so 1.0000001 stays 1.
                raise _SlackError("ratelimited", 429, max(1, math.ceil(round(wait, 6))))

    def _pacing_wait(self, channel: str) -> float:
        """Seconds until a post to `channel` fits both limits; 0 means admitted and counted."""
        now = self._clock()
        tokens, refilled_at = self._buckets.get(channel, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - refilled_at) * self._channel_rate)
        wait = 0.0 if tokens >= 1 - EPSILON else (1 - tokens) / self._channel_rate
        if self._workspace is not None:
            limit, span = self._workspace
            stamps = self._workspace_stamps
            while stamps and stamps[0] <= now - span + EPSILON:
                stamps.popleft()
            if len(stamps) >= limit:
                wait = max(wait, stamps[0] + span - now)
        # A refused post spends nothing, as at Slack; the refill so far is kept either way.
        self._buckets[channel] = (tokens if wait > 0 else tokens - 1, now)
        if wait == 0 and self._workspace is not None:
            self._workspace_stamps.append(now)
        return wait

    def _next_ts(self) -> str:
        """A fresh ts, unique and increasing across the fake: 1700000000.000100, .000200, ..."""
        self._last_ts += 1
        return f"{TS_EPOCH + self._last_ts // 10_000}.{self._last_ts % 10_000 * 100:06d}"

    def _expected_token(self, method: str) -> str:
        """The bot token, except where Slack wants another (the app-level token of Socket Mode)."""
        return self.token

    def _auth_test(self, params: dict) -> dict:
        return {"url": "https://drill-test.slack.com/", "team": "Drill Test", "user": "drillbot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _post_message(self, params: dict) -> dict:
        channel = _required(params, "channel", "channel_not_found")
        _require_content(params)
        ts = self._next_ts()
        message = {"type": "message", "text": params.get("text", ""), "user": BOT_USER_ID, "bot_id": BOT_ID,
                   "team": TEAM_ID, "ts": ts}
        message |= {k: params[k] for k in (*JSON_TEXT_PARAMS, "thread_ts") if k in params}
        self._messages[channel, ts] = message
        self._posted.append({**params, "ts": ts})
        return {"channel": channel, "ts": ts, "message": dict(message)}

    def _post_ephemeral(self, params: dict) -> dict:
        _required(params, "channel", "channel_not_found")
        _required(params, "user", "user_not_found")
        _require_content(params)
        ts = self._next_ts()
        self._ephemerals.append({**params, "message_ts": ts})
        return {"message_ts": ts}

    def _update(self, params: dict) -> dict:
        channel = _required(params, "channel", "channel_not_found")
        ts = str(_required(params, "ts", "message_not_found"))
        if (channel, ts) not in self._messages:
            raise _SlackError("message_not_found")
        _require_content(params)
        # Slack keeps blocks / attachments the update leaves out; an empty list removes them.
        message = self._messages[channel, ts] | {k: params[k] for k in ("text", *JSON_TEXT_PARAMS) if k in params}
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        self._messages[channel, ts] = message
        self._updates.append(dict(params))
        return {"channel": channel, "ts": ts, "text": message["text"], "message": dict(message)}

    def _users_info(self, params: dict) -> dict:
        user = self._users.get(params.get("user", ""))
        if user is None:
            raise _SlackError("user_not_found")
        return {"user": json.loads(json.dumps(user))}  # a deep copy: tests may keep and compare it

    def _conversations_open(self, params: dict) -> dict:
        user = _required(params, "users", "users_list_not_supplied")
        if user not in self._users:
            raise _SlackError("user_not_found")
        return {"channel": {"id": f"D{user}"}}

    def _upload_url(self, params: dict) -> dict:
        """Step 1 of files_upload_v2: a file id and where to POST its bytes."""
        filename = _required(params, "filename", "invalid_arguments")
        length = int(_required(params, "length", "invalid_arguments"))
        file_id = f"F{len(self._uploads) + 1:08d}"
        self._uploads[file_id] = {"filename": filename, "length": length, "content": None}
        return {"file_id": file_id, "upload_url": f"{self.base_url.removesuffix('api/')}upload/{file_id}"}

    def _complete_upload(self, params: dict) -> dict:
        """Step 3: the uploaded files shared into a channel; a file whose bytes never came is refused."""
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        if not files or any(self._uploads.get(f.get("id"), {}).get("content") is None for f in files):
            raise _SlackError("file_not_found")
        channel = params.get("channel_id")
        for f in files:
            upload = self._uploads[f["id"]]
            self.shared_files.append({"channel": channel, "title": f.get("title"), "filename": upload["filename"],
                                      "content": upload["content"], "initial_comment": params.get("initial_comment")})
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _conversations_info(self, params: dict) -> dict:
        channel = self._channels.get(params.get("channel", ""))
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
