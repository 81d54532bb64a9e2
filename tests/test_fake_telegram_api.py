"""The fake Telegram Bot API, driven by the real python-telegram-bot client."""

import asyncio
from datetime import timedelta

import aiohttp
import pytest
from telegram import (
    Bot, ChatMemberAdministrator, ChatMemberBanned, ChatMemberLeft, ChatMemberMember,
    ChatMemberOwner, InlineKeyboardButton, InlineKeyboardMarkup, Update,
)
from telegram.error import (
    BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from fakes.telegram_api import FakeTelegramAPI

GROUP = -4001
PRIVATE = 42


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch):
    """Opt in to PTB's timedelta RetryAfter.retry_after, which also silences its deprecation warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake():
    """A started fake without flood limits (a fourth send to one private chat within three seconds would 429)."""
    api = FakeTelegramAPI(enforce_limits=False)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def bot(fake):
    """A real PTB Bot pointed at the fake (initialising it calls getMe)."""
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


class ManualClock:
    """A clock the test moves by hand, so sliding windows can pass without sleeping."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_get_me_returns_the_bot_user(fake, bot):
    assert (bot.id, bot.username, bot.can_join_groups) == (123456, "drill_test_bot", True)
    assert bot.can_read_all_group_messages is False
    assert [call.status for call in fake.calls_to("getMe")] == [200]


async def test_send_message_numbers_messages_per_chat_and_records_them(fake, bot):
    first = await bot.send_message(PRIVATE, "one")
    second = await bot.send_message(PRIVATE, "two")
    group = await bot.send_message(GROUP, "hello group")
    assert (first.message_id, second.message_id, group.message_id) == (1, 2, 1)
    assert (first.chat.type, group.chat.type, first.from_user.id) == ("private", "group", bot.id)
    assert [m["text"] for m in fake.sent_messages(PRIVATE)] == ["one", "two"]
    assert len(fake.sent_messages()) == 3


async def test_string_parameters_stay_strings_and_numbers_become_numbers(fake, bot):
    await bot.send_message(PRIVATE, "42", disable_notification=True)
    assert fake.sent_messages()[0] == {"chat_id": PRIVATE, "text": "42", "disable_notification": True}


async def test_inline_keyboard_arrives_as_a_dict_and_comes_back_on_the_message(fake, bot):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Show answer", callback_data="show:1")]])
    message = await bot.send_message(PRIVATE, "Q1", reply_markup=keyboard)
    assert fake.sent_messages()[0]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Show answer", "callback_data": "show:1"}]]
    }
    assert message.reply_markup == keyboard


async def test_edits_return_the_message_and_refuse_an_unchanged_one(fake, bot):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
    sent = await bot.send_message(PRIVATE, "Q1", reply_markup=keyboard)
    edited = await bot.edit_message_text("Q1 - answered", PRIVATE, sent.message_id)
    assert (edited.text, edited.reply_markup) == ("Q1 - answered", None)  # no markup drops it
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Q1 - answered", PRIVATE, sent.message_id)
    marked = await bot.edit_message_reply_markup(PRIVATE, sent.message_id, reply_markup=keyboard)
    assert marked.reply_markup == keyboard
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", PRIVATE, 99)
    assert await bot.answer_callback_query("1234567890") is True
    assert fake.calls_to("answerCallbackQuery")[0].params == {"callback_query_id": "1234567890"}


