"""Texts shared by every rendering: Discord's limits, cutting, timestamps, tallies, embeds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import discord

from bot.domain import nonces
from bot.domain.notices import Notice
from bot.domain.outcomes import Choice, Outcome
from bot.domain.scoring import PEER_PLACES
from bot.snapshots.predictions import Tally

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


#: The lock shown beside a sealed poll's count of votes.
SEALED_ICON = "🔒"


def sealed_count(count: int) -> str:
    """Return '🔒 4 sealed votes'."""
    return f"{SEALED_ICON} {count} sealed vote{'s' if count != 1 else ''}"


def tally_line(tally: Tally) -> str:
    """Return '✅ 3 · 🌓 1 · ❌ 0 (4 votes)', or only the count of a sealed tally while it runs."""
    if tally.hidden:
        return f"{sealed_count(tally.total)} · the tally shows when the poll closes"
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


def fit_lines(lines: Sequence[str], limit: int, more: Callable[[int], str]) -> tuple[str, int]:
    """Join as many whole lines as fit in ``limit`` with a ``more(left)`` line after them.

    Return the text and how many lines it holds whole: a line is never cut, so what is
    counted as shown was shown in full.
    """
    fitted, length = 0, -1
    for count, line in enumerate(lines, start=1):
        length += len(line) + 1
        tail = 0 if count == len(lines) else len(more(len(lines) - count)) + 1
        if length + tail <= limit:
            fitted = count
    shown = list(lines[:fitted])
    if fitted < len(lines):
        shown.append(more(len(lines) - fitted))
    return cut("\n".join(shown), limit), fitted


#: What the admins read when not every notice fits: the rest stay unseen and come again.
MORE_NOTICES = (
    "…and {n} more: they come with your next replies (or set /setup admin-channel); "
    "/prediction show lists a prediction's open disputes."
)
MORE_PROBLEMS = "…and {n} more: /setup check lists them again once these are fixed."


def notice_lines(problems: Sequence[Notice]) -> str:
    """Return one '⚠️ text' line per notice that fits a field whole, then how many more."""
    return fit_notices(problems, FIELD_VALUE_MAX, MORE_PROBLEMS)[0]


def problems_shown(problems: Sequence[Notice]) -> list[Notice]:
    """Return the notices ``notice_lines`` shows whole (the ones to mark seen)."""
    return fit_notices(problems, FIELD_VALUE_MAX, MORE_PROBLEMS)[1]


def fit_notices(
    notices: Sequence[Notice], limit: int, more: str = MORE_NOTICES
) -> tuple[str, list[Notice]]:
    """Return '⚠️ text' lines of the notices that fit whole, and those notices."""
    text, fitted = fit_lines([f"⚠️ {n.text}" for n in notices], limit, lambda n: more.format(n=n))
    return text, list(notices[:fitted])


def with_notices(content: str | None, fresh: Sequence[Notice]) -> tuple[str | None, list[Notice]]:
    """Append new notices to an admin's reply; return it and the notices shown whole in it."""
    said = [n for n in fresh if content and n.text in content]
    fresh = [n for n in fresh if n not in said]
    if not fresh:
        return content, said
    room = CONTENT_MAX - (len(content) + 2 if content else 0)
    if room < len(MORE_NOTICES) + 10:  # no room: they all wait for the next reply
        return content, said
    lines, shown = fit_notices(fresh, room)
    return (f"{content}\n\n{lines}" if content else lines), [*said, *shown]


def peer(value: float) -> str:
    """Format a peer score as boards rank it: rounded to PEER_PLACES, signed, never '-0.00'."""
    shown = round(value, PEER_PLACES) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{shown:+.{PEER_PLACES}f}"


def num(value: float) -> str:
    """Format points without trailing zeros (1, 0.5)."""
    return f"{value:g}"
