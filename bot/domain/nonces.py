"""The nonce of every message the bot creates: one per logical post, the same on every try.

Discord keeps a message's nonce for a few minutes and, with ``enforce_nonce``, answers a
second create with the same nonce by returning the first message. discord.py sets
``enforce_nonce`` whenever a nonce is given and retries 5xx answers on its own, so a reply
lost on the way back never doubles a post, and neither does a second process or a restart
posting the same thing soon after. Nonces are at most 25 characters; ids are written in
base 36 so a snowflake fits.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.months import Month

MAX_LENGTH = 25
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(value: int) -> str:
    """Write a non-negative integer in base 36."""
    if value < 0:
        raise ValueError("only non-negative numbers have a base-36 form here")
    out = ""
    while True:
        value, digit = divmod(value, 36)
        out = _DIGITS[digit] + out
        if value == 0:
            return out


def _nonce(kind: str, *parts: int) -> str:
    text = kind + ".".join(base36(p) for p in parts)
    if len(text) > MAX_LENGTH:
        raise ValueError(f"nonce {text!r} is longer than {MAX_LENGTH} characters")
    return text


def _seconds(when: datetime) -> int:
    return int(when.timestamp())


def poll_message(poll_id: int, opened_at: datetime) -> str:
    """Return the nonce of a poll's message (the opening time tells apart a reused id)."""
    return _nonce("p", poll_id, _seconds(opened_at))


def poll_result(poll_id: int, closed_at: datetime | None) -> str:
    """Return the nonce of the result posted when a poll closes."""
    return _nonce("r", poll_id, _seconds(closed_at) if closed_at else 0)


def announcement(prediction_id: int, event_count: int) -> str:
    """Return the nonce of the announcement of a prediction's n-th resolution change."""
    return _nonce("a", prediction_id, event_count)


def monthly_board(guild_id: int, month: Month) -> str:
    """Return the nonce of a guild's monthly leaderboard post (also its marker in the post)."""
    return _nonce("m", guild_id, month.year * 100 + month.month)


#: What stands between a footer's text and the marker stamped at its end.
STAMP_SEPARATOR = " · "
_STAMP_PREFIX = "ref "


def stamp(footer: str, marker: str) -> str:
    """Return a footer that ends with a post's marker (its nonce), so the bot can find the post.

    The one writer of the marker: `is_stamped` is the one reader, so the two never drift.
    """
    mark = _STAMP_PREFIX + marker
    return f"{footer}{STAMP_SEPARATOR}{mark}" if footer else mark


def is_stamped(footer: str | None, marker: str) -> bool:
    """Tell whether a footer was stamped with this marker by `stamp`."""
    return bool(footer) and footer.endswith(_STAMP_PREFIX + marker)  # type: ignore[union-attr]


def reminder(poll_id: int) -> str:
    """Return the nonce of a poll's one reminder (also its marker in the post)."""
    return _nonce("q", poll_id)


def admin_notice(guild_id: int, digest: int) -> str:
    """Return the nonce of one notice posted in the admin channel (`digest`: of key and text)."""
    return _nonce("n", guild_id, digest)


def weekly_digest(guild_id: int, week: str) -> str:
    """Return the nonce of a guild's weekly overdue digest ('2025-W48' becomes 202548)."""
    year, number = week.split("-W")
    return _nonce("w", guild_id, int(year) * 100 + int(number))


def dispute(dispute_id: int) -> str:
    """Return the nonce of a dispute posted in the admin channel."""
    return _nonce("d", dispute_id)
