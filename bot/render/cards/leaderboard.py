"""The leaderboard card: a month (or all time), the server, the top ten, the asker's own row
when outside it, the month's resolutions and a legend of the icons and columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from PIL import ImageDraw

from bot.domain.outcomes import Outcome
from bot.domain.ranking import BoardRow
from bot.render.cards.canvas import (
    BLUE,
    BRONZE,
    GOLD,
    LEGEND,
    MUTED,
    PANEL,
    PANEL_ALT,
    RULE,
    SILVER,
    TEXT,
    clean,
    font,
    legend,
    name_of,
    new_card,
    outcome_icon,
    png,
    text,
)
from bot.render.texts import num
from bot.snapshots.boards import Board

WIDTH = 1000
TOP = 10
ROW = 52
HEADER = 132
FOOTER = 158
#: The space between the top ten and the asker's own row below it.
GAP = 12
#: A name is drawn at 26 px, down to this size before it is cut with an ellipsis.
NAME_SMALLEST = 19
COLUMNS = "exact: votes called exactly · peer: points won above the other voters' mean"
MEDALS = {1: GOLD, 2: SILVER, 3: BRONZE}


def resolved_line(board: Board) -> tuple[str, str]:
    """Say how many predictions the period resolved, and how (two short lines)."""
    count = len(board.resolved)
    period = f"in {board.label}" if board.month is not None else "so far"
    ranked = f"{board.size} ranked member{'s' if board.size != 1 else ''}"
    if count == 0:
        return f"No predictions resolved {period}.", ranked
    outcomes = Counter(item.outcome for item in board.resolved)
    parts = [f"{outcomes[o]} {o.label}" for o in Outcome if outcomes[o]]
    noun = "prediction" if count == 1 else "predictions"
    return f"{count} {noun} resolved {period}", " · ".join([*parts, ranked])


def leaderboard_card(
    board: Board, *, server: str, names: Mapping[int, str], member: int | None = None
) -> bytes:
    """Render a board's top ten as a PNG card, with the asker's (member's) row marked or added."""
    rows = board.top(TOP)
    own = board.row_of(member) if member is not None else None
    extra = own if own is not None and all(row.member_id != own.member_id for row in rows) else None
    height = HEADER + ROW * max(len(rows), 1) + (GAP + ROW if extra else 0) + FOOTER
    image, draw = new_card(WIDTH, height)
    title = font(40, bold=True)
    text(draw, (40, 30), f"Leaderboard · {board.label}", title, width=WIDTH - 80)
    text(draw, (40, 82), clean(server, "this server"), font(22), MUTED, width=WIDTH - 360)
    small = font(19)
    for x, label in ((640, "points"), (760, "exact"), (880, "peer")):
        text(draw, (x, 96), label, small, MUTED, anchor="ma")
    top = HEADER
    if not rows:
        draw.rectangle((24, top, WIDTH - 24, top + ROW - 4), fill=PANEL)
        text(draw, (WIDTH / 2, top + ROW / 2), "No scored votes yet.", font(24), MUTED, anchor="mm")
    shared = _shared_ranks(board, rows)
    for index, row in enumerate(rows):
        mine = own is not None and row.member_id == own.member_id
        _row(draw, row, top + index * ROW, names, shared=row.rank in shared, alt=index % 2 == 1)
        if mine:
            _mark(draw, top + index * ROW)
    if extra is not None:
        below = top + len(rows) * ROW + GAP
        tied = sum(1 for rank, *_ in board.ranked if rank == extra.rank) > 1
        _row(draw, extra, below, names, shared=tied, alt=False)
        _mark(draw, below)
    y = height - FOOTER + 18
    draw.line((24, y - 8, WIDTH - 24, y - 8), fill=RULE, width=2)
    first, second = resolved_line(board)
    icon_x = 52
    for item in board.resolved[:16]:
        outcome_icon(draw, (icon_x, y + 16), 10, item.outcome)
        icon_x += 26
    left = icon_x + 8 if board.resolved else 40
    text(draw, (left, y + 4), first, font(20), TEXT, width=WIDTH - left - 48)
    text(draw, (40, y + 40), second, small, MUTED, width=WIDTH - 80)
    legend(draw, (40, y + 84), LEGEND, font(18))
    text(draw, (40, y + 104), COLUMNS, font(18), MUTED, width=WIDTH - 80)
    return png(image)


def _mark(draw: ImageDraw.ImageDraw, top: int) -> None:
    """Outline the asker's own row."""
    draw.rectangle((24, top, WIDTH - 24, top + ROW - 4), outline=BLUE, width=3)


def _shared_ranks(board: Board, rows: tuple[BoardRow, ...]) -> set[int]:
    """Return the ranks shown that more than one member holds (also with one below the top)."""
    ranks = Counter(row.rank for row in rows)
    if rows and len(board.ranked) > len(rows) and board.ranked[len(rows)][0] == rows[-1].rank:
        ranks[rows[-1].rank] += 1
    return {rank for rank, count in ranks.items() if count > 1}


def _row(
    draw: ImageDraw.ImageDraw,
    row: BoardRow,
    top: int,
    names: Mapping[int, str],
    *,
    shared: bool,
    alt: bool,
) -> None:
    """Draw one ranked row; a shared rank reads '=2'."""
    draw.rectangle((24, top, WIDTH - 24, top + ROW - 4), fill=PANEL_ALT if alt else PANEL)
    middle = top + (ROW - 4) / 2
    colour = MEDALS.get(row.rank, TEXT)
    rank = f"={row.rank}" if shared else str(row.rank)
    text(draw, (92, middle), rank, font(26, bold=True), colour, anchor="rm")
    name = name_of(names, row.member_id)
    text(draw, (116, middle), name, font(26), TEXT, width=440, anchor="lm", shrink=NAME_SMALLEST)
    text(draw, (640, middle), num(row.points), font(26, bold=True), TEXT, anchor="mm")
    text(draw, (760, middle), f"{row.accuracy:.0%}", font(24), TEXT, anchor="mm")
    peer = f"{row.peer:+.2f}"
    text(draw, (880, middle), peer, font(24), MUTED if abs(row.peer) < 0.005 else TEXT, anchor="mm")
