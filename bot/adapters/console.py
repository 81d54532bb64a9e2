"""The terminal chat: one local chat and member on the same engine, store and scheduler as the platforms.

Reads commands line by line (a TTY or a pipe), prints replies, and shows the daily question when it
falls due while the chat is open. `/answer` and `/grade` act on the most recent question shown.
Replies are drawn by rich on a terminal and printed as plain text when piped (console_render); an
interactive session shows a prompt.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TextIO

from bot.adapters.console_render import ConsoleOutput
from bot.app import App
from bot.core.commands import parse_command
from bot.core.messages import text
from bot.core.progress import GRADES
from bot.core.replies import Button, ChatRef, MemberRef, Reply
from bot.scheduler import start_scheduler, stop_scheduler

GRADE_SHORTCUTS = {"1": "knew", "2": "partly", "3": "missed"}
_RESCHEDULING = ("subscribe", "schedule")
PROMPT = "> "
# Platform texts that speak of buttons, and what the terminal says instead.
_CONSOLE_TEXTS = {"stale_button": "console_question_gone"}


class ConsoleChat:
    """One terminal conversation: prints replies and remembers the buttons of the latest question."""

    def __init__(self, app: App, out: TextIO, clock: Callable[[], datetime], prompt: str = "",
                 terminal: bool | None = None):
        settings = app.settings
        self.app = app
        self.out = out
        self.output = ConsoleOutput(out, terminal)
        self.clock = clock
        self.prompt = prompt  # "" when piped: a prompt would only clutter what a script reads
        self.at_prompt = False  # the prompt is on screen and nothing was typed since
        self.chat = ChatRef(f"console:{settings.console_chat_id}", "console", "console", "console")
        self.member = MemberRef(f"console:{settings.console_member_id}", settings.console_member_name, is_admin=True)
        self.reveal: Button | None = None
        self.grades: dict[str, Button] = {}
        self.practice: list[Button] = []  # the practice buttons of the last list shown (/weak)
        self.language = app.settings.default_language  # the chat's, as of the last line handled

    def show(self, replies: list[Reply]) -> None:
        """Print replies; a question's or answer's buttons become what /answer and /grade press."""
        if self.at_prompt:
            self.out.write("\r\x1b[2K")  # a daily question came while the prompt waited: redraw it below
            self.at_prompt = False
        for reply in replies:
            self.output.markdown(reply.text.rstrip())
            if reply.calendar is not None:
                self.output.calendar(reply.calendar)
            if reply.kind == "question":
                self.reveal = next((b for b in reply.buttons if b.role == "reveal"), None)
                self.grades = {}
                self.output.markdown(text(self.language, "console_hint"), dim=True)
            elif reply.kind == "answer":
                self.grades = {b.role: b for b in reply.buttons if b.role in GRADES}
            if any(b.role == "practice" for b in reply.buttons):
                self.practice = [b for b in reply.buttons if b.role == "practice"]
                self.output.markdown(text(self.language, "console_practice_hint", n=len(self.practice)), dim=True)
            self.out.write("\n")
        if self.prompt:
            self.out.write(self.prompt)
            self.at_prompt = True
        self.out.flush()

    async def send_daily(self, chat: dict, replies: list[Reply]) -> str | None:
        """The scheduler's Sender: the daily question appears in the terminal."""
        self.language = chat["language"]
        self.show(replies)
        return f"console:{replies[-1].delivery_id}" if replies else None

    async def send_reminder(self, pending: dict, reply: Reply) -> None:
        """A reminder appears in the terminal, its Show answer button behind `/answer`."""
        self.show([replace(reply, kind="question")])

    def subscribe_if_new(self) -> list[Reply]:
        """The first start subscribes the local chat to the default schedule."""
        return self.app.drill.subscribe_if_new(self.chat, self.member, self.clock())

    def handle(self, line: str) -> list[Reply]:
        """One typed line -> the replies to print (store work: run it in a store thread)."""
        replies = self._answer(line)
        self.language = self.app.drill.language(self.chat.key)
        return [self._in_terminal_words(reply) for reply in replies]

    def _in_terminal_words(self, reply: Reply) -> Reply:
        """A reply that speaks of buttons, in the terminal's words."""
        for key, console_key in _CONSOLE_TEXTS.items():
            if reply.text == text(self.language, key):
                return Reply(text(self.language, console_key))
        return reply

    def _answer(self, line: str) -> list[Reply]:
        now = self.clock()
        typed = line.strip()
        lang = self.language
        if not typed:
            return []
        command = parse_command(typed)
        if typed in GRADE_SHORTCUTS or (command and command.name == "grade"):
            grade = GRADE_SHORTCUTS.get(typed) or (command.args[0].lower() if command.args else "")
            if grade not in GRADES:
                return [Reply(text(lang, "console_bad_grade"))]
            if grade not in self.grades:
                key = "console_reveal_first" if self.reveal else "console_nothing_shown"
                return [Reply(text(lang, key))]
            return self.app.drill.action(self.chat, self.member, self.grades[grade].payload, now)
        if command and command.name == "answer":
            if self.reveal is None:
                return [Reply(text(lang, "console_nothing_shown"))]
            return self.app.drill.action(self.chat, self.member, self.reveal.payload, now)
        if command and command.name == "practice":
            number = command.args[0] if command.args else ""
            if not number.isdigit() or not 1 <= int(number) <= len(self.practice):
                return [Reply(text(lang, "console_bad_practice", n=max(len(self.practice), 1)))]
            return self.app.drill.action(self.chat, self.member, self.practice[int(number) - 1].payload, now)
        if command is None:
            return [Reply(text(lang, "console_hint"))]
        return self.app.drill.command(self.chat, self.member, typed, now)


def _read_lines(queue: asyncio.Queue, loop: asyncio.AbstractEventLoop, stdin: TextIO) -> None:
    """A daemon thread feeding stdin lines to the event loop (None at end of input); it never blocks exit."""
    for line in iter(stdin.readline, ""):
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def run_console(app: App, clock: Callable[[], datetime], stdin: TextIO = sys.stdin,
                      out: TextIO = sys.stdout) -> int:
    """The console chat until end of input or /quit; returns the exit status."""
    interactive = stdin.isatty() and out.isatty()
    console = ConsoleChat(app, out, clock, prompt=PROMPT if interactive else "")
    delivery = app.delivery({"console": console}, clock)
    console.language = await app.run(app.drill.language, console.chat.key)
    console.show([Reply(text(console.language, "console_welcome"))])
    console.show(await app.run(console.subscribe_if_new))
    await delivery.sweep(clock())  # catch up on a question that fell due while the chat was closed
    scheduler = start_scheduler(delivery, run_now=False)
    queue: asyncio.Queue = asyncio.Queue()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, queue.put_nowait, None)  # leave like end of input
    threading.Thread(target=_read_lines, args=(queue, loop, stdin), daemon=True).start()
    try:
        while (line := await queue.get()) is not None:
            console.at_prompt = False  # Enter moved the cursor past the prompt
            if line.strip() in ("/quit", "/exit"):
                break
            console.show(await app.run(console.handle, line))
            command = parse_command(line)
            if command and command.name in _RESCHEDULING:
                await delivery.sweep(clock())  # a new schedule may already be due
    finally:
        await stop_scheduler(scheduler, delivery)
        if console.at_prompt:
            out.write("\n")  # end of input or Ctrl-C at the prompt: give the shell a fresh line
            out.flush()
    return 0
