"""The terminal chat's rendering: plain text when piped (golden outputs), rich in a real terminal (tmux)."""

import io
import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from cli import PROJECT_ROOT, run_bot, schedule_settings
from wcwidth import width

from bot.adapters.console_render import ConsoleOutput, plain_text

NOTES = """## Containers

### Q1. How do a process and a thread differ?

#### Answer

A **process** owns its memory while a *thread* shares it with the other threads of its process; run `ps -T` to see them.

| Kind | Memory | 비용 |
|---|---|---|
| process | own | 높음 |
| thread | shared | 낮음 |

```python
import threading
threading.Thread(target=print).start()
```
"""


# -- plain text ---------------------------------------------------------------


def test_a_table_with_hangul_cells_is_aligned_by_display_width():
    out = plain_text("| 구분 | 프로세스 | 수 |\n|---|---|--:|\n| 메모리 | 독립 | 1 |\n| thread | 공유된 **것** | 100 |")
    assert out.split("\n") == [
        "구분    프로세스    수",
        "------  ---------  ---",
        "메모리  독립         1",
        "thread  공유된 것  100",
    ]
    # Every row's second column starts at the same screen column, Hangul counting two.
    second = zip(out.split("\n"), ["프로세스", "---------", "독립", "공유된"])
    assert [width(line[: line.index(cell)]) for line, cell in second] == [8, 8, 8, 8]


def test_bold_followed_by_a_hangul_particle_shows_no_markers():
    out = plain_text("**Pod**는 가장 작은 단위이고, **레이어**라는 말과 *이미지*를 `docker build`로 만듭니다.")
    assert out == "Pod는 가장 작은 단위이고, 레이어라는 말과 이미지를 docker build로 만듭니다."


def test_a_nested_list_with_a_code_block_stays_inside_its_item():
    source = "1. Build\n   - run `docker build`:\n\n     ```sh\n     docker build -t app .\n     ```\n   - tag it\n2. Push\n"
    assert plain_text(source).split("\n") == [
        "1. Build",
        "   - run docker build:",
        "         docker build -t app .",
        "   - tag it",
        "2. Push",
    ]


def test_a_link_shows_its_text_and_its_url():
    out = plain_text("See [the docs](https://docs.docker.com/) or <https://kubernetes.io>.")
    assert out == "See the docs (https://docs.docker.com/) or https://kubernetes.io."


def test_an_image_shows_its_alt_text():
    assert plain_text("![Pod **lifecycle**](img/pod.png)") == "Pod lifecycle"
    assert plain_text("![logo](https://example.com/logo.png)") == "logo (https://example.com/logo.png)"


def test_html_left_in_an_answer_shows_its_text_without_tags():
    out = plain_text("<details><summary>힌트</summary>\n\n<b>굵게</b> 쓴 답<br>다음 줄 &amp; 끝\n\n</details>")
    assert out.split("\n") == ["힌트", "", "굵게 쓴 답", "다음 줄 & 끝"]
    assert "<" not in out


def test_chat_line_breaks_are_kept_in_both_modes():
    source = "Commands\n`/quiz` practice\n<b>bold</b> and <https://a.example>"
    assert plain_text(source) == "Commands\n/quiz practice\nbold and https://a.example"
    terminal = ConsoleOutput(io.StringIO(), terminal=True, width=40)
    terminal.markdown(source)
    drawn = [line.rstrip() for line in re.sub(r"\x1b\[[0-9;]*m", "", terminal.out.getvalue()).split("\n")]
    assert drawn[:3] == ["Commands", "/quiz practice", "bold and https://a.example"]


# -- the chat, piped and in a real terminal -----------------------------------


def _chat_environment(tmp_path) -> dict:
    """The chat on a temporary store and the notes above, with nothing due while the test runs."""
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES)
    return {**schedule_settings(tmp_path, due_in=timedelta(hours=2)), "DRILL_CONTENT": str(notes)}


