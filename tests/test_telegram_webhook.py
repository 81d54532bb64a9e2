"""Telegram webhook mode: updates POSTed to our one HTTP server, let in only with the secret token."""

from contextlib import AsyncExitStack

import aiohttp
import pytest

from bot.app import build_app
from bot.config import load_settings
from bot.platforms import open_platforms
from factories import store_snapshot
from fakes.telegram_api import FakeTelegramAPI
from test_telegram_bot import NOW, PRIVATE, command

SECRET = "s3cret-token_for-tests"
HOOK_URL = "https://drill.example.org/hooks/telegram"


@pytest.fixture
async def webhook(tmp_path):
    """The bot in webhook mode on a free port, its Bot API calls going to the fake."""
    fake = FakeTelegramAPI(enforce_limits=False)
    await fake.start()
    env = {"DRILL_DB": str(tmp_path / "drill.db"), "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_WEBHOOK_URL": HOOK_URL,
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "PORT": "0"}
    app = build_app(load_settings(env), NOW)
    async with AsyncExitStack() as stack:
        platforms = await open_platforms(app, lambda: NOW, stack, listen=True)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{platforms.server.port}") as http:
            yield fake, app, http
    app.close()
    await fake.stop()


async def test_the_webhook_is_registered_with_its_secret_and_polling_is_off(webhook):
    fake, _, http = webhook
    (registered,) = fake.calls_to("setWebhook")
    assert registered.params["url"] == HOOK_URL and registered.params["secret_token"] == SECRET
    assert fake.calls_to("getUpdates") == []
    async with http.get("/healthz") as response:
        assert response.status == 200


async def test_an_update_with_the_right_secret_is_processed(webhook):
    fake, app, http = webhook
    update = {"update_id": 1, **command(PRIVATE, 42, "/subscribe 09:00 Asia/Seoul")}
    async with http.post("/hooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
        assert r.status == 200
    await fake.wait_for_call("sendMessage")
    assert app.store.chats.chat(f"telegram:{PRIVATE}")["status"] == "active"


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                     {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]}])
async def test_a_wrong_or_missing_secret_gets_403_and_changes_nothing(webhook, headers):
    fake, app, http = webhook
    before = store_snapshot(app.store)
    update = {"update_id": 2, **command(PRIVATE, 42, "/subscribe 09:00 Asia/Seoul")}
    async with http.post("/hooks/telegram", json=update, headers=headers) as response:
        assert response.status == 403
    assert store_snapshot(app.store) == before
    # Updates start in the order they arrive: once an update let in after the refused one is
    # answered, the refused one would have been handled too, had it got in.
    async with http.post("/hooks/telegram", json={"update_id": 3, **command(PRIVATE, 42, "/help")},
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        assert response.status == 200
    await fake.wait_for_call("sendMessage")
    assert len(fake.calls_to("sendMessage")) == 1
    assert app.store.chats.chat(f"telegram:{PRIVATE}")["status"] == "new"


async def test_a_body_that_is_not_an_update_gets_400(webhook):
    _, _, http = webhook
    async with http.post("/hooks/telegram", data=b"\xff{not json",
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        assert response.status == 400
