"""The member card for /stats: rank, points, accuracy, peer score, agreement, a monthly chart."""

from __future__ import annotations

from PIL import ImageDraw

from bot.render.cards.canvas import (
    BLUE,
    GOLD,
    MUTED,
    PANEL,
    RULE,
    TEXT,
    clean,
    font,
    new_card,
    png,
    text,
)
from bot.render.texts import num
from bot.snapshots.boards import MemberStats

WIDTH = 1000
HEIGHT = 560
MONTHS = 12
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def member_card(stats: MemberStats, *, name: str | None, server: str) -> bytes:
    """Render a member's record as a PNG card."""
    image, draw = new_card(WIDTH, HEIGHT)
    text(draw, (40, 30), clean(name), font(40, bold=True), width=WIDTH - 300, shrink=30)
    text(draw, (40, 82), clean(server, "this server"), font(22), MUTED, width=WIDTH - 300)
    row = stats.row
    rank = f"#{row.rank}" if row is not None else "unranked"
    colour = GOLD if row is not None else MUTED
    text(draw, (WIDTH - 40, 28), rank, font(44, bold=True), colour, anchor="ra")
    of = f"of {stats.ranked_members} all time" if row is not None else "no scored votes yet"
    text(draw, (WIDTH - 40, 84), of, font(20), MUTED, anchor="ra")
    tiles = [
        ("points", num(row.points) if row else "0", ""),
        (
            "exact calls",
            f"{row.accuracy:.0%}" if row else "–",
            f"{row.exact} of {row.scored}" if row else "",
        ),
        ("peer score", f"{row.peer:+.2f}" if row else "–", "vs the others' mean"),
        (
            "with the majority",
            f"{stats.agreed / stats.compared:.0%}" if stats.compared else "–",
            f"{stats.agreed} of {stats.compared}" if stats.compared else "no clear majority yet",
        ),
    ]
    tile_width = (WIDTH - 80 - 3 * 16) / 4
    for index, (label, value, note) in enumerate(tiles):
        left = 40 + index * (tile_width + 16)
        draw.rounded_rectangle((left, 130, left + tile_width, 250), 10, fill=PANEL)
        text(draw, (left + 18, 142), label, font(18), MUTED, width=tile_width - 36)
        text(draw, (left + 18, 170), value, font(38, bold=True), TEXT, width=tile_width - 36)
        text(draw, (left + 18, 218), note, font(18), MUTED, width=tile_width - 36)
    votes = f"{stats.votes} vote{'s' if stats.votes != 1 else ''} · {stats.open_votes} open"
    text(draw, (40, 272), "points month by month", font(20, bold=True), TEXT)
    text(draw, (WIDTH - 40, 272), votes, font(18), MUTED, anchor="ra")
    _chart(draw, stats.months[-MONTHS:], (40, 310, WIDTH - 40, HEIGHT - 30))
    return png(image)


def _chart(
    draw: ImageDraw.ImageDraw,
    months: tuple[tuple[str, float], ...],
    box: tuple[float, float, float, float],
) -> None:
    """Draw points per month as bars over a baseline, each labelled."""
    left, top, right, bottom = box
    draw.rounded_rectangle(box, 10, fill=PANEL)
    base = bottom - 46
    if not months:
        text(
            draw,
            ((left + right) / 2, (top + base) / 2),
            "nothing scored yet",
            font(22),
            MUTED,
            anchor="mm",
        )
        draw.line((left + 20, base, right - 20, base), fill=RULE, width=2)
        return
    peak = max((points for _, points in months), default=0) or 1
    slot = (right - left - 40) / len(months)
    bar = min(slot * 0.6, 56)
    label, value = font(18), font(18, bold=True)
    for index, (month, points) in enumerate(months):
        centre = left + 20 + slot * (index + 0.5)
        height = (base - top - 44) * points / peak
        if points > 0:
            draw.rectangle((centre - bar / 2, base - height, centre + bar / 2, base), fill=BLUE)
        text(draw, (centre, base - height - 6), num(round(points, 1)), value, TEXT, anchor="md")
        name = _MONTH_NAMES[int(month[5:7]) - 1] if len(month) == 7 else "?"
        text(draw, (centre, base + 6), name, label, MUTED, anchor="ma")
        if index == 0 or month.endswith("-01"):
            text(draw, (centre, base + 25), month[:4], label, MUTED, anchor="ma")
    draw.line((left + 20, base, right - 20, base), fill=RULE, width=2)
