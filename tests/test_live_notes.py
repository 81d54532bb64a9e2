"""Notes followed while the bot runs: an edited notes file adds, changes and retires questions at the next
sweep, with no restart; a file caught half-written, emptied or not UTF-8 keeps its last good reading."""

import asyncio
import logging
import os

from apscheduler.events import EVENT_JOB_EXECUTED

from bot.app import build_app
from bot.config import load_settings
from bot.scheduler import start_scheduler, stop_scheduler

POD = "## 파드란?\n\n가장 작은 배포 단위.\n\n"
NODE = "## 노드란?\n\n파드가 실행되는 머신.\n\n"
ETCD = "## etcd란?\n\n클러스터 상태를 담는 키-값 저장소.\n\n"
SERVICE = "## 서비스란?\n\n파드 묶음의 고정된 주소.\n\n"


def write(path, text: str | bytes, tick: list[int] = [0]) -> None:  # noqa: B006 - a shared counter on purpose
    """Write a notes file and move its modification time on, as an editor saving it later would."""
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    tick[0] += 1
    stamp = 1_800_000_000 + tick[0]
    os.utime(path, (stamp, stamp))


def active(app) -> dict[str, str]:
    """The active questions and their answers."""
    rows = (app.store.bank.question(qid) for qid in app.store.bank.active_question_ids())
    return {row["question"]: row["answer"] for row in rows}


def notes_app(tmp_path, now):
    folder = tmp_path / "notes"
    folder.mkdir()
    write(folder / "a.md", POD + NODE)
    write(folder / "b.md", ETCD)
    app = build_app(load_settings({"DRILL_DB": str(tmp_path / "drill.db"), "DRILL_CONTENT": str(folder)}), now)
    return app, folder


async def test_an_edited_file_adds_changes_and_retires_questions(tmp_path, now):
    app, folder = notes_app(tmp_path, now)
    try:
        assert await app.refresh_notes(now) is None  # nothing changed: nothing read
        write(folder / "a.md", NODE.replace("머신", "워커 머신") + SERVICE)
        report = await app.refresh_notes(now)
        assert (report.added, report.updated, report.retired) == (1, 1, 1)
        assert active(app) == {"노드란?": "파드가 실행되는 워커 머신.", "etcd란?": "클러스터 상태를 담는 키-값 저장소.",
                               "서비스란?": "파드 묶음의 고정된 주소."}
        write(folder / "c.md", POD)  # a new file
        (folder / "b.md").unlink()  # a file removed takes its questions with it
        report = await app.refresh_notes(now)
        assert (report.added, report.updated, report.retired) == (0, 1, 1)  # 파드란? is back, under its old id
        assert set(active(app)) == {"노드란?", "서비스란?", "파드란?"}
    finally:
        app.close()


async def test_a_file_emptied_or_not_utf8_keeps_its_questions_and_is_logged_once(tmp_path, now, caplog):
    app, folder = notes_app(tmp_path, now)
    caplog.set_level(logging.WARNING, logger="bot.app")
    try:
        before = active(app)
        write(folder / "b.md", "")  # caught half-written: an editor truncates before it writes
        assert await app.refresh_notes(now) is not None and active(app) == before
        write(folder / "a.md", POD + NODE + SERVICE)  # another file changes; b.md is still empty
        await app.refresh_notes(now)
        assert set(active(app)) == set(before) | {"서비스란?"}
        write(folder / "b.md", b"## etcd\xff\xfe?\n")  # saved in another encoding
        await app.refresh_notes(now)
        assert "etcd란?" in active(app)
        messages = [record.getMessage() for record in caplog.records]
        assert sum("no questions found" in message for message in messages) == 1
        assert sum("not valid UTF-8" in message for message in messages) == 1
        assert all("last good reading stands" in message for message in messages)

        write(folder / "b.md", ETCD.replace("키-값", "분산 키-값"))  # saved whole again
        await app.refresh_notes(now)
        assert active(app)["etcd란?"] == "클러스터 상태를 담는 분산 키-값 저장소."
    finally:
        app.close()


async def test_the_scheduler_tick_reads_changed_notes_before_its_sweep(tmp_path, now):
    app, folder = notes_app(tmp_path, now)
    delivery = app.delivery({}, lambda: now)
    write(folder / "b.md", ETCD + SERVICE)  # while the bot runs, before its next tick
    executed = asyncio.Event()
    scheduler = start_scheduler(delivery, tick_seconds=3600)
    scheduler.add_listener(lambda event: executed.set(), EVENT_JOB_EXECUTED)
    try:
        await asyncio.wait_for(executed.wait(), 10)
        assert "서비스란?" in active(app)
    finally:
        await stop_scheduler(scheduler, delivery)
        app.close()


async def test_notes_that_all_disappear_retire_nothing(tmp_path, now, caplog):
    app, folder = notes_app(tmp_path, now)
    try:
        before = active(app)
        for file in folder.iterdir():  # a checkout in the middle of replacing the folder
            file.unlink()
        assert await app.refresh_notes(now) is None
        assert active(app) == before and "no notes files" in caplog.text
    finally:
        app.close()
