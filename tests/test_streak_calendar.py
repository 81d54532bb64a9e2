"""The /streak calendar: the PNG decoded and read pixel by pixel, the bundled font's coverage, the terminal grids."""

import io
from datetime import date, timedelta

import pytest
from PIL import Image, ImageColor, ImageDraw, ImageFont
from rich.console import Console

from bot.adapters.streak_calendar import (
    BACKGROUND, CELL, FILLS, FONT_PATH, FROST, GRID_X, GRID_Y, HEIGHT, LEGEND, MONTHS_Y, OUTLINES, PAD,
    STATES, STEP, SYMBOLS, TERMINAL, WIDTH, calendar_grid, calendar_png, calendar_text, cell_box,
    drawn_text, first_monday, label, title,
)
from bot.core.messages import MONTHS, WEEKDAYS
from bot.core.progress import Streak

TODAY = date(2026, 11, 25)  # a Wednesday: the last column holds Monday to Wednesday
FIRST = date(2026, 8, 10)  # the Monday 15 weeks before TODAY's week
DAYS = {
    FIRST: "knew",
    date(2026, 11, 18): "lost",
    date(2026, 11, 19): "missed",
    date(2026, 11, 20): "partly",
    date(2026, 11, 23): "knew",
    date(2026, 11, 24): "frozen",
    TODAY: "open",
    date(2026, 8, 9): "knew",  # before the 16 weeks: not drawn, not an error
}
OFF_DAY = date(2026, 11, 21)  # a Saturday without a drill
SUMMARY = Streak(current=12, best=30, freezes=1)


def rgb(colour: str) -> tuple[int, int, int]:
    return ImageColor.getrgb(colour)


def picture(language: str, summary: Streak = SUMMARY) -> Image.Image:
    return Image.open(io.BytesIO(calendar_png(DAYS, TODAY, summary, language))).convert("RGB")


def centre(day: date) -> tuple[int, int]:
    x0, y0, x1, y1 = cell_box(day, TODAY)
    return (x0 + x1) // 2, (y0 + y1) // 2


