"""Reading the notes files from disk into one question bank (the parsing itself is bot.core.content)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from bot.core.content import ContentWarning, ParsedNotes, merge_notes, parse_notes

# Markdown notes, and flashcard exports (Anki plain text, CSV and TSV).
NOTES_SUFFIXES = (".md", ".markdown", ".txt", ".csv", ".tsv")


@dataclass(frozen=True)
class Bank:
    """The merged bank plus the errors that make it unusable (each names its file)."""

    notes: ParsedNotes
    errors: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def questions(self):
        """All questions, duplicates merged."""
        return self.notes.questions

    @property
    def warnings(self) -> tuple[ContentWarning, ...]:
        """Every warning, as file:line."""
        return self.notes.warnings


def notes_files(paths: list[Path] | tuple[Path, ...]) -> tuple[list[Path], list[str]]:
    """Expand folders into their markdown files (sorted); report paths that do not exist."""
    files, errors = [], []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in NOTES_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            errors.append(f"{_display(path)}: no such file or folder")
    return files, errors


def load_bank(paths: list[Path] | tuple[Path, ...], image_base_url: str | None = None) -> Bank:
    """Read and parse every notes file under `paths` and merge them into one bank; relative images
    resolve against `image_base_url` plus the file's folder under its content path."""
    return LiveNotes(paths, image_base_url).read()


class LiveNotes:
    """The notes under the content paths, followed while the bot runs.

    `changed` is cheap (the files' sizes and modification times); `read` re-reads only the files that
    changed since their last good reading. A file that cannot be read, is not UTF-8 or holds no question
    at that moment (half-written, mid-checkout) keeps its last good reading, so a sync never retires its
    questions for it; a file that is gone takes its questions with it."""

    def __init__(self, paths: list[Path] | tuple[Path, ...], image_base_url: str | None = None):
        self.paths = tuple(paths)
        self.image_base_url = image_base_url
        self._readings: dict[Path, tuple[tuple[int, int], ParsedNotes]] = {}  # the last good one per file
        # Files whose last reading failed, at that stamp, with what they held if they could be parsed (a
        # file of no questions still shows its skipped candidates in `content check`).
        self._failed: dict[Path, tuple[tuple[int, int] | None, ParsedNotes | None]] = {}

    def changed(self) -> bool:
        """Whether a file was added, removed or rewritten since the last `read`."""
        files, _ = notes_files(self.paths)
        if set(files) != set(self._readings) | set(self._failed):
            return True
        return any(_stamp(file) != self._stamp_seen(file) for file in files)

    def read(self) -> Bank:
        """The bank of every file's last good reading, and this read's errors (each names its file)."""
        files, errors = notes_files(self.paths)
        for gone in set(self._readings) - set(files):
            del self._readings[gone]
        self._failed = {file: stamp for file, stamp in self._failed.items() if file in files}
        for file in files:
            stamp = _stamp(file)
            if stamp is not None and stamp == self._stamp_seen(file) and file not in self._failed:
                continue
            parsed, error = self._read_file(file)
            if error is None:
                self._readings[file] = (stamp, parsed)
                self._failed.pop(file, None)
            else:
                errors.append(error)
                self._failed[file] = (stamp, parsed)
        if not files and not errors:
            errors.append(f"{', '.join(_display(p) for p in self.paths) or '(no paths)'}: no notes files "
                          "(*.md, *.markdown, *.txt, *.csv, *.tsv) found")
        shown = {**{file: parsed for file, (_, parsed) in self._failed.items() if parsed is not None},
                 **{file: parsed for file, (_, parsed) in self._readings.items()}}
        parts = [parsed for _, parsed in sorted(shown.items())]
        return Bank(notes=merge_notes(parts), errors=tuple(errors), files=tuple(_display(f) for f in files))

    def _stamp_seen(self, file: Path) -> tuple[int, int] | None:
        if file in self._failed:
            return self._failed[file][0]
        return self._readings[file][0] if file in self._readings else None

    def _read_file(self, file: Path) -> tuple[ParsedNotes | None, str | None]:
        name = _display(file)
        try:
            text = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            return None, f"{name}: not valid UTF-8 (byte {error.start}); save the file as UTF-8"
        except OSError as error:
            return None, f"{name}: cannot read: {error.strerror or error}"
        parsed = parse_notes(text, name, image_base=_image_base(self.image_base_url, file, self.paths))
        if not parsed.questions:
            return parsed, f"{name}: no questions found"
        return parsed, None


def _stamp(file: Path) -> tuple[int, int] | None:
    """A file's size and modification time: what changes when it is written (None: it cannot be seen)."""
    try:
        status = file.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def _image_base(base_url: str | None, file: Path, roots: list[Path] | tuple[Path, ...]) -> str | None:
    """The URL of the folder that holds `file`, as published under `base_url` (None: not published)."""
    if not base_url:
        return None
    for root in roots:
        folder = root if root.is_dir() else root.parent
        try:
            inside = file.resolve().parent.relative_to(folder.resolve())
        except ValueError:
            continue
        return urljoin(base_url.rstrip("/") + "/", "/".join(inside.parts) + "/" if inside.parts else "")
    return base_url


def _display(path: Path) -> str:
    """A path as people type it: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
