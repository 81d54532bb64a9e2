"""Progress of long work on a terminal (`push` over thousands of chats, `db backup` of a large file): rich's
progress bar with what is done, failed and left, the rate and the time left. Piped, it shows nothing,
and the command prints its one summary line at the end, so scripts read one line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, \
    TimeRemainingColumn
from rich.text import Text


class _Rate(ProgressColumn):
    """Items per second."""

    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:,.0f} {self.unit}/s")


@contextmanager
def progress_bar(description: str, unit: str, out: TextIO, terminal: bool | None = None,
                 ) -> Iterator[Callable[..., None]]:
    """Yields `update(done, total, failed=0)`, drawn on `out` when it is a terminal (or `terminal` says
    so); a no-op when piped."""
    if not (out.isatty() if terminal is None else terminal):
        yield lambda done, total, failed=0: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[failed]} failed, {task.fields[left]} left"), _Rate(unit),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(file=out, force_terminal=True)) as progress:
        task = progress.add_task(description, total=None, failed=0, left="?")

        def update(done: int, total: int, failed: int = 0) -> None:
            progress.update(task, completed=done, total=total, failed=failed, left=max(total - done, 0))

        yield update
