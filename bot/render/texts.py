"""Texts shared by every rendering: Discord's limits, cutting, timestamps, tallies, embeds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import discord

from bot.domain import nonces
from bot.domain.notices import Notice
from bot.domain.outcomes import Choice, Outcome
from bot.domain.scoring import PEER_PLACES
from bot.services.snapshots import Tally

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
FIELDS_MAX = 25
ELLIPSIS = "…"

COLOUR_OPEN = discord.Colour.blurple()
COLOUR_CLOSED = discord.Colour.dark_grey()
COLOUR_OUTCOME = {
    Outcome.CAME_TRUE: discord.Colour.green(),
    Outcome.PARTLY: discord.Colour.gold(),
    Outcome.DID_NOT: discord.Colour.red(),
    Outcome.VOID: discord.Colour.light_grey(),
}
#: The icon of each outcome: the vote emoji of its choice, and a white circle for void.
VOID_ICON = "⚪"
OUTCOME_ICON = {
    outcome: outcome.choice.emoji if outcome.choice is not None else VOID_ICON
    for outcome in Outcome
}
HOW_TO_VOTE = (
    "React to vote: "
    + " · ".join(f"{choice.emoji} {choice.label}" for choice in Choice)
    + ". One vote each; change it any time before the poll closes."
)


def cut(text: str, limit: int) -> str:
    """Cut a text to a limit, ending with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def ts(when: datetime, style: str = "f") -> str:
    """Format a Discord timestamp that each reader sees in their own time zone."""
    return f"<t:{int(when.timestamp())}:{style}>"


def tally_line(tally: Tally) -> str:
    """Return '✅ 3 · 🌓 1 · ❌ 0 (4 votes)'."""
    counts = " · ".join(f"{choice.emoji} {tally.count(choice)}" for choice in Choice)
    return f"{counts} ({tally.total} vote{'s' if tally.total != 1 else ''})"


def embed(
    title: str,
    description: str = "",
    *,
    colour: discord.Colour | None = None,
    fields: Iterable[tuple[str, str, bool]] = (),
    footer: str | None = None,
    marker: str = "",
) -> discord.Embed:
    """Build an embed that always fits Discord's limits (texts cut with an ellipsis).

    A `marker` (a post's nonce) is stamped at the end of the footer after any cut, so the bot
    can always find its post again (see nonces.stamp).
    """
    result = discord.Embed(
        title=cut(title, TITLE_MAX),
        description=cut(description, DESCRIPTION_MAX) if description else None,
        colour=colour or COLOUR_OPEN,
    )
    budget = EMBED_TOTAL_MAX - len(result.title or "") - len(result.description or "")
    if marker:
        room = FOOTER_MAX - len(nonces.stamp("", marker)) - len(nonces.STAMP_SEPARATOR)
        footer = nonces.stamp(
            cut(footer, min(room, max(budget - 200, 1))) if footer else "", marker
        )
    elif footer:
        footer = cut(footer, min(FOOTER_MAX, max(budget - 200, 1)))
    if footer:
        budget -= len(footer)
    for count, (name, value, inline) in enumerate(fields):
        name, value = cut(name or "\u200b", FIELD_NAME_MAX), cut(value or "\u200b", FIELD_VALUE_MAX)
        if count >= FIELDS_MAX or len(name) + len(value) > budget:
            break
        budget -= len(name) + len(value)
        result.add_field(name=name, value=value, inline=inline)
    if footer:
        result.set_footer(text=footer)
    return result


def notice_lines(problems: Sequence[Notice]) -> str:
    """Return one '⚠️ text' line per notice (cut to fit a field)."""
    return cut("\n".join(f"⚠️ {n.text}" for n in problems), FIELD_VALUE_MAX)


def with_notices(content: str | None, fresh: Sequence[Notice]) -> str | None:
    """Append new notices to an admin's reply (within a message's limit)."""
    fresh = [n for n in fresh if not content or n.text not in content]  # said already
    if not fresh:
        return content
    lines = "\n".join(f"⚠️ {n.text}" for n in fresh)
    return cut(f"{content}\n\n{lines}" if content else lines, CONTENT_MAX)


def peer(value: float) -> str:
    """Format a peer score as boards rank it: rounded to PEER_PLACES, signed, never '-0.00'."""
    shown = round(value, PEER_PLACES) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{shown:+.{PEER_PLACES}f}"


def num(value: float) -> str:
    """Format points without trailing zeros (1, 0.5)."""
    return f"{value:g}"
