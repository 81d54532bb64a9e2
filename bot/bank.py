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
    files, errors = notes_files(paths)
    parts = []
    for file in files:
        name = _display(file)
        try:
            text = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            errors.append(f"{name}: not valid UTF-8 (byte {error.start}); save the file as UTF-8")
            continue
        except OSError as error:
            errors.append(f"{name}: cannot read: {error.strerror or error}")
            continue
        parsed = parse_notes(text, name, image_base=_image_base(image_base_url, file, paths))
        if not parsed.questions:
            errors.append(f"{name}: no questions found")
        parts.append(parsed)
    if not files and not errors:
        errors.append(f"{', '.join(_display(p) for p in paths) or '(no paths)'}: no notes files (*.md, *.markdown, *.txt, *.csv, *.tsv) found")
    return Bank(notes=merge_notes(parts), errors=tuple(errors), files=tuple(_display(f) for f in files))


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
