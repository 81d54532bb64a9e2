"""The /streak picture: a member's last 16 weeks in one chat, one cell per day, like GitHub's contribution graph.

`calendar_png` draws it for Telegram and Slack (Pillow, at twice a phone's pixel density so it stays crisp);
`calendar_grid` (rich) and `calendar_text` (piped output) show the same weeks in the terminal chat. Pillow's own
font has no Hangul, so a subset of Noto Sans KR ships in fonts/ (its README says where from and how to remake it).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from rich.text import Text
from wcwidth import width

from bot.core.messages import LANGUAGES, MONTHS, WEEKDAYS, text
from bot.core.progress import CALENDAR_WEEKS as WEEKS, Streak, StreakCalendar

STATES = ("knew", "partly", "missed", "lost", "frozen", "open")
LEGEND = ("knew", "partly", "missed", "lost", "frozen")
FONT_PATH = Path(__file__).parent / "fonts" / "NotoSansKR-DrillSubset.otf"

# Geometry in pixels. A cell's box comes from `cell_box`; the rest places the labels around the grid.
CELL, GAP, RADIUS = 28, 6, 6
STEP = CELL + GAP
PAD, LABELS_WIDTH, TITLE_SIZE, LABEL_SIZE = 24, 56, 30, 20
GRID_X, GRID_Y = PAD + LABELS_WIDTH, 116
MONTHS_Y = GRID_Y - 12  # month names sit on this line (their baseline)
LEGEND_Y = GRID_Y + 7 * STEP - GAP + 22
WIDTH, HEIGHT = GRID_X + WEEKS * STEP - GAP + PAD, LEGEND_Y + 22 + PAD

BACKGROUND, INK, LABEL_INK = "#ffffff", "#1f2328", "#59636e"
FILLS = {"knew": "#2da44e", "partly": "#c6d94e", "missed": "#f0883e", "lost": "#fbe1df", "frozen": "#b6dcf5",
         "open": BACKGROUND}
OUTLINES = {"lost": "#cf9590", "open": "#59636e", "off": "#e6e9ed"}  # an off day is only a faint outline
FROST = "#2f7fb8"  # the snowflake on a frozen day
# Terminals may be dark or light: pale fills become their outline colour, the frozen blue the snowflake's.
TERMINAL = {**FILLS, "lost": OUTLINES["lost"], "frozen": FROST, "open": "default", "off": "bright_black"}
GLYPHS = {**dict.fromkeys(STATES, "■"), "open": "□", "off": "·", "future": " "}
SYMBOLS = {"knew": "#", "partly": "+", "missed": "x", "lost": "-", "frozen": "*", "open": "o", "off": ".",
           "future": " "}

def title(summary: Streak, language: str) -> str:
    """The title line: "연속 12일 · 최고 30일 · 프리즈 1개" / "Streak 12 · best 30 · freezes 1"."""
    return text(language, "calendar_title", current=summary.current, best=summary.best, freezes=summary.freezes)


def label(state: str, language: str) -> str:
    """A state's name in the legend: the grade names as the grade buttons say them."""
    return text(language, f"grade_{state}" if state in ("knew", "partly", "missed") else f"calendar_{state}")


def drawn_text() -> str:
    """Every character the picture can draw in either language: what the bundled font must cover."""
    words = [title(Streak(n, n, n), lang) for lang in LANGUAGES for n in (1, 2)]
    for lang in LANGUAGES:
        words += [*WEEKDAYS[lang], *MONTHS[lang], *(label(state, lang) for state in (*STATES, "off"))]
    return "".join(sorted(set("".join(words) + "0123456789")))


def first_monday(today: date) -> date:
    """The Monday that starts the picture: 15 weeks before the week that holds `today`."""
    return today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))


def cell_box(day: date, today: date) -> tuple[int, int, int, int]:
    """The pixel box (x0, y0, x1, y1, inclusive) of `day`'s cell in the picture drawn on `today`."""
    offset = (day - first_monday(today)).days
    if not 0 <= offset < 7 * WEEKS:
        raise ValueError(f"{day} is not in the {WEEKS} weeks that end with the week of {today}")
    x, y = GRID_X + offset // 7 * STEP, GRID_Y + offset % 7 * STEP
    return x, y, x + CELL - 1, y + CELL - 1


def picture(calendar: StreakCalendar) -> bytes:
    """The PNG of a /streak reply's calendar."""
    return calendar_png(dict(calendar.days), calendar.today, calendar.streak, calendar.language)


