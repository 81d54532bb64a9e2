"""Long work shows its progress on a terminal, and nothing but its summary line when piped."""

import io
import re

from bot.terminal_progress import progress_bar


def test_on_a_terminal_the_bar_shows_done_failed_left_and_rate():
    out = io.StringIO()
    with progress_bar("pushing", "chats", out, terminal=True) as update:
        update(0, 10_000)
        update(2_500, 10_000, failed=3)
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    assert "pushing" in shown and "2500/10000" in shown and "3 failed, 7500 left" in shown and "chats/s" in shown


def test_piped_nothing_is_drawn():
    out = io.StringIO()
    with progress_bar("pushing", "chats", out) as update:  # a StringIO is no terminal
        update(5, 10)
    assert out.getvalue() == ""
