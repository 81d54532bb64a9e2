"""`python -m bot run` as the host runs it: a subprocess talking to the fake Bot API, stopped with SIGTERM."""

import asyncio
import os
import signal
import sys

from conftest import PROJECT_ROOT
from fakes.telegram_api import FakeTelegramAPI
from test_telegram_bot import PRIVATE, command


async def test_run_registers_commands_answers_quiz_and_stops_cleanly_on_sigterm(tmp_path):
    async with FakeTelegramAPI(enforce_limits=False) as fake:
        env = {**os.environ, "DRILL_DB": str(tmp_path / "drill.db"), "TELEGRAM_BOT_TOKEN": fake.token,
               "TELEGRAM_API_BASE_URL": fake.base_url}
        for name in ("SLACK_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "DRILL_CONFIG"):
            env.pop(name, None)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_for_call("getUpdates", timeout=30)
            assert {c["command"] for c in fake.commands_for("ko")} >= {"quiz", "streak", "subscribe"}
            assert fake.commands_for("en") and fake.commands_for("")

            fake.push_update(command(PRIVATE, 42, "/quiz"))
            (sent,) = await fake.wait_for_call("sendMessage", timeout=30)
            assert sent.params["chat_id"] == PRIVATE and "reply_markup" in sent.params

            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr, stderr.decode()
