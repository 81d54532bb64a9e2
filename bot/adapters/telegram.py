"""The Telegram adapter: python-telegram-bot 22 updates in, drill engine calls, Telegram messages out.

Handlers only translate: an Update becomes a ChatRef, a MemberRef and text or a button payload; the
engine decides; the replies are rendered to Telegram HTML with inline buttons.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import warnings
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from aiohttp import web

from telegram import BotCommand, Chat, InputFile, ReplyParameters, Update, User
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden
from telegram.warnings import PTBUserWarning
from telegram.ext import (
    Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, ContextTypes,
    MessageHandler, filters,
)

from bot.adapters.handlers import RunningHandlers
from bot.adapters.streak_calendar import picture
from bot.adapters.telegram_format import render_messages, to_telegram_html
from bot.adapters.telegram_http import AiohttpRequest
from bot.adapters.telegram_pacing import BROADCAST, REMINDER, TelegramPacer
from bot.app import App
from bot.config import TelegramSettings
from bot.core.commands import COMMANDS, answer_link_payload, needs_admin_check
from bot.core.messages import LANGUAGES, text
from bot.core.replies import ChatRef, MemberRef, Reply, chat_key, platform_id
from bot.delivery import ChatMoved, PermanentSendError
from bot.web import WebServer

log = logging.getLogger(__name__)
# _send calls sendMessage through do_api_request on purpose (see there); PTB would warn at every send.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning)
PLATFORM = "telegram"
_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CAPTION_LIMIT = 1024  # UTF-16 units of a photo caption
# Refusals that will never change for this chat id; anything else (a 500, missing rights an admin can give
# back, a message too long) is retried after the claim's lease.
PERMANENT_REFUSALS = ("chat not found", "bot was blocked", "bot was kicked", "user is deactivated",
                      "group chat was deactivated", "bot is not a member")


def chat_ref(chat: Chat) -> ChatRef:
    """A Telegram chat as the engine sees it."""
    kind = "private" if chat.type == Chat.PRIVATE else "group"
    return ChatRef(chat_key(PLATFORM, chat.id), PLATFORM, kind, chat.title or chat.full_name or "")


def member_ref(user: User, is_admin: bool = False) -> MemberRef:
    """A Telegram user as the engine sees them."""
    return MemberRef(f"{PLATFORM}:{user.id}", user.full_name, is_admin)


def keyboard(reply: Reply, link: dict | None = None) -> dict | None:
    """A reply's buttons as one row of inline buttons, *Report a problem* and a link button ({"text", "url"})
    each in a row of their own (a phone's row holds three or four): the Bot API's InlineKeyboardMarkup, as
    the JSON it is sent as."""
    def row(buttons) -> list[dict]:
        return [{"text": b.label, "callback_data": b.payload} for b in buttons]

    rows = [row(b for b in reply.buttons if b.role != "flag"), row(b for b in reply.buttons if b.role == "flag"),
            [link] if link else []]
    return {"inline_keyboard": [row for row in rows if row]} if any(rows) else None


class TelegramAdapter:
    """Owns the python-telegram-bot Application and is the scheduler's Sender for Telegram chats."""

    def __init__(self, app: App, settings: TelegramSettings, clock: Callable[[], datetime]):
        self.app = app
        self.settings = settings
        self.clock = clock
        # Without a configured secret a fresh one is registered with Telegram at every start.
        self.webhook_secret = settings.webhook_secret or secrets.token_urlsafe(32)
        self.application = (
            Application.builder()
            .token(settings.token)
            .base_url(settings.api_base_url)
            .rate_limiter(TelegramPacer(app.settings.telegram_pacing))
            .request(AiohttpRequest(connections=app.settings.max_concurrent_sends + 16))
            .get_updates_request(AiohttpRequest(connections=1, read_timeout=10.0))
            # Updates are handled side by side: one member's reply waiting for a send slot must not
            # hold up everyone else's taps. Handlers share no state outside the store.
            .concurrent_updates(64)
            .build()
        )
        # Updates are handled side by side, so nothing orders them: settled() waits for those under way.
        self.handlers = RunningHandlers()
        track = self.handlers.track
        for name in COMMANDS:
            self.application.add_handler(CommandHandler(name, track(self.on_command)))
        self.application.add_handler(CallbackQueryHandler(track(self.on_button)))
        self.application.add_handler(ChatMemberHandler(track(self.on_membership), ChatMemberHandler.MY_CHAT_MEMBER))
        self.application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, track(self.on_migrate)))

    async def settled(self) -> None:
        """Return once no update is being handled."""
        await self.handlers.settled()

    # -- updates -------------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A slash command from a member."""
        message = update.effective_message
        chat, user = update.effective_chat, update.effective_user
        if message is None or user is None or message.text is None:
            return
        is_admin = False
        if chat.type != Chat.PRIVATE and needs_admin_check(message.text):
            member = await context.bot.get_chat_member(chat.id, user.id)
            is_admin = member.status in _ADMINS
        replies = await self.app.run(self.app.drill.command, chat_ref(chat), member_ref(user, is_admin),
                                     message.text, self.clock())
        for reply in replies:
            await self._send(chat.id, reply, reply_to=message.message_id if chat.type != Chat.PRIVATE else None)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tap on Show answer or a grade button."""
        query = update.callback_query
        chat = update.effective_chat
        if query is None or chat is None or query.message is None:
            return
        ref = chat_ref(chat)
        (reply,) = await self.app.run(self.app.drill.action, ref, member_ref(query.from_user), query.data or "",
                                      self.clock())
        if reply.kind != "answer":
            await query.answer(_toast(reply.text))
            return
        await query.answer()
        if ref.kind == "private":
            await self._send(chat.id, reply)
            return
        # A group's answer (the engine let this tap post it) goes under a spoiler, as a reply to the question.
        # A spoiler cannot hold code, so an answer with code also links to the bot's private chat, where
        # /start sends it with its code formatted.
        link = None
        if reply.delivery_id is not None and "<code" in to_telegram_html(reply.text):
            url = f"https://t.me/{context.bot.username}?start={answer_link_payload(reply.delivery_id)}"
            language = (await self.app.run(self.app.store.chats.chat, ref.key))["language"]
            link = {"text": text(language, "with_code"), "url": url}
        sent = None
        try:
            sent = await self._send(chat.id, reply, reply_to=query.message.message_id, as_spoiler=True, link=link)
        finally:
            if reply.delivery_id is not None:
                await self.app.run(self.app.drill.answer_posted, reply.delivery_id,
                                   sent)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to, removed from, blocked or unblocked in a chat."""
        change = update.my_chat_member
        gone = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
        status = change.new_chat_member.status
        if status in gone:
            await self.app.run(self.app.drill.bot_removed, chat_key(PLATFORM, change.chat.id),
                               f"bot {status} in chat", self.clock())
            return
        replies = await self.app.run(self.app.drill.bot_added, chat_ref(change.chat), self.clock(),
                                     returning=change.old_chat_member.status in gone)
        for reply in replies:
            await self._send(change.chat.id, reply)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: its history moves to the new chat id."""
        message = update.effective_message
        if message.migrate_to_chat_id:
            await self.app.run(self.app.drill.chat_moved, chat_key(PLATFORM, message.chat.id),
                               chat_key(PLATFORM, message.migrate_to_chat_id))

    async def on_webhook(self, request: web.Request) -> web.Response:
        """An update Telegram POSTed to the webhook; only requests carrying our secret get in."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            log.warning("webhook request without the right secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not an update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")

    # -- sending -----------------------------------------------------------------

    async def send_daily(self, chat: dict, replies: list[Reply]) -> str | None:
        """The scheduler's Sender: post the daily replies; map Telegram's refusals to the scheduler's."""
        chat_id = int(platform_id(chat["key"]))
        message_id = None
        try:
            for reply in replies:
                message_id = await self._send(chat_id, reply, pace=BROADCAST) or message_id
        except ChatMigrated as moved:
            raise ChatMoved(chat_key(PLATFORM, moved.new_chat_id)) from moved
        except (Forbidden, BadRequest) as refused:
            if any(reason in refused.message.lower() for reason in PERMANENT_REFUSALS):
                raise PermanentSendError(refused.message) from refused
            raise
        return message_id

    async def send_reminder(self, pending: dict, reply: Reply) -> None:
        """A reminder, in the member's private chat with the bot (its id is theirs), after the daily questions."""
        try:
            await self._send(int(platform_id(pending["member"])), reply, pace=REMINDER)
        except Forbidden as refused:  # they blocked the bot since
            raise PermanentSendError(refused.message) from refused

    async def _send(self, chat_id: int, reply: Reply, *, reply_to: int | None = None, as_spoiler: bool = False,
                    link: dict | None = None, pace: str | None = None) -> str | None:
        """Render a reply (split at 4096 characters) and send it; buttons go with the last part. Returns
        the last message's id.

        `pace` (the pacer's BROADCAST, REMINDER) marks sends nobody is waiting on, which yield every send slot
        to replies people wait for.
        sendMessage is called through do_api_request, which keeps the answer as JSON: only its id is
        used, and building a Message object for each of thousands took a fifth of the fan-out's time.
        """
        if reply.calendar is not None:
            return await self._send_calendar(chat_id, reply, reply_to)
        parts = render_messages(reply.text, as_spoiler=as_spoiler)
        sent = None
        for index, part in enumerate(parts):
            markup = keyboard(reply, link) if index == len(parts) - 1 else None
            replying = {"reply_parameters": {"message_id": reply_to, "allow_sending_without_reply": True}
                        } if reply_to is not None and index == 0 else {}
            answer = await self.application.bot.do_api_request(
                "sendMessage", api_kwargs={"chat_id": chat_id, "text": part, "parse_mode": ParseMode.HTML,
                                           **({"reply_markup": markup} if markup else {}), **replying},
                rate_limit_args=pace)
            sent = str(answer["message_id"])
        return sent

    async def _send_calendar(self, chat_id: int, reply: Reply, reply_to: int | None) -> str:
        """/streak: the calendar picture (sendPhoto), the reply's text as its caption when it fits one."""
        png = await asyncio.to_thread(picture, reply.calendar)  # ~15 ms of drawing: off the event loop
        html = to_telegram_html(reply.text)
        caption = html if len(html.encode("utf-16-le")) // 2 <= CAPTION_LIMIT else None
        if caption is None:
            await self._send(chat_id, replace(reply, calendar=None), reply_to=reply_to)
        replying = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to is not None else None
        message = await self.application.bot.send_photo(
            chat_id, InputFile(png, filename="streak.png"), caption=caption, parse_mode=ParseMode.HTML,
            reply_parameters=replying)
        return str(message.message_id)

    # -- life cycle --------------------------------------------------------------

    async def register_commands(self) -> None:
        """Tell Telegram the command list, in Korean and in English."""
        for language in LANGUAGES:
            commands = [BotCommand(name, text(language, f"command_{name}")) for name in COMMANDS]
            await self.application.bot.set_my_commands(commands, language_code=language)
        default = [BotCommand(name, text(self.app.settings.default_language, f"command_{name}")) for name in COMMANDS]
        await self.application.bot.set_my_commands(default)