def colours_in(image: Image.Image, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    x0, y0, x1, y1 = box
    return {colour for _count, colour in image.crop((x0, y0, x1 + 1, y1 + 1)).getcolors(maxcolors=10_000)}


def ink(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixels in `box` are dark, as text is."""
    return sum(count for count, colour in image.crop(box).getcolors(maxcolors=100_000) if max(colour) < 120)


@pytest.fixture(scope="module", params=["ko", "en"])
def drawn(request) -> Image.Image:
    return picture(request.param)


def test_the_picture_is_a_png_of_the_documented_size(drawn):
    assert drawn.size == (WIDTH, HEIGHT)
    assert 600 <= WIDTH <= 800
    assert first_monday(TODAY) == FIRST


@pytest.mark.parametrize("day", [FIRST, date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23)])
def test_a_graded_day_is_filled_with_its_grades_colour(drawn, day):
    assert drawn.getpixel(centre(day)) == rgb(FILLS[DAYS[day]])


def test_a_frozen_day_is_light_blue_with_a_snowflake(drawn):
    day = date(2026, 11, 24)
    assert drawn.getpixel(centre(day)) == rgb(FILLS["frozen"])
    assert rgb(FROST) in colours_in(drawn, cell_box(day, TODAY))
    assert rgb(FROST) not in colours_in(drawn, cell_box(date(2026, 11, 23), TODAY))


def test_a_lost_day_is_pale_red_inside_a_grey_red_outline(drawn):
    x0, y0, x1, _ = box = cell_box(date(2026, 11, 18), TODAY)
    assert drawn.getpixel(centre(date(2026, 11, 18))) == rgb(FILLS["lost"])
    assert drawn.getpixel(((x0 + x1) // 2, y0)) == rgb(OUTLINES["lost"])
    assert rgb(OUTLINES["lost"]) in colours_in(drawn, box)


def test_todays_open_day_is_an_empty_outlined_cell(drawn):
    x0, y0, x1, _ = cell_box(TODAY, TODAY)
    assert drawn.getpixel(centre(TODAY)) == rgb(BACKGROUND)
    assert drawn.getpixel(((x0 + x1) // 2, y0)) == rgb(OUTLINES["open"])


def test_an_off_day_is_background_in_a_faint_outline(drawn):
    x0, y0, x1, _ = cell_box(OFF_DAY, TODAY)
    assert drawn.getpixel(centre(OFF_DAY)) == rgb(BACKGROUND)
    assert drawn.getpixel(((x0 + x1) // 2, y0)) == rgb(OUTLINES["off"])


def test_days_after_today_are_not_drawn(drawn):
    for day in (TODAY + timedelta(days=n) for n in range(1, 5)):
        assert colours_in(drawn, cell_box(day, TODAY)) == {rgb(BACKGROUND)}


def test_cells_sit_on_the_grid_of_16_weeks():
    assert cell_box(FIRST, TODAY) == (GRID_X, GRID_Y, GRID_X + CELL - 1, GRID_Y + CELL - 1)
    assert cell_box(TODAY, TODAY)[:2] == (GRID_X + 15 * STEP, GRID_Y + 2 * STEP)
    with pytest.raises(ValueError):
        cell_box(FIRST - timedelta(days=1), TODAY)
    with pytest.raises(ValueError):
        cell_box(TODAY + timedelta(days=5), TODAY)  # the Monday after TODAY's week


def test_the_title_and_month_labels_are_drawn_where_they_belong(drawn):
    assert ink(drawn, (PAD, PAD, WIDTH - PAD, GRID_Y - 40)) > 500  # the title line
    september = (date(2026, 8, 31) - FIRST).days // 7  # the week that holds 1 September
    assert ink(drawn, (GRID_X + september * STEP, MONTHS_Y - 24, GRID_X + september * STEP + 40, MONTHS_Y + 4)) > 20
    assert ink(drawn, (GRID_X + STEP, MONTHS_Y - 24, GRID_X + 2 * STEP, MONTHS_Y + 4)) == 0  # no month starts


@pytest.mark.parametrize("language", ["ko", "en"])
def test_long_numbers_still_fit_inside_the_margins(language):
    drawn = picture(language, Streak(current=1234, best=1234, freezes=2))
    assert colours_in(drawn, (WIDTH - PAD + 4, 0, WIDTH - 1, HEIGHT - 1)) == {rgb(BACKGROUND)}
    assert colours_in(drawn, (0, HEIGHT - PAD + 4, WIDTH - 1, HEIGHT - 1)) == {rgb(BACKGROUND)}


def test_the_titles_say_the_numbers():
    assert title(SUMMARY, "ko") == "연속 12일 · 최고 30일 · 프리즈 1개"
    assert title(SUMMARY, "en") == "Streak 12 · best 30 · freezes 1"
    assert title(SUMMARY, "fr") == title(SUMMARY, "en")


def test_the_same_input_draws_the_same_bytes():
    first = calendar_png(DAYS, TODAY, SUMMARY, "ko")
    assert calendar_png(dict(DAYS), TODAY, SUMMARY, "ko") == first
    assert calendar_png(DAYS, TODAY, SUMMARY, "en") != first


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown state"):
        calendar_png({TODAY: "done"}, TODAY, SUMMARY, "ko")


def glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (48, 48))
    ImageDraw.Draw(image).text((4, 4), char, font=font, fill=255)
    return image.tobytes()


def test_the_bundled_font_draws_every_character_of_the_picture():
    font = ImageFont.truetype(str(FONT_PATH), 30)
    missing = glyph(font, "뷁")  # not in the subset: the font's .notdef box
    assert glyph(font, "\U000F0000") == missing  # so a character without a glyph is told apart
    shown = {*title(Streak(1234, 567, 2), "ko"), *title(Streak(890, 1, 1), "en")}
    for language in ("ko", "en"):
        shown.update(*WEEKDAYS[language], *MONTHS[language], *(label(state, language) for state in LEGEND))
    assert shown <= set(drawn_text())
    for char in drawn_text().replace(" ", ""):
        drawn_glyph = glyph(font, char)
        assert drawn_glyph != missing and any(drawn_glyph), f"the bundled font has no glyph for {char!r}"
    assert FONT_PATH.stat().st_size < 100_000
    assert "SIL Open Font License" in (FONT_PATH.parent / "OFL.txt").read_text()


def cells(line: str) -> list[str]:
    return line.split()[1:]  # the weekday label, then one character a day; days after today are left off


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_plain_text_grid_has_a_character_per_state(language):
    lines = calendar_text(DAYS, TODAY, SUMMARY, language).split("\n")
    assert lines[0] == title(SUMMARY, language) and len(lines) == 9
    rows = {row: cells(lines[1 + row]) for row in range(7)}
    assert all(lines[1 + row].startswith(WEEKDAYS[language][row]) for row in range(7))
    for day, state in DAYS.items():
        if day >= FIRST:
            assert rows[day.weekday()][(day - FIRST).days // 7] == SYMBOLS[state], day
    assert rows[OFF_DAY.weekday()][14] == "."
    assert [len(rows[row]) for row in range(7)] == [16, 16, 16, 15, 15, 15, 15]  # Thursday on: after today
    assert len({SYMBOLS[state] for state in (*STATES, "off")}) == 7
    for state in (*STATES, "off"):
        assert f"{SYMBOLS[state]} {label(state, language)}" in lines[8]


def test_the_terminal_grid_is_coloured_like_the_picture():
    grid = calendar_grid(DAYS, TODAY, SUMMARY, "ko")
    lines = grid.plain.split("\n")
    assert lines[0] == title(SUMMARY, "ko")
    assert lines[1].startswith("월  ■")  # a Hangul label takes two columns: padded to four
    console = Console(file=io.StringIO(), color_system="truecolor", width=100)
    row_starts = [sum(len(line) + 1 for line in lines[: 1 + row]) for row in range(7)]
    for day in (date(2026, 11, 23), date(2026, 11, 19), date(2026, 11, 24)):
        offset = row_starts[day.weekday()] + len("월  ") + 2 * ((day - FIRST).days // 7)
        assert grid.plain[offset] == "■"
        assert grid.get_style_at_offset(console, offset).color.triplet.hex == TERMINAL[DAYS[day]]
    assert grid.plain[row_starts[2] + len("월  ") + 2 * 15] == "□"  # today, not yet graded
    assert grid.plain[row_starts[5] + len("월  ")] == "·"  # a Saturday without a drill
