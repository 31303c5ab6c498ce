"""The card fonts: every common script drawn with a font made for it, right to left in order."""

from __future__ import annotations

import pytest

from bot.render.cards import clean, cmap, fonts
from bot.render.cards.fonts import Layout, forced
from tests.render import refs

#: The font file expected for each of the ten world names (their first letter's).
EXPECTED = (
    "NotoSansCJK",
    "NotoSansCJK",
    "NotoSansCJK",
    "NotoSansThai",
    "NotoSansDevanagari",
    "NotoSansArabic",
    "NotoSansHebrew",
    "NotoSans[",
    "NotoSans[",
    "NotoEmoji",
)


def font_file(run: fonts.Run) -> str:
    return fonts.CHAIN[run.font][1]


@pytest.mark.parametrize(("name", "expected"), list(zip(refs.WORLD_NAMES, EXPECTED, strict=True)))
def test_each_world_name_is_kept_whole_and_drawn_with_its_scripts_font(
    name: str, expected: str
) -> None:
    assert clean(name) == name
    first = fonts.runs(name)[-1 if name[0] in "מדמח" or "\u0600" <= name[0] <= "\u06ff" else 0]
    assert font_file(first).startswith(expected)
    assert fonts.REPLACEMENT not in "".join(run.text for run in fonts.runs(name))


def test_the_bengali_and_tamil_scripts_have_their_fonts() -> None:
    assert font_file(fonts.runs("অমিত")[0]).startswith("NotoSansBengali")
    assert font_file(fonts.runs("கார்த்திக்")[0]).startswith("NotoSansTamil")


def test_a_chinese_server_name_keeps_its_characters_and_its_latin_part() -> None:
    runs = fonts.runs(clean(refs.WORLD_SERVER))
    assert [(run.text, font_file(run)[:11]) for run in runs] == [
        ("数学", "NotoSansCJK"),
        (" Forecasters", "NotoSans[wg"),
    ]


def test_right_to_left_text_is_laid_out_in_visual_order() -> None:
    runs = fonts.runs("Dana אבג 12")
    assert [(run.text, run.rtl) for run in runs] == [
        ("Dana 12 ", False),  # the number stays after the Hebrew word it follows
        ("אבג", True),  # logical order: the layout engine draws it right to left
    ]
    arabic = fonts.runs("علي 7")  # a right-to-left line: the number is drawn on the left
    assert [(run.text, run.rtl) for run in arabic] == [("7 ", False), ("علي", True)]


@pytest.mark.parametrize("layout", refs.LAYOUTS)
def test_each_world_name_row_matches_its_reference(layout: str) -> None:
    data = refs.render("leaderboard_world_names", layout)
    header = refs.difference(data, "leaderboard_world_names", layout, (40, 82, 360, 112))
    assert header[0] < 0.75, f"the server name differs ({header[0]:.2f})"
    for row, name in enumerate(refs.WORLD_NAMES):
        box = (100, 132 + row * 52, 560, 180 + row * 52)
        mean, _ = refs.difference(data, "leaderboard_world_names", layout, box)
        assert mean < 0.75, f"{name!r} ({layout}) differs from its reference: {mean:.2f}"


def test_a_reversed_or_missing_name_is_caught_by_the_row_comparison() -> None:
    from bot.render.cards import leaderboard_card

    names = refs.world_names() | {205: "دمحم", 200: "?"}
    with forced(Layout.BASIC):
        data = leaderboard_card(refs.world_board(), server=refs.WORLD_SERVER, names=names)
    for row in (0, 5):
        box = (100, 132 + row * 52, 560, 180 + row * 52)
        assert refs.difference(data, "leaderboard_world_names", "basic", box)[0] >= 0.75


def test_basic_layout_reverses_right_to_left_runs_and_joins_arabic_letters() -> None:
    with forced(Layout.BASIC):
        assert fonts.engine() is Layout.BASIC
        hebrew = fonts.runs("דוד כהן")
        assert [fonts.shown(run) for run in hebrew] == ["ןהכ", " ", "דוד"]
        (arabic,) = fonts.runs("محمد")
        assert fonts.shown(arabic) == "\ufeaa\ufee4\ufea4\ufee3"  # final, medial, medial, initial
    if "raqm" in refs.layouts():
        with forced(Layout.RAQM):
            assert fonts.shown(arabic) == "محمد"  # RAQM shapes it itself


@pytest.mark.parametrize("index", range(len(fonts.CHAIN)))
def test_the_character_map_reader_agrees_with_fonttools(index: int) -> None:
    from fontTools.ttLib import TTFont

    file = fonts.path(index)
    assert file is not None, fonts.CHAIN[index]
    with TTFont(str(file), fontNumber=fonts.CHAIN[index][2], lazy=True) as ttf:
        expected = frozenset(ttf.getBestCmap())
    assert cmap.code_points(file, fonts.CHAIN[index][2]) == expected