def _toast(message: str) -> str:
    """answerCallbackQuery shows at most 200 characters, without markup."""
    plain = message.replace("*", "").replace("`", "")
    return plain if len(plain) <= 200 else plain[:199] + "…"


def webhook_path(url: str) -> str:
    """The path our server answers the webhook on: the one in the public URL, or /telegram."""
    path = urlsplit(url).path
    return path if path not in ("", "/") else "/telegram"


async def start_telegram(adapter: TelegramAdapter, server: WebServer | None) -> None:
    """Connect, register the commands and receive updates: a webhook route on `server`, or polling."""
    application = adapter.application
    await application.initialize()
    await adapter.register_commands()
    await application.start()
    if adapter.settings.webhook_url:
        server.add_post(webhook_path(adapter.settings.webhook_url), adapter.on_webhook)
    else:
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)


async def set_webhook(adapter: TelegramAdapter) -> None:
    """Ask Telegram to POST updates to our URL with our secret; called once the server listens."""
    await adapter.application.bot.set_webhook(
        adapter.settings.webhook_url, secret_token=adapter.webhook_secret, allowed_updates=Update.ALL_TYPES,
    )


async def stop_telegram(adapter: TelegramAdapter) -> None:
    """Stop polling, finish the updates being handled and close the connection."""
    application = adapter.application
    if application.updater and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
