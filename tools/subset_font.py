"""Remake the font the /streak picture draws with: Noto Sans KR cut down to the characters it can show.

Run as `python tools/subset_font.py SOURCE.otf` after changing a word in bot/adapters/streak_calendar.py, with
fontTools installed (a tool for this step only; the bot does not need it). SOURCE is Noto Sans KR Regular, e.g.
from `pip download --no-deps pylopdf-fonts-ko==0.1.1` (bot/adapters/fonts/README.md says more).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.streak_calendar import FONT_PATH, drawn_text  # noqa: E402

# All of printable ASCII, so a number or a Latin word never falls outside the font; Hangul only as used.
CHARACTERS = "".join(map(chr, range(0x20, 0x7F))) + drawn_text()


def main() -> None:
    source = Path(sys.argv[1])
    options = subset.Options()
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]  # keep the copyright, trademark and licence records
    font = TTFont(source, recalcTimestamp=False)  # the same source makes the same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=CHARACTERS)
    subsetter.subset(font)
    font.save(FONT_PATH)
    print(f"{FONT_PATH}: {len(font.getGlyphOrder())} glyphs, {FONT_PATH.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
