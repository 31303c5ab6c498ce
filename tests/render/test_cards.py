"""The cards: valid PNGs within limits, regions drawn, close to their references, any name safe."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.domain.months import Month
from bot.domain.ranking import BoardRow
from bot.render.cards import (
    MAX_BYTES,
    NO_NAME,
    clean,
    leaderboard_alt,
    leaderboard_card,
    member_card,
    samples,
    scorecard_card,
)
from bot.render.cards.canvas import BACKGROUND, drawable
from bot.snapshots.boards import Board, MemberStats, SourceCard
from tests.render import refs


def decode(data: bytes) -> Image.Image:
    assert 0 < len(data) <= MAX_BYTES
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


def drawn(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Count the pixels of a region that differ from the card's background."""
    region = image.crop(box)
    return sum(count for count, colour in region.getcolors(1 << 20) or [] if colour != BACKGROUND)


def text_pixels(image: Image.Image, box: tuple[int, int, int, int], threshold: int = 150) -> int:
    """Count the bright (text) pixels in a region."""
    grey = image.crop(box).convert("L")
    return sum(grey.histogram()[threshold:])


@pytest.mark.parametrize("layout", refs.LAYOUTS)
@pytest.mark.parametrize("name", ["leaderboard", "member", "scorecard", "leaderboard_world_names"])
def test_card_is_a_png_within_limits_and_close_to_its_reference(name: str, layout: str) -> None:
    data = refs.render(name, layout)
    image = decode(data)
    assert image.width == 1000 and 400 <= image.height <= 1200
    assert len(image.getcolors(1 << 20) or []) > 16, "a blank card"
    mean, off = refs.difference(data, name, layout)
    assert mean < 6 and off < 0.03, (
        f"{name} differs from {refs.path(name, layout)} (mean {mean:.1f}, {off:.1%} off); "
        "if intended, run .venv/bin/python -m tests.render.refs and look at the images"
    )


def test_leaderboard_regions_are_drawn() -> None:
    image = decode(refs.cards()["leaderboard"]())
    assert text_pixels(image, (40, 30, 700, 80)) > 500  # the title
    assert text_pixels(image, (40, 82, 400, 110)) > 50  # the server's name
    for row in range(10):  # every row: rank, name, points, exact, peer
        top = 132 + row * 52
        for left, right in ((40, 100), (116, 400), (600, 680), (720, 800), (840, 920)):
            assert text_pixels(image, (left, top + 8, right, top + 44), 120) > 20, (row, left)
    assert text_pixels(image, (300, image.height - 80, 900, image.height - 50)) > 50  # resolved


def test_member_and_scorecard_regions_are_drawn() -> None:
    member = decode(refs.cards()["member"]())
    assert text_pixels(member, (40, 30, 400, 80)) > 300  # the name
    assert drawn(member, (60, 330, 940, 480)) > 5000  # the chart's bars
    for left in (58, 292, 526, 760):  # the four figures
        assert text_pixels(member, (left, 170, left + 180, 215)) > 100
    grid = decode(refs.cards()["scorecard"]())
    for row in range(5):
        for left in (40, 507):
            top = 120 + row * 140
            tile = grid.crop((left, top, left + 450, top + 126))
            assert text_pixels(tile, (56, 10, 400, 40)) > 50  # the title
            assert len(tile.crop((56, 104, 440, 114)).getcolors(4096) or []) >= 2  # the bar


def test_a_member_without_a_name_is_a_neutral_placeholder() -> None:
    assert clean(None) == clean("") == clean("\u200b\u200d\u2066") == NO_NAME
    board = samples.board()
    assert "106" not in leaderboard_alt(board, {})
    assert leaderboard_alt(board, {}).startswith(
        "Leaderboard card, December 2025. Top three: 1. a member, 7.5 points; 2. a member"
    )
    empty = Board(1, Month(2025, 1), (), ())
    decode(leaderboard_card(empty, server="", names={}))
    decode(member_card(MemberStats(5, 0, 0, None, 0), name=None, server="x"))
    decode(scorecard_card([], server="x"))


def test_alt_text_stays_within_discords_limit() -> None:
    long = {m: "W" * 500 for m in range(100, 120)}
    assert len(leaderboard_alt(samples.board(), long)) <= 1024


def test_missing_glyphs_become_one_clean_fallback_per_run() -> None:
    assert clean("Zoë 🦊🦊 Fox") == "Zoë 🦊🦊 Fox"  # Noto Emoji has the fox
    assert clean("Ꮳ Ꮳ Ꮳ Cherokee ⵣⵣ") == "\ufffd \ufffd \ufffd Cherokee \ufffd"  # no font has these
    assert clean("👍🏽 ok") == "👍 ok"  # a skin tone has no monochrome form
    assert clean("Αλέξανδρος Жанна") == "Αλέξανδρος Жанна"
    assert clean("a\u0301\u0301\u0301\u0301b") == "á\u0301\u0301b"  # no towers of accents
    assert clean("evil\u202eeman") == "evileman"  # no bidi overrides
    assert clean("line\nbreak\ttab") == "line break tab"
    assert clean("𝓐𝓭𝓪 ｆｕｌｌ 名前") == "Ada full 名前"  # fancy letters folded, CJK drawn


NAMES = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from("😀🦊👍🏽👩‍🔬🇺🇦❤️\ufe0f\u200b\u200c\u200d\u2060\ufeff\u202e\u2067"),
    st.characters(min_codepoint=0x0590, max_codepoint=0x06FF),  # Hebrew, Arabic
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining marks
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(NAMES, min_size=32, max_size=32), server=st.text(NAMES, max_size=32))
def test_any_name_renders_a_clean_card(name: str, server: str) -> None:
    shown = clean(name)
    assert shown and shown == shown.strip()
    assert all(drawable(ord(ch)) for ch in shown)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in shown)
    row = (1, 7, 3.0, 0.5, 4, 2)
    board = Board(1, Month(2025, 3), (row,), ())
    image = decode(leaderboard_card(board, server=server, names={7: name}))
    assert text_pixels(image, (116, 140, 560, 176), 120) > 20  # the name's row is not empty
    stats = MemberStats(7, 4, 0, BoardRow(*row), 1, (("2025-03", 3.0),), 1, 2)
    decode(member_card(stats, name=name, server=server))
    decode(scorecard_card([SourceCard(name, 0, 0, 0, 0, 0, 0, 0, 0)], server=server))
