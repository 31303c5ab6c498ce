"""The boards' reads as synchronous Core work, so that a whole board is one unit of work.

``Database.run_read`` runs `read_board` in one hop (SQLite) or with no transaction round trips
(PostgreSQL); the narrower reads here also serve the async paths through ``session.run_sync``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from bot.domain.months import Month, parse_timezone
from bot.domain.outcomes import Outcome
from bot.domain.ranking import rank_sorted
from bot.services import ledger
from bot.services.snapshots import Board, ResolvedItem
from db.models import GuildSettings, Prediction, Resolution, ResolutionEvent

#: What a guild's boards depend on: its latest resolution event, time zone, latest edit.
Version = tuple[int, str, str]
#: A cached board of a period under a version, or None.
Lookup = Callable[[str, Version], Board | None]


# Built once: a board sends these on every cold read, and building a select costs more than
# running these small ones.
_GUILD = bindparam("guild")
_VERSION = select(
    select(func.max(ResolutionEvent.id))
    .where(ResolutionEvent.guild_id == _GUILD)
    .scalar_subquery(),
    select(GuildSettings.timezone).where(GuildSettings.guild_id == _GUILD).scalar_subquery(),
    select(func.max(Prediction.updated_at)).where(Prediction.guild_id == _GUILD).scalar_subquery(),
)
_RESOLVED = (
    select(
        Resolution.prediction_id,
        Resolution.outcome,
        Resolution.resolved_at,
        Prediction.number,
        Prediction.title,
    )
    .join(Prediction, Prediction.id == Resolution.prediction_id)
    .where(Resolution.guild_id == _GUILD)
    .order_by(Resolution.resolved_at, Prediction.number)
)
_RESOLVED_IN = _RESOLVED.where(
    Resolution.resolved_at >= bindparam("start"), Resolution.resolved_at < bindparam("end")
)


def read_version(connection: Connection, guild_id: int) -> Version:
    """Return what a guild's boards depend on, in one statement."""
    latest, timezone, edited = connection.execute(_VERSION, {"guild": guild_id}).one()
    return latest or 0, timezone or "UTC", str(edited)


def read_resolved(
    connection: Connection,
    guild_id: int,
    window: tuple[datetime, datetime] | None,
    set_id: int | None = None,
) -> Sequence[Any]:
    """Return (prediction, outcome, resolved_at, number, title) of resolutions in a window."""
    statement = _RESOLVED if window is None else _RESOLVED_IN
    if set_id is not None:
        statement = statement.where(Prediction.set_id == set_id)
    bounds = {} if window is None else {"start": window[0], "end": window[1]}
    return connection.execute(statement, {"guild": guild_id, **bounds}).all()


def resolved_items(rows: Sequence[Any]) -> tuple[ResolvedItem, ...]:
    """Return the predictions a board counted, from `read_resolved` rows."""
    return tuple(
        ResolvedItem(number, title, Outcome(outcome), at) for _, outcome, at, number, title in rows
    )


def read_board(
    connection: Connection,
    guild_id: int,
    month: Month | None,
    now: datetime | None,
    cached: Lookup,
) -> tuple[Version, str, Board, bool]:
    """Return (version, period, board, whether cached) of a month, or all time without `now`.

    A month of None is the current one in the guild's time zone at `now`; the ledger is read
    only when `cached` has no board of the period under the current version.
    """
    version = read_version(connection, guild_id)
    window = None
    if now is not None:
        zone = parse_timezone(version[1])
        month = month or Month.containing(now, zone)
        window = month.bounds(zone)
    period = str(month) if month is not None else ledger.ALL_TIME
    hit = cached(period, version)
    if hit is not None:
        return version, period, hit, True
    resolved = resolved_items(read_resolved(connection, guild_id, window))
    ranked = rank_sorted(ledger.read(connection, guild_id, period))
    return version, period, Board(guild_id, month, tuple(ranked), resolved), False
