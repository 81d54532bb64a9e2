"""A fake Telegram Bot API server: the real python-telegram-bot talks to it over local HTTP.

Start it (127.0.0.1, port 0), give its `base_url` to `telegram.Bot` or to
`Application.builder().base_url(...)`, feed updates with `push_update`, read what the bot did in
`calls` and `sent_messages`, and make Telegram misbehave with `fail_next` and `block`. Sends are
held to Telegram's documented flood limits, multiplied by `rate_scale`.

PTB sends every parameter as a form field (urlencoded, or multipart when a file is attached), so
numbers arrive as "123" and objects such as reply_markup as JSON text; `_read_params` types them
back. JSON bodies are accepted as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import struct
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Form fields are all text; these Bot API parameters are typed String and must stay text even
# when they look like JSON (a message that reads "42", a numeric callback query id).
STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "language_code", "url", "secret_token",
    "ip_address", "business_connection_id", "message_effect_id", "custom_title", "title", "description", "name",
})
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup"})
RATE_LIMITED_METHODS = frozenset({"sendMessage", "sendPhoto", "editMessageText"})

# (messages, per seconds), from https://core.telegram.org/bots/faq#my-bot-is-hitting-limits
# "one message per second" in a private chat, with the short bursts the FAQ says Telegram allows.
LIMITS = {"all": (30, 1.0), "private": (3, 3.0), "group": (20, 60.0)}

ERRORS: dict[str, tuple[int, str]] = {
    "429": (429, "Too Many Requests: retry after {retry_after}"),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "kicked": (403, "Forbidden: bot was kicked from the group chat"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "user_deactivated": (403, "Forbidden: user is deactivated"),
    "kicked_supergroup": (403, "Forbidden: bot was kicked from the supergroup chat"),
    "no_rights": (400, "Bad Request: not enough rights to send text messages to the chat"),
    "too_long": (400, "Bad Request: message is too long"),
    "migrated": (400, "Bad Request: group chat was upgraded to a supergroup chat"),
    "server_error": (500, "Internal Server Error"),
}
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup are exactly"
                " the same as a current content and reply markup of the message")
WEBHOOK_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active;"
                    " use deleteWebhook to delete the webhook first")
NO_TEXT = "Bad Request: message text is empty"
MEMBER_STATUSES = ("creator", "administrator", "member", "left", "kicked")
# PTB refuses an administrator ChatMember that lacks any of these.
ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members", "can_promote_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
)


@dataclass
class Call:
    """One request the fake received; `status` is None until it has been answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int | None = None


@dataclass
class _Fault:
    method: str
    error: str
    remaining: int
    chat_id: int | None
    retry_after: int
    migrate_to: int | None

    def as_error(self, chat_id: Any) -> _ApiError:
        status, description = ERRORS[self.error]
        parameters = {"429": {"retry_after": self.retry_after},
                      "migrated": {"migrate_to_chat_id": self.migrate_to or _supergroup_id(chat_id)}}.get(self.error)
        return _ApiError(status, description.format(retry_after=self.retry_after), parameters)


