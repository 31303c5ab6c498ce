"""What members asked of the cards: their own row, whole names and titles, a legend, void counted."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image

from bot.render.cards import (
    leaderboard_alt,
    leaderboard_card,
    samples,
    scorecard_alt,
    scorecard_card,
)
from bot.render.cards.canvas import BLUE, ELLIPSIS, GREEN, RED, font, squeeze, wrap
from bot.render.cards.fonts import length
from bot.render.cards.leaderboard import HEADER, ROW


def image_of(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def bright(image: Image.Image, box: tuple[int, int, int, int], threshold: int = 120) -> int:
    return sum(image.crop(box).convert("L").histogram()[threshold:])


def colours(image: Image.Image, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    return {colour for _, colour in image.crop(box).getcolors(1 << 20) or []}


def card(member: int | None) -> Image.Image:
    board = samples.board()
    return image_of(leaderboard_card(board, server="S", names=samples.NAMES, member=member))


def test_the_askers_own_row_is_added_below_the_top_ten() -> None:
    plain, mine = card(None), card(111)  # 111 ranks 11th, outside the top ten
    assert mine.height > plain.height
    top = HEADER + 10 * ROW + 12
    assert bright(mine, (40, top + 8, 100, top + 44)) > 20, "the rank 11"
    assert bright(mine, (116, top + 8, 400, top + 44)) > 20, "the name"
    assert bright(mine, (600, top + 8, 680, top + 44)) > 20, "the points"
    assert BLUE in colours(mine, (20, top - 2, 980, top + ROW)), "the row is marked as theirs"


def test_a_top_ten_or_unranked_asker_adds_no_row_but_a_top_ten_one_is_marked() -> None:
    plain = card(None)
    assert card(999).height == plain.height  # scored nothing
    in_top = card(101)
    assert in_top.height == plain.height
    assert BLUE in colours(in_top, (20, HEADER - 2, 980, HEADER + ROW))
    assert BLUE not in colours(plain, (20, HEADER - 2, 980, HEADER + ROW))


def test_the_alt_text_tells_the_askers_own_row() -> None:
    alt = leaderboard_alt(samples.board(), {111: "Quinn"}, member=111)
    assert "Your row: 11. Quinn, 1 point." in alt


def test_a_long_name_shrinks_before_it_is_cut() -> None:
    name = "grace_hopper_with_a_long_name"
    face = font(26)
    assert length(name, face) > 400
    shown, smaller = squeeze(name, face, 400, 20)
    assert shown == name and smaller.size < 26 and length(name, smaller) <= 400
    very = "grace_hopper_with_a_very_very_very_long_display_name"
    shown, smallest = squeeze(very, face, 400, 20)
    assert smallest.size == 20 and shown.endswith(ELLIPSIS) and length(shown, smallest) <= 400


def test_the_scorecard_wraps_a_long_title_onto_two_lines() -> None:
    title = "#5 AI agents in production at scale, in every large enterprise"
    face = font(21, bold=True)
    lines = wrap(title, face, 380)
    assert len(lines) == 2 and " ".join(lines) == title
    assert all(length(line, face) <= 380 for line in lines)
    long = wrap(title * 3, face, 380)
    assert len(long) == 2 and long[1].endswith(ELLIPSIS)
    assert wrap("数学" * 30, face, 380)[0].startswith("数学数学")  # no spaces: broken anywhere
    assert wrap("Short", face, 380) == ["Short"]


def test_the_scorecard_draws_a_long_title_on_a_second_line() -> None:
    (source,) = samples.scorecard()
    long, short = source.items[4], source.items[0]  # "AI agents in production at scale, ..."
    second_line = (40 + 56, 120 + 42, 40 + 440, 120 + 66)  # the first tile's
    for item, drawn in ((long, True), (short, False)):
        grid = image_of(scorecard_card([replace(source, items=(item,))], server="S"))
        assert (bright(grid, second_line, 200) > 50) is drawn, item.title


def test_the_leaderboard_explains_its_icons_and_columns() -> None:
    image = card(None)
    legend = (24, image.height - 60, 976, image.height - 8)
    assert GREEN in colours(image, legend) and RED in colours(image, legend)
    assert bright(image, legend) > 400  # the labels


def test_the_scorecard_explains_its_icons() -> None:
    grid = image_of(scorecard_card(samples.scorecard(), server="S"))
    legend = (24, grid.height - 36, 976, grid.height - 6)
    assert GREEN in colours(grid, legend) and RED in colours(grid, legend)


def test_the_alt_texts_count_void_predictions() -> None:
    alt = leaderboard_alt(samples.board(), samples.NAMES)
    assert "10 predictions resolved: 5 came true, 3 partly, 1 did not, 1 void." in alt
    grid = scorecard_alt(samples.scorecard())
    assert "GPT-4o: 10 predictions, 3 came true, 3 partly, 1 did not, 1 void, 2 open" in grid