async def test_injected_429_raises_retry_after_and_is_not_a_sent_message(fake, bot):
    fake.fail_next("sendMessage", error="429", retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(PRIVATE, "hi")
    assert raised.value.retry_after == timedelta(seconds=3)
    assert fake.sent_messages() == []
    assert fake.calls_to("sendMessage")[0].status == 429
    await bot.send_message(PRIVATE + 1, "the fault was used up")
    assert len(fake.sent_messages()) == 1


async def test_blocked_chat_raises_forbidden_and_other_chats_still_work(fake, bot):
    fake.block(PRIVATE)
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(PRIVATE, "hi")
    await bot.send_message(PRIVATE + 1, "hi")
    assert [m["chat_id"] for m in fake.sent_messages()] == [PRIVATE + 1]


@pytest.mark.parametrize("error, exception, text", [
    ("chat_not_found", BadRequest, "Chat not found"),  # PTB drops "Bad Request: " and capitalises
    ("kicked", Forbidden, "bot was kicked"),
    ("server_error", NetworkError, "Internal Server Error"),
])
async def test_injected_errors_become_the_matching_ptb_exceptions(fake, bot, error, exception, text):
    fake.fail_next("sendMessage", error=error)
    with pytest.raises(exception, match=text):
        await bot.send_message(GROUP, "hi")


async def test_migrated_group_raises_chat_migrated_with_the_new_id(fake, bot):
    fake.fail_next("sendMessage", error="migrated", chat_id=-123)
    fake.fail_next("sendMessage", error="migrated", chat_id=GROUP, migrate_to=-1009999)
    await bot.send_message(GROUP - 1, "a fault for one chat leaves the others alone")
    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(-123, "hi")
    assert raised.value.new_chat_id == -100123
    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(GROUP, "hi")
    assert raised.value.new_chat_id == -1009999


async def test_group_limit_refuses_the_21st_message_in_a_minute():
    async with FakeTelegramAPI() as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        for n in range(20):
            await bot.send_message(GROUP, f"message {n}")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(GROUP, "one too many")
        assert timedelta(seconds=58) <= raised.value.retry_after <= timedelta(seconds=60)
        await bot.send_message(GROUP - 1, "another group has its own window")
    assert (fake.rejected_429, len(fake.sent_messages(GROUP))) == (1, 20)
    assert fake.calls_to("sendMessage")[20].status == 429


async def test_rate_scale_multiplies_the_group_limit():
    async with FakeTelegramAPI(rate_scale=10) as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        for n in range(200):
            await bot.send_message(GROUP, f"message {n}")
        with pytest.raises(RetryAfter):
            await bot.send_message(GROUP, "one too many")
    assert fake.rejected_429 == 1


async def test_private_and_global_limits_and_the_window_sliding_on():
    clock = ManualClock()
    async with FakeTelegramAPI(clock=clock) as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        for n in range(3):  # a short burst is allowed: three in three seconds
            await bot.send_message(PRIVATE, f"burst {n}")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(PRIVATE, "too soon")
        assert raised.value.retry_after == timedelta(seconds=3)
        for user in range(1, 28):  # 27 more private chats fill the 30 per second
            await bot.send_message(PRIVATE + user, "hi")
        with pytest.raises(RetryAfter):
            await bot.send_message(PRIVATE + 100, "the 31st in a second")
        clock.now += 3.0
        await bot.send_message(PRIVATE, "three seconds later")
    assert fake.rejected_429 == 2
    assert len(fake.sent_messages(PRIVATE)) == 4


async def test_limits_can_be_switched_off():
    async with FakeTelegramAPI(enforce_limits=False) as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        for n in range(25):
            await bot.send_message(GROUP, f"message {n}")
    assert (fake.rejected_429, len(fake.sent_messages())) == (0, 25)


async def test_pushed_updates_are_served_until_an_offset_confirms_them(fake, bot):
    fake.push_update({"message": {"message_id": 1, "date": 0, "chat": {"id": PRIVATE, "type": "private"},
                                  "from": {"id": PRIVATE, "is_bot": False, "first_name": "Ann"}, "text": "/start"}})
    updates = await bot.get_updates()
    assert [(u.update_id, u.message.text) for u in updates] == [(1, "/start")]
    assert len(await bot.get_updates()) == 1  # not yet confirmed
    assert await bot.get_updates(offset=updates[0].update_id + 1) == ()
    fake.push_update({"update_id": 7, "callback_query": {
        "id": "99", "chat_instance": "c", "data": "show:1",
        "from": {"id": PRIVATE, "is_bot": False, "first_name": "Ann"}}})
    fake.push_update({})
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [7]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [8]


async def test_long_poll_wakes_when_an_update_is_pushed(fake, bot):
    fake.max_long_poll = 60  # without a wake-up the poll would outlast the wait_for below
    poll = asyncio.create_task(bot.get_updates(timeout=60))
    await fake.wait_for_call("getUpdates")
    fake.push_update({})
    updates = await asyncio.wait_for(poll, 5)
    assert [u.update_id for u in updates] == [1]


async def test_long_poll_with_nothing_to_serve_returns_empty_after_the_cap(fake, bot):
    fake.max_long_poll = 0.05
    assert await bot.get_updates(timeout=30) == ()


async def test_wait_for_call_times_out(fake):
    with pytest.raises(TimeoutError, match="sendMessage: 0 of 1"):
        await fake.wait_for_call("sendMessage", timeout=0.01)


@pytest.mark.parametrize("status, member_class", [
    ("creator", ChatMemberOwner), ("administrator", ChatMemberAdministrator),
    ("member", ChatMemberMember), ("left", ChatMemberLeft), ("kicked", ChatMemberBanned),
])
async def test_chat_member_statuses_parse_as_ptb_classes(fake, bot, status, member_class):
    fake.set_chat_member(GROUP, 7, status)
    member = await bot.get_chat_member(GROUP, 7)
    assert isinstance(member, member_class)
    assert member.user.id == 7
    assert isinstance(await bot.get_chat_member(GROUP, 8), ChatMemberMember)


async def test_commands_are_kept_per_language(fake, bot):
    await bot.set_my_commands([("today", "Today's question")])
    await bot.set_my_commands([("today", "오늘의 문제")], language_code="ko")
    assert [c.description for c in await bot.get_my_commands(language_code="ko")] == ["오늘의 문제"]
    assert fake.commands_for("") == [{"command": "today", "description": "Today's question"}]
    assert await bot.delete_my_commands(language_code="ko") is True
    assert await bot.get_my_commands(language_code="ko") == ()


async def test_webhook_blocks_polling_until_deleted(fake, bot):
    fake.push_update({})
    assert await bot.set_webhook("https://example.invalid/hook") is True
    assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.get_updates() == ()
    assert await bot.close() is True and await bot.log_out() is True


async def test_wrong_token_raises_invalid_token(fake):
    with pytest.raises(InvalidToken, match="was rejected by the server"):  # PTB's words for a 401
        async with Bot("999:WRONG", base_url=fake.base_url):
            pass
    assert fake.calls_to("getMe")[0].status == 401


async def test_json_bodies_and_unknown_methods(fake):
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.base_url}{fake.token}/SENDMESSAGE",
                                json={"chat_id": PRIVATE, "text": "via JSON"}) as response:
            body = await response.json()
        assert body["ok"] is True and body["result"]["text"] == "via JSON"
        async with session.post(f"{fake.base_url}{fake.token}/sendSticker") as response:
            assert (response.status, await response.json()) == (
                404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert fake.sent_messages() == [{"chat_id": PRIVATE, "text": "via JSON"}]


async def test_a_polling_application_answers_a_pushed_command(fake):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Reply to /start."""
        await update.effective_chat.send_message("welcome")

    application = Application.builder().token(fake.token).base_url(fake.base_url).build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        await application.updater.start_polling(drop_pending_updates=True)
        await fake.wait_for_call("getUpdates")  # polling, so the update is not dropped
        fake.push_update({"message": {
            "message_id": 1, "date": 0, "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "chat": {"id": PRIVATE, "type": "private"}, "from": {"id": PRIVATE, "is_bot": False, "first_name": "Ann"}}})
        await fake.wait_for_call("sendMessage")
        await application.updater.stop()
        await application.stop()
    assert [(m["chat_id"], m["text"]) for m in fake.sent_messages()] == [(PRIVATE, "welcome")]
    assert fake.calls_to("deleteWebhook")[0].params == {"drop_pending_updates": True}