def calendar_png(days: Mapping[date, str], today: date, summary: Streak, language: str) -> bytes:
    """The calendar as a PNG: title, month and weekday labels, one cell per day up to `today`, a legend."""
    language = _language(language)
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((PAD, PAD), title(summary, language), font=_font(TITLE_SIZE), fill=INK, anchor="lt")
    small = _font(LABEL_SIZE)
    for row, name in enumerate(WEEKDAYS[language]):
        draw.text((PAD, GRID_Y + row * STEP + CELL // 2), name, font=small, fill=LABEL_INK, anchor="lm")
    for column in range(WEEKS):
        sunday = first_monday(today) + timedelta(days=7 * column + 6)
        if sunday.day <= 7:  # the 1st of a month falls in this week
            month = MONTHS[language][sunday.month - 1]
            draw.text((GRID_X + column * STEP, MONTHS_Y), month, font=small, fill=LABEL_INK, anchor="ls")
    for day, state in _states(days, today):
        if state != "future":
            _cell(draw, cell_box(day, today), state)
    x = PAD
    for state in LEGEND:
        _cell(draw, (x, LEGEND_Y, x + 21, LEGEND_Y + 21), state)
        draw.text((x + 30, LEGEND_Y + 11), label(state, language), font=small, fill=LABEL_INK, anchor="lm")
        x += 30 + round(draw.textlength(label(state, language), font=small)) + 24
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def calendar_grid(days: Mapping[date, str], today: date, summary: Streak, language: str) -> Text:
    """The calendar for a terminal: rich text, cells coloured like the picture's."""
    language = _language(language)
    grid = Text()
    grid.append(title(summary, language) + "\n", style="bold")
    states = dict(_states(days, today))
    for row, name in enumerate(WEEKDAYS[language]):
        grid.append(_padded(name), style="dim")
        for day in _row(today, row):
            grid.append(GLYPHS[states[day]], style=TERMINAL.get(states[day], ""))
            grid.append(" ")
        grid.rstrip()
        grid.append("\n")
    for state in (*LEGEND, "open", "off"):
        grid.append(GLYPHS[state], style=TERMINAL[state])
        grid.append(f" {label(state, language)}  ", style="dim")
    grid.rstrip()
    return grid


def calendar_text(days: Mapping[date, str], today: date, summary: Streak, language: str) -> str:
    """The calendar as plain characters, for piped output: one row per weekday, a one-line legend."""
    language = _language(language)
    states = dict(_states(days, today))
    lines = [title(summary, language)]
    for row, name in enumerate(WEEKDAYS[language]):
        lines.append((_padded(name) + " ".join(SYMBOLS[states[day]] for day in _row(today, row))).rstrip())
    lines.append("  ".join(f"{SYMBOLS[state]} {label(state, language)}" for state in (*LEGEND, "open", "off")))
    return "\n".join(lines)


def _language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def _padded(name: str) -> str:
    """A weekday label padded to four terminal columns (a Hangul syllable takes two)."""
    return name + " " * (4 - width(name))


def _row(today: date, row: int) -> list[date]:
    return [first_monday(today) + timedelta(days=7 * column + row) for column in range(WEEKS)]


def _states(days: Mapping[date, str], today: date) -> Iterator[tuple[date, str]]:
    """Each day of the 16 weeks with its state; "off" for a day without a drill, "future" after `today`."""
    start = first_monday(today)
    for offset in range(7 * WEEKS):
        day = start + timedelta(days=offset)
        state = "future" if day > today else days.get(day, "off")
        if state not in (*STATES, "off", "future"):
            raise ValueError(f"unknown state {state!r} for {day}; expected one of {STATES}")
        yield day, state


def _cell(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], state: str) -> None:
    draw.rounded_rectangle(box, RADIUS, fill=FILLS.get(state), outline=OUTLINES.get(state), width=2)
    if state == "frozen":
        # Six spokes that leave the centre free, so the centre pixel still says "frozen".
        x, y, size = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, (box[2] - box[0] + 1) / CELL
        for angle in range(30, 360, 60):
            dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            draw.line((x + 3 * size * dx, y + 3 * size * dy, x + 9 * size * dx, y + 9 * size * dy), fill=FROST, width=2)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """The bundled font at `size`, read once per size; BASIC layout draws the same pixels with or without raqm."""
    return ImageFont.truetype(str(FONT_PATH), size, layout_engine=ImageFont.Layout.BASIC)