def test_the_answer_piped_is_plain_text(tmp_path):
    result = run_bot(tmp_path / "drill.db", "chat", stdin="/quiz\n/answer\n", env=_chat_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Kind     Memory  비용\n-------  ------  ----\nprocess  own     높음\nthread   shared  낮음" in out
    assert "    import threading\n    threading.Thread(target=print).start()" in out
    assert "A process owns its memory while a thread shares it" in out
    for markup in ("**", "`", "| Kind", "|---", "```"):
        assert markup not in out
    assert not re.search(r"^> ", out, re.MULTILINE)  # no prompt when piped


class Tmux:
    """One tmux server of our own (its own socket), so the test never touches a user's sessions.

    The pane's output is also piped into a FIFO that the test holds open: waiting for the screen to
    change is waiting for bytes on it (select), never sleeping."""

    def __init__(self, socket: str, env: dict, fifo: Path):
        self.base = ["tmux", "-L", socket, "-f", os.devnull]
        self.env = env
        os.mkfifo(fifo)
        self.fifo = fifo
        self.output = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # read-write: never an EOF between writes

    def run(self, *args: str) -> str:
        """One tmux command; its output."""
        done = subprocess.run([*self.base, *args], env=self.env, capture_output=True, text=True, timeout=10, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self, command: str, columns: int) -> None:
        """`command` in a new pane, started only once its output is piped to the FIFO."""
        held = f"{shlex.join([*self.base, 'wait-for', 'go'])}; exec {command}"
        self.run("new-session", "-d", "-s", "drill", "-x", str(columns), "-y", "40", "-c", str(PROJECT_ROOT), held)
        self.run("pipe-pane", "-t", "drill", "-o", f"cat > {shlex.quote(str(self.fifo))}")
        self.run("wait-for", "-S", "go")

    def pane(self) -> str:
        """The pane with its history; -J joins lines tmux itself wrapped, so only the program's breaks remain."""
        return self.run("capture-pane", "-p", "-J", "-S", "-", "-t", "drill")

    def wait_for(self, ready, seconds: float = 15) -> str:
        """The pane once `ready(pane)`, looked at again each time the program writes; the last pane seen
        in the failure message."""
        deadline = time.monotonic() + seconds
        while not ready(pane := self.pane()):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out; the pane shows:\n{pane}"
            if select.select([self.output], [], [], remaining)[0]:
                os.read(self.output, 65536)
        return pane

    def close(self) -> None:
        """Stop the server and let go of the FIFO."""
        subprocess.run([*self.base, "kill-server"], env=self.env, capture_output=True, timeout=10, check=False)
        os.close(self.output)


def _prompt_waits(pane: str) -> bool:
    lines = [line for line in pane.split("\n") if line.strip()]
    return bool(lines) and lines[-1].rstrip() == ">"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: no real terminal to test in")
def test_the_answer_in_a_real_terminal_is_drawn_by_rich(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "DRILL_", "TMUX"))}
    env.update({"DRILL_DB": str(tmp_path / "drill.db"), "LANG": "C.UTF-8", **_chat_environment(tmp_path)})
    tmux = Tmux(f"drill-test-{os.getpid()}", env, tmp_path / "pane.fifo")
    columns = 72
    try:
        tmux.start(shlex.join([sys.executable, "-m", "bot", "chat"]), columns)
        tmux.wait_for(lambda pane: "Subscribed" in pane and _prompt_waits(pane))
        tmux.run("send-keys", "-t", "drill", "/quiz", "Enter")
        tmux.wait_for(lambda pane: "to reveal" in pane and _prompt_waits(pane))
        tmux.run("send-keys", "-t", "drill", "/answer", "Enter")
        pane = tmux.wait_for(lambda pane: "How did you do?" in pane and _prompt_waits(pane))
    finally:
        tmux.close()

    lines = pane.split("\n")
    header = next(line for line in lines if "Kind" in line)
    assert "Memory" in header and "비용" in header
    assert any(set(line.strip()) == {"─"} for line in lines), "no box-drawn rule under the table's header"
    assert any(line.strip() == "threading.Thread(target=print).start()" for line in lines)  # code, no fences
    for markup in ("**", "```", "|---"):
        assert markup not in pane
    assert "`ps -T`" not in pane and "ps -T" in pane
    # rich wrapped the long sentence to the pane's width itself (-J would have joined tmux's own wraps).
    assert all(width(line) <= columns for line in lines)
    assert any(line.startswith("> ") or line == ">" for line in lines)  # the prompt is shown
