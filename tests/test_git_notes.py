"""Notes from a git repository: a local bare repository (file://) as the remote. A new commit's question
is asked by /quiz after one pull, a force-push that drops a question retires it, and an unreachable
remote keeps the last copy serving, logged once; a token never shows."""

import io
import logging
import shutil
from datetime import timedelta

import pytest
from dulwich import porcelain

from bot.app import StartupError, build_app
from bot.config import ConfigError, load_settings
from bot.core.replies import ChatRef, MemberRef
from bot.status import bot_status

ME = MemberRef("console:me", "me")
CHAT = ChatRef("console:local", "console", "private", "me")
POD = "---\ntopic: k8s\n---\n## 파드란?\n\n가장 작은 배포 단위.\n"
REBASE = "---\ntopic: git\n---\n## rebase와 merge의 차이는?\n\nrebase는 커밋을 다시 쓰고, merge는 합치는 커밋을 만든다.\n"


class Remote:
    """A bare repository and a working copy that pushes to it."""

    def __init__(self, folder):
        self.bare = folder / "notes.git"
        porcelain.init(str(self.bare), bare=True).close()
        self.work = porcelain.init(str(folder / "work"))
        self.first: bytes | None = None

    @property
    def url(self) -> str:
        return f"file://{self.bare}"

    def commit(self, files: dict[str, str | None], force: bool = False) -> None:
        """Write (or, with None, delete) files, commit them and push to the remote's main branch."""
        root = self.work.path
        for name, text in files.items():
            path = f"{root}/{name}"
            if text is None:
                porcelain.remove(self.work, [path])
            else:
                with open(path, "w", encoding="utf-8") as file:
                    file.write(text)
                porcelain.add(self.work, [path])
        commit = porcelain.commit(self.work, message=b"notes", author=b"A <a@example.com>",
                                  committer=b"A <a@example.com>")
        self.first = self.first or commit
        porcelain.push(self.work, str(self.bare), b"HEAD:refs/heads/main", force=force,
                       outstream=io.BytesIO(), errstream=io.BytesIO())

    def rewrite(self, files: dict[str, str]) -> None:
        """History rewritten: back to the first commit, new files on it, force-pushed."""
        porcelain.reset(self.work, "hard", self.first)
        self.commit(files, force=True)


@pytest.fixture
def remote(tmp_path):
    made = Remote(tmp_path)
    made.commit({"pod.md": POD})
    yield made
    made.work.close()


def settings_for(tmp_path, url: str, env: dict | None = None, extra: str = ""):
    config = tmp_path / "settings.toml"
    config.write_text(f'[content]\ngit = "{url}"\nbranch = "main"\npull_every_minutes = 10\n{extra}')
    return load_settings({"DRILL_CONFIG": str(config), "DRILL_DB": str(tmp_path / "data" / "drill.db"), **(env or {})})


def quiz(app, topic: str, now) -> str:
    return app.drill.command(CHAT, ME, f"/quiz {topic}", now)[0].text


def active(app) -> set[str]:
    return {app.store.bank.question(qid)["question"] for qid in app.store.bank.active_question_ids()}


async def test_a_new_commit_is_asked_after_one_pull_and_a_force_push_retires_what_it_dropped(tmp_path, remote, now):
    app = build_app(settings_for(tmp_path, remote.url), now)
    try:
        assert (tmp_path / "data" / "notes-git" / "pod.md").is_file() and active(app) == {"파드란?"}
        remote.commit({"rebase.md": REBASE})
        assert await app.refresh_notes(now + timedelta(minutes=9)) is None  # the pull is not due yet
        report = await app.refresh_notes(now + timedelta(minutes=10))
        assert report.added == 1 and "rebase와 merge의 차이는?" in quiz(app, "git", now)

        remote.rewrite({"service.md": POD.replace("파드", "서비스")})  # rebase.md is gone from history
        report = await app.refresh_notes(now + timedelta(minutes=20))
        assert (report.added, report.retired) == (1, 1) and active(app) == {"파드란?", "서비스란?"}
        git = bot_status(app.store, app.settings, now)["notes"]["git"]
        assert git["commit"] == remote.work.head().decode() and git["error"] is None
        assert git["pulled_at"] == (now + timedelta(minutes=20)).isoformat()
    finally:
        app.close()


async def test_an_unreachable_remote_keeps_the_last_copy_and_is_logged_once(tmp_path, remote, now, caplog):
    app = build_app(settings_for(tmp_path, remote.url), now)
    caplog.set_level(logging.INFO, logger="bot.git_notes")
    try:
        hidden = tmp_path / "elsewhere.git"
        shutil.move(remote.bare, hidden)  # the host is down
        for minutes in (10, 20, 30):
            await app.refresh_notes(now + timedelta(minutes=minutes))
        assert active(app) == {"파드란?"} and "파드란?" in quiz(app, "k8s", now)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "the last copy stands" in warnings[0].getMessage()
        assert bot_status(app.store, app.settings, now)["notes"]["git"]["error"]

        shutil.move(hidden, remote.bare)
        remote.commit({"rebase.md": REBASE})
        await app.refresh_notes(now + timedelta(minutes=40))
        assert "rebase와 merge의 차이는?" in active(app)
        assert bot_status(app.store, app.settings, now)["notes"]["git"]["error"] is None
        assert "reachable again" in caplog.text
    finally:
        app.close()


def test_a_first_start_that_cannot_clone_says_why_and_never_shows_the_token(tmp_path, now, caplog):
    secret = "glpat-not-a-real-token-123"
    settings = settings_for(tmp_path, "https://127.0.0.1:1/team/notes.git", {"DRILL_GIT_TOKEN": secret})
    assert secret not in repr(settings)
    with pytest.raises(StartupError) as error:
        build_app(settings, now)
    assert "cannot clone the notes repository: https://127.0.0.1:1/team/notes.git" in str(error.value)
    assert secret not in str(error.value) and secret not in caplog.text
    assert not list((tmp_path / "data").glob("notes-git*"))  # no half clone left behind


def test_credentials_in_the_url_and_a_subfolder_outside_the_repository_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="DRILL_GIT_TOKEN"):
        settings_for(tmp_path, "https://me:secret@example.com/notes.git")
    with pytest.raises(ConfigError, match="inside the repository"):
        settings_for(tmp_path, "https://example.com/notes.git", extra='subfolder = "../etc"\n')
    settings = settings_for(tmp_path, "https://example.com/notes.git", extra='subfolder = "interview/k8s"\n')
    assert settings.content_paths == (tmp_path / "data" / "notes-git" / "interview" / "k8s",)