class _ApiError(Exception):
    """An error answer in the Bot API's shape; raised inside handlers, rendered by `_serve`."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.body = {"ok": False, "error_code": status, "description": description}
        if parameters:
            self.body["parameters"] = parameters


class FakeTelegramAPI:
    """An in-process Telegram Bot API: records calls, serves updates, enforces flood limits."""

    max_long_poll = 1.0  # getUpdates holds at most this long, whatever `timeout` asks, so tests stay fast

    def __init__(self, *, token: str = "123456:TEST", bot_user: dict | None = None, rate_scale: float = 1.0,
                 enforce_limits: bool = True, clock: Callable[[], float] = time.monotonic):
        bot_id = token.partition(":")[0]
        self.token = token
        self.bot_user = {
            "id": int(bot_id) if bot_id.isdigit() else 1, "is_bot": True, "first_name": "Drill Test Bot",
            "username": "drill_test_bot", "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, **(bot_user or {}),
        }
        self.enforce_limits = enforce_limits
        self.base_url = self.base_file_url = ""  # known once start() has a port
        self.calls: list[Call] = []
        self.rejected_429 = 0
        self.on_answer: list[Callable[[Call], None]] = []  # called with each call once it is answered
        self._clock = clock
        self._limits = {kind: _scaled(*limit, rate_scale) for kind, limit in LIMITS.items()}
        self._windows: dict[Hashable, deque[float]] = defaultdict(deque)
        self._call_counts: Counter[str] = Counter()
        self._call_recorded = asyncio.Event()
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._update_pushed = asyncio.Event()
        self._messages: dict[tuple[Any, int], dict] = {}
        self._last_message_id: dict[Any, int] = defaultdict(int)
        self._members: dict[tuple[Any, int], str] = {}
        self._faults: list[_Fault] = []
        self._blocked: set[Any] = set()
        self._commands: dict[tuple[str, str], list] = {}
        self._webhook_url = ""
        self._stopping = False
        self._runner: web.AppRunner | None = None
        handlers = {
            "getMe": lambda params: self.bot_user,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": lambda params: self._edit(params, text=str(_required(params, "text", NO_TEXT))),
            "editMessageReplyMarkup": self._edit,
            "answerCallbackQuery": lambda params: True,
            "getChatMember": self._get_chat_member,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda params: self._commands.get(_commands_key(params), []),
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": lambda params: self._set_webhook({**params, "url": ""}),
            "getWebhookInfo": self._get_webhook_info,
            "close": lambda params: True,
            "logOut": lambda params: True,
        }
        # The Bot API treats method names case-insensitively; calls are recorded under the
        # documented spelling.
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port and set `base_url` / `base_file_url`."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._serve)
        app.router.add_route("*", "/{tail:.*}", _not_found)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/bot"
        self.base_file_url = f"http://{host}:{port}/file/bot"

    async def stop(self) -> None:
        """Answer any waiting long poll and shut the server down."""
        self._stopping = True
        self._update_pushed.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegramAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of `method`, whatever its outcome."""
        method = self._canonical(method)
        return [call for call in self.calls if call.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[dict]:
        """The parameters of sendMessage calls that succeeded, optionally for one chat."""
        return [call.params for call in self.calls if call.method == "sendMessage" and call.status == 200
                and (chat_id is None or call.params.get("chat_id") == chat_id)]

    def commands_for(self, language_code: str = "", scope: dict | None = None) -> list[dict]:
        """The commands last set with setMyCommands for this language and scope."""
        return self._commands.get(_commands_key({"language_code": language_code, "scope": scope}), [])

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        """Wait until `count` calls of `method` have arrived; return all calls of it so far.

        A send is already answered when this returns; a getUpdates may still be long-polling,
        which is the moment to push the update a polling bot should see.
        """
        method = self._canonical(method)
        try:
            async with asyncio.timeout(timeout):
                while self._call_counts[method] < count:
                    self._call_recorded.clear()
                    await self._call_recorded.wait()
        except TimeoutError:
            seen = self._call_counts[method]
            raise TimeoutError(f"{method}: {seen} of {count} calls within {timeout}s") from None
        return self.calls_to(method)

    def push_update(self, update: dict) -> None:
        """Queue an update for getUpdates, numbering it if it has no update_id."""
        update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._updates.append(update)
        self._update_pushed.set()

    def set_chat_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Make getChatMember report `status` for this user in this chat (default "member")."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}, not {status!r}")
        self._members[chat_id, user_id] = status

    def fail_next(self, method: str, *, error: str, count: int = 1, chat_id: int | None = None,
                  retry_after: int = 1, migrate_to: int | None = None) -> None:
        """Answer the next `count` calls of `method` (to `chat_id`, if given) with `error`."""
        if error not in ERRORS:
            raise ValueError(f"error must be one of {sorted(ERRORS)}, not {error!r}")
        self._faults.append(_Fault(self._canonical(method), error, count, chat_id, retry_after, migrate_to))

    def block(self, chat_id: int) -> None:
        """Answer every later send to `chat_id` with 403, as when a user blocks the bot."""
        self._blocked.add(chat_id)

    async def _serve(self, request: web.Request) -> web.Response:
        """Record the call, refuse it or run its handler, and answer in the Bot API's shape."""
        try:
            params = await _read_params(request)
        except ValueError:
            return web.json_response(_ApiError(400, "Bad Request: can't parse body").body, status=400)
        method, handler = self._methods.get(request.match_info["method"].lower(), (None, None))
        call = Call(method or request.match_info["method"], params, self._clock())
        self.calls.append(call)
        self._call_counts[call.method] += 1
        self._call_recorded.set()
        try:
            if request.match_info["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            if handler is None:
                raise _ApiError(404, "Not Found")
            self._refuse_if_needed(call.method, params)
            # Only getUpdates suspends, so a send is answered before any waiter runs.
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
            call.status, body = 200, {"ok": True, "result": result}
        except _ApiError as error:
            call.status, body = error.status, error.body
        for listener in self.on_answer:
            listener(call)
        return web.json_response(body, status=call.status)

    def _refuse_if_needed(self, method: str, params: dict) -> None:
        """Raise what Telegram would answer instead: an injected fault, a block, flood control."""
        chat_id = params.get("chat_id")
        for fault in self._faults:
            if fault.method == method and fault.chat_id in (None, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                raise fault.as_error(chat_id)
        if method in SEND_METHODS and chat_id in self._blocked:
            raise _ApiError(*ERRORS["blocked"])
        if self.enforce_limits and method in RATE_LIMITED_METHODS:
            wait = self._flood_wait(chat_id)
            if wait > 0:
                self.rejected_429 += 1
                retry_after = max(1, math.ceil(wait))
                raise _ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def _flood_wait(self, chat_id: Any) -> float:
        """Seconds until a send to `chat_id` fits every sliding window; 0 means sent and counted."""
        now = self._clock()
        windows = [(self._windows["all"], *self._limits["all"])]
        if chat_id is not None:
            kind = "private" if isinstance(chat_id, int) and chat_id > 0 else "group"
            windows.append((self._windows["chat", chat_id], *self._limits[kind]))
        wait = 0.0
        for stamps, limit, span in windows:
            while stamps and stamps[0] <= now - span:
                stamps.popleft()
            if len(stamps) >= limit:  # never more than `limit`: refused sends are not stamped
                wait = max(wait, stamps[0] + span - now)
        if wait == 0:
            for stamps, _, _ in windows:
                stamps.append(now)
        return wait

    async def _get_updates(self, params: dict) -> list[dict]:
        if self._webhook_url:
            raise _ApiError(409, WEBHOOK_CONFLICT)
        offset = int(params.get("offset", 0))
        # Telegram forgets updates below a positive offset; a negative one keeps the last N.
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        wait = min(float(params.get("timeout", 0)), self.max_long_poll)
        if not self._updates and wait > 0 and not self._stopping:
            self._update_pushed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_pushed.wait(), wait)
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        return self._updates[:limit]

    def _send_message(self, params: dict) -> dict:
        chat_id = _required(params, "chat_id")
        text = _required(params, "text", NO_TEXT)
        self._last_message_id[chat_id] += 1
        message = {"message_id": self._last_message_id[chat_id], "from": self.bot_user, "date": int(time.time()),
                   "chat": {"id": chat_id, "type": _chat_type(chat_id)}, "text": str(text)}
        _attach_markup(message, params.get("reply_markup"))
        self._messages[chat_id, message["message_id"]] = message
        return message

    def _send_photo(self, params: dict) -> dict:
        """A photo uploaded as a file (multipart): kept as its bytes, answered with its size as a PhotoSize."""
        chat_id = _required(params, "chat_id")
        photo = _required(params, "photo")
        if not isinstance(photo, bytes) or photo[:8] != b"\x89PNG\r\n\x1a\n":
            raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        width, height = struct.unpack(">II", photo[16:24])  # the PNG's IHDR chunk
        self._last_message_id[chat_id] += 1
        size = {"file_id": f"photo{self._last_message_id[chat_id]}", "file_unique_id": "u", "width": width,
                "height": height, "file_size": len(photo)}
        message = {"message_id": self._last_message_id[chat_id], "from": self.bot_user, "date": int(time.time()),
                   "chat": {"id": chat_id, "type": _chat_type(chat_id)}, "photo": [size]}
        if params.get("caption"):
            message["caption"] = str(params["caption"])
        self._messages[chat_id, message["message_id"]] = message
        return message

    def _edit(self, params: dict, **changes: Any) -> dict | bool:
        """Apply an edit to a stored message; a missing reply_markup removes the keyboard."""
        if "inline_message_id" in params:
            return True  # the Bot API answers True for inline messages
        key = (_required(params, "chat_id"), _required(params, "message_id"))
        if key not in self._messages:
            raise _ApiError(400, "Bad Request: message to edit not found")
        old = self._messages[key]
        new = {k: v for k, v in old.items() if k != "reply_markup"} | changes
        _attach_markup(new, params.get("reply_markup"))
        if all(new.get(k) == old.get(k) for k in ("text", "reply_markup")):
            raise _ApiError(400, NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        self._messages[key] = new
        return new

    def _get_chat_member(self, params: dict) -> dict:
        chat_id, user_id = _required(params, "chat_id"), int(_required(params, "user_id"))
        status = self._members.get((chat_id, user_id), "member")
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        member: dict[str, Any] = {"status": status, "user": self.bot_user if user_id == self.bot_user["id"] else user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member |= {"can_be_edited": False, "is_anonymous": False} | dict.fromkeys(ADMIN_RIGHTS, True)
        elif status == "kicked":
            member["until_date"] = 0  # banned for ever
        return member

    def _set_my_commands(self, params: dict) -> bool:
        self._commands[_commands_key(params)] = list(_required(params, "commands"))
        return True

    def _delete_my_commands(self, params: dict) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    def _set_webhook(self, params: dict) -> bool:
        """setWebhook, and deleteWebhook as setWebhook with an empty url, as the Bot API defines it."""
        self._webhook_url = str(params.get("url", ""))
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: dict) -> dict:
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _canonical(self, method: str) -> str:
        return self._methods.get(method.lower(), (method,))[0]


async def _read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters from the query string and a form or JSON body, typed back."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.read()
        raw.update(json.loads(body) if body else {})
    else:
        form = await request.post()
        raw.update({k: v.file.read() if isinstance(v, web.FileField) else v for k, v in form.items()})
    return {name: _decode(name, value) for name, value in raw.items()}


def _decode(name: str, value: Any) -> Any:
    """A form value as the Bot API types it: JSON for numbers, booleans and objects."""
    if name in STRING_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # "@channelname" and other plain text


def _required(params: dict, name: str, description: str | None = None) -> Any:
    if params.get(name) in (None, ""):
        raise _ApiError(400, description or f"Bad Request: {name} is empty")
    return params[name]


def _attach_markup(message: dict, markup: Any) -> None:
    # Telegram echoes only inline keyboards in the returned Message (reply keyboards are not
    # part of a Message), and PTB would fail to parse anything else there.
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup


def _chat_type(chat_id: Any) -> str:
    if isinstance(chat_id, int) and chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith(("-100", "@")) else "group"  # supergroup ids start -100


def _supergroup_id(chat_id: Any) -> int:
    """The id a group gets when upgraded: -100 followed by its old digits (-123 -> -100123)."""
    return int(f"-100{abs(chat_id)}") if isinstance(chat_id, int) else -1001


def _commands_key(params: dict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


def _scaled(count: int, seconds: float, scale: float) -> tuple[int, float]:
    """A (count, window) limit at `scale` times the rate; slower than 1 per window widens it."""
    rate = count * scale
    return (int(rate), seconds) if rate >= 1 else (1, seconds / rate)


async def _not_found(request: web.Request) -> web.Response:
    return web.json_response(_ApiError(404, "Not Found").body, status=404)
