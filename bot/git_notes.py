"""Notes kept in a git repository: cloned into the bot's data folder on first start, then fetched every few
minutes, the checkout following the remote branch wherever it goes (a force-push too).

dulwich, a git written in Python, rather than the git program (or GitPython, which drives the program): it
installs with pip like every other dependency, so the tests and a slim container need nothing else.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from dulwich import porcelain
from dulwich.repo import Repo

from bot.config import GitSource

log = logging.getLogger(__name__)


class GitError(Exception):
    """The repository could not be cloned or fetched; the message never holds the token."""


class GitNotes:
    """The bot's own clone of the notes repository."""

    def __init__(self, source: GitSource):
        self.source = source

    def commit(self) -> str | None:
        """The commit the checkout is at, None before the first clone."""
        if not (self.source.checkout / ".git").is_dir():
            return None
        with Repo(str(self.source.checkout)) as repo:
            return repo.head().decode()

    def update(self) -> str:
        """Clone on first use, else fetch and move the checkout to the remote branch's commit (a force-push
        included; local changes are the bot's own and are overwritten). Returns the commit."""
        try:
            if self.commit() is None:
                self._clone()
            else:
                self._follow()
        except GitError:
            raise
        except Exception as error:  # dulwich raises many kinds: unreachable host, no repository, auth
            raise GitError(self._without_secrets(f"{self.source.url}: {error}")) from None
        return self.commit()

    def _clone(self) -> None:
        # Into a temporary folder first: a clone cut short leaves no half checkout behind.
        checkout = self.source.checkout
        checkout.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix="notes-git-", dir=checkout.parent))
        try:
            porcelain.clone(self.source.url, str(partial), branch=self.source.branch.encode(),
                            errstream=io.BytesIO(), **self._credentials()).close()
            shutil.rmtree(checkout, ignore_errors=True)
            partial.rename(checkout)
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    def _follow(self) -> None:
        with Repo(str(self.source.checkout)) as repo:
            fetched = porcelain.fetch(repo, self.source.url, errstream=io.BytesIO(),
                                      outstream=io.StringIO(), **self._credentials())
            target = fetched.refs.get(b"refs/heads/" + self.source.branch.encode())
            if target is None:
                raise GitError(f"{self._without_secrets(self.source.url)}: no branch {self.source.branch!r}")
            if repo.head() != target:
                porcelain.reset(repo, "hard", target)

    def _credentials(self) -> dict:
        if not self.source.token:
            return {}
        return {"username": self.source.username, "password": self.source.token}

    def _without_secrets(self, text: str) -> str:
        return text.replace(self.source.token, "***") if self.source.token else text


class NotesRepository:
    """The clone, pulled when due (`[content] pull_every_minutes`): an unreachable remote keeps the last
    copy, and its error is logged once, until it changes or a pull succeeds."""

    def __init__(self, source: GitSource):
        self.source = source
        self.clone = GitNotes(source)
        self.pulled_at: datetime | None = None  # the last pull that worked
        self.tried_at: datetime | None = None
        self.error: str | None = None

    def due(self, now: datetime) -> bool:
        return self.tried_at is None or now - self.tried_at >= self.source.pull_every

    def pull(self, now: datetime) -> None:
        self.tried_at = now
        try:
            commit = self.clone.update()
        except GitError as error:
            if str(error) != self.error:
                log.warning("notes repository: %s (the last copy stands: %s)", error, self.clone.commit() or "none")
            self.error = str(error)
            return
        if self.error is not None:
            log.info("notes repository reachable again, at %s", commit)
        self.pulled_at, self.error = now, None

    def state(self) -> dict:
        """What `status` shows of the source (never a credential)."""
        return {"url": self.source.url, "branch": self.source.branch, "subfolder": self.source.subfolder,
                "commit": self.clone.commit(), "pulled_at": self.pulled_at and self.pulled_at.isoformat(),
                "error": self.error}
