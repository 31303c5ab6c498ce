"""The scorecard grid: each prediction of a source with its outcome and the community's split."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import ImageDraw

from bot.domain.outcomes import Choice
from bot.render.cards.canvas import (
    LEGEND,
    MUTED,
    PANEL,
    TEXT,
    clean,
    font,
    legend,
    new_card,
    outcome_icon,
    png,
    sealed_bar,
    split_bar,
    text,
    wrap,
)
from bot.snapshots.boards import SourceCard, SourceItem

WIDTH = 1000
COLUMNS = 2
TILE = 126
GAP = 14
HEADER = 120
FOOTER = 104
#: At most this many tiles on one card (the embed lists every source's counts).
MAX_TILES = 30


def scorecard_card(cards: Sequence[SourceCard], *, server: str) -> bytes:
    """Render the sources' predictions as a PNG grid."""
    items = [(card.source, item) for card in cards for item in card.items]
    shown = items[:MAX_TILES]
    rows = max((len(shown) + COLUMNS - 1) // COLUMNS, 1)
    height = HEADER + rows * (TILE + GAP) + FOOTER
    image, draw = new_card(WIDTH, height)
    sources = sorted({card.source for card in cards})
    title = f"Scorecard · {clean(sources[0], 'a source')}" if len(sources) == 1 else "Scorecard"
    text(draw, (40, 30), title, font(40, bold=True), width=WIDTH - 80)
    text(draw, (40, 82), clean(server, "this server"), font(22), MUTED, width=WIDTH - 80)
    tile_width = (WIDTH - 80 - GAP * (COLUMNS - 1)) / COLUMNS
    if not shown:
        draw.rectangle((40, HEADER, WIDTH - 40, HEADER + TILE), fill=PANEL)
        text(
            draw,
            (WIDTH / 2, HEADER + TILE / 2),
            "No predictions yet.",
            font(24),
            MUTED,
            anchor="mm",
        )
    for index, (source, item) in enumerate(shown):
        left = 40 + (index % COLUMNS) * (tile_width + GAP)
        top = HEADER + (index // COLUMNS) * (TILE + GAP)
        _tile(
            draw,
            item,
            (left, top, left + tile_width, top + TILE),
            source if len(sources) > 1 else None,
        )
    more = len(items) - len(shown)
    judged = [item for _, item in items if item.outcome is not None and item.outcome.choice]
    came = sum(
        1 for item in judged if item.outcome is not None and item.outcome.choice is Choice.CAME_TRUE
    )
    summary = f"{len(items)} prediction{'s' if len(items) != 1 else ''}"
    if judged:
        summary += f" · {came} of {len(judged)} judged came true"
    if more > 0:
        summary += f" · {more} more not shown"
    text(draw, (40, height - FOOTER + 14), summary, font(21), MUTED, width=WIDTH - 80)
    bar = "bar: members' votes · green came true · amber partly · red did not"
    if any(item.tally.hidden for _, item in shown):
        bar += " · hatched: sealed until the poll closes"
    text(draw, (40, height - FOOTER + 40), bar, font(18), MUTED, width=WIDTH - 80)
    legend(draw, (40, height - FOOTER + 74), (*LEGEND, (None, "open")), font(18))
    return png(image)


def _tile(
    draw: ImageDraw.ImageDraw,
    item: SourceItem,
    box: tuple[float, float, float, float],
    source: str | None,
) -> None:
    """Draw one prediction: icon, number and title, its split bar and vote count."""
    left, top, right, _ = box
    draw.rounded_rectangle(box, 10, fill=PANEL)
    outcome_icon(draw, (left + 30, top + 30), 14, item.outcome)
    heading = f"#{item.number} {clean(item.title, 'untitled')}"
    face = font(21, bold=True)
    for index, line in enumerate(wrap(heading, face, right - left - 72)):
        text(draw, (left + 56, top + 14 + index * 28), line, face, TEXT)
    status = item.outcome.label if item.outcome is not None else "open"
    if source is not None:
        status = f"{clean(source, 'a source')} · {status}"
    text(draw, (left + 56, top + 74), status, font(19), MUTED, width=right - left - 200)
    votes = item.tally.total
    count = f"{votes} {'sealed ' if item.tally.hidden else ''}vote{'s' if votes != 1 else ''}"
    text(draw, (right - 16, top + 74), count, font(19), MUTED, anchor="ra")
    bar = (left + 56, top + 104, right - 16, top + 114)
    if item.tally.hidden:  # a sealed poll still open: its split is not known to anyone yet
        sealed_bar(draw, bar)
    else:
        split_bar(draw, bar, item.tally.as_dict())
