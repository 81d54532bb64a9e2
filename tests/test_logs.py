"""Logs for the people who run the bot: one line per event, JSON on request, the chat and delivery as
fields, and no secret from the settings in any line, a library's and a traceback's included."""

import io
import json
import logging

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import LineFormatter, configure_logging

TOKEN = "123456:AAEhBP0av28lkzfZ3kBvDz9uU-Ff1cW3kCI"
ENV = {"TELEGRAM_BOT_TOKEN": TOKEN, "SLACK_BOT_TOKEN": "xoxb-1-2-abcdefghijkl", "SLACK_SIGNING_SECRET": "s" * 32}


def logged(settings, emit) -> list[str]:
    """What `emit(logger)` writes through the bot's logging setup."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging(settings, logging.INFO)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    try:
        emit(logging.getLogger("telegram.ext.ExtBot"))
    finally:
        root.handlers[:], root.level = saved
    return stream.getvalue().splitlines()


def boom(logger) -> None:
    logger.warning("send failed: %s", "Forbidden", extra={"chat": "telegram:-100", "delivery": 7})
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage\nrefused")
    except RuntimeError:
        logger.exception("request to %s failed", f"https://api.telegram.org/bot{TOKEN}/getMe")


def test_json_lines_carry_the_chat_and_delivery_and_hide_every_secret(tmp_path):
    lines = logged(load_settings({**ENV, "LOG_FORMAT": "json", "DRILL_DB": str(tmp_path / "d.db")}), boom)
    assert len(lines) == 2 and TOKEN not in "\n".join(lines)
    first, second = map(json.loads, lines)
    assert (first["level"], first["logger"], first["message"]) == ("WARNING", "telegram.ext.ExtBot", "send failed: Forbidden")
    assert (first["chat"], first["delivery"]) == ("telegram:-100", 7) and "error" not in first
    assert second["message"] == "request to https://api.telegram.org/bot***/getMe failed"
    assert "RuntimeError" in second["error"] and "bot***/sendMessage" in second["error"]


def test_text_lines_are_one_line_per_event_even_with_a_traceback(tmp_path):
    lines = logged(load_settings({**ENV, "DRILL_DB": str(tmp_path / "d.db")}), boom)
    assert len(lines) == 2 and TOKEN not in "\n".join(lines)
    assert lines[0].endswith("WARNING telegram.ext.ExtBot: send failed: Forbidden chat=telegram:-100 delivery=7")
    assert "Traceback (most recent call last): | " in lines[1] and " | refused" in lines[1]


def test_a_short_value_is_never_masked_and_a_bad_format_is_refused(tmp_path):
    formatter = LineFormatter(json_lines=False, secrets=("abc", "x" * 8))
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "abc and xxxxxxxx", None, None)
    assert formatter.format(record).endswith("bot: abc and ***")
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        load_settings({"LOG_FORMAT": "xml"})
