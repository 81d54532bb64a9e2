"""Benchmark of the notes parser: 10,000 questions of mixed formats, generated in memory.

Run as `python tests/bench/bench_parser.py [questions]`. Goal: well under 1 s on one core.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.core.content import merge_notes, parse_notes  # noqa: E402
from bot.core.markdown import parse_markdown  # noqa: E402

FILES = 20
REPEATS = 5


def heading_with_fence(n: int) -> str:
    return (f"#### 쿠버네티스 질문 {n}번: 파드와 노드의 관계는?\n\n```\n"
            f"파드는 노드 위에서 실행된다. 노드는 kubelet이 관리한다 ({n}).\n\n"
            "스케줄러가 리소스 요구 사항을 보고 노드를 고른다.\n```\n\n")


def heading_with_markdown(n: int) -> str:
    return (f"## How do you build Docker image {n}?\n"
            "Write a `Dockerfile`, then run **docker build**:\n\n"
            "```bash\n# build and tag\ndocker build -t app:latest .\n```\n\n"
            "### Example\n- keep layers small\n- pin base images\n\n")


def details_block(n: int) -> str:
    return (f"<details>\n<summary>What does the registry {n} store?</summary>\n\n"
            "Images, by <b>name</b> and tag.<br>\nPrivate registries need credentials.\n</details>\n\n")


def label_details(n: int) -> str:
    return (f"컨테이너 {n}의 생명주기는?\n<details><summary>답변</summary>\n\n"
            "생성, 시작, 실행, 일시 중지, 종료, 삭제.\n</details>\n\n")


def q_and_a(n: int) -> str:
    return (f"**Q:** What is etcd used for ({n})?\n**A:** A key-value store for cluster state.\n"
            "It must be backed up.\n\n")


FORMATS = (heading_with_fence, heading_with_markdown, details_block, label_details, q_and_a)


def generate(questions: int) -> list[tuple[str, str]]:
    """(path, text) for FILES notes files holding `questions` questions in rotating formats."""
    per_file = -(-questions // FILES)
    files = []
    for number in range(FILES):
        start = number * per_file
        parts = [FORMATS[n % len(FORMATS)](n) for n in range(start, min(start + per_file, questions))]
        files.append((f"content/bench_{number:02}.md", "---\nlanguage: en\n---\n" + "".join(parts)))
    return files


def main() -> None:
    questions = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    files = generate(questions)
    lines = sum(text.count("\n") for _, text in files)
    timings = []
    for _ in range(REPEATS):  # one process, one thread: this measures one core
        started = time.perf_counter()
        bank = merge_notes(parse_notes(text, path) for path, text in files)
        timings.append(time.perf_counter() - started)
    assert len(bank.questions) == questions and not bank.warnings, (len(bank.questions), bank.warnings[:3])
    best = min(timings)
    parse_only = []
    for _ in range(REPEATS):  # markdown-it-py's block parse alone: the floor under the reader's walk
        started = time.perf_counter()
        for _path, text in files:
            parse_markdown(text, front_matter=True, inline=False)
        parse_only.append(time.perf_counter() - started)
    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(f"parsed {len(bank.questions):,} questions ({lines:,} lines in {len(files)} files): "
          f"first run {timings[0]:.3f} s, best of {REPEATS} {best:.3f} s = "
          f"{len(bank.questions) / best:,.0f} questions/s ({'under' if timings[0] < 1 else 'OVER'} 1 s)")
    print(f"of which markdown-it-py's block parse alone: best of {REPEATS} {min(parse_only):.3f} s")


if __name__ == "__main__":
    main()
