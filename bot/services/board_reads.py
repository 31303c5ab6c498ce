"""The boards' reads as synchronous Core work, so that a whole board is one unit of work.

``Database.run_read`` runs `read_board` in one hop (SQLite) or with no transaction round trips
(PostgreSQL); the narrower reads here also serve the async paths through ``session.run_sync``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, join, select

from bot.domain.months import Month, parse_timezone
from bot.domain.outcomes import Outcome
from bot.services import ledger
from bot.snapshots.boards import Board, ResolvedItem
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
_IN_WINDOW = and_(
    Resolution.resolved_at >= bindparam("start"), Resolution.resolved_at < bindparam("end")
)
_RESOLVED_IN = _RESOLVED.where(_IN_WINDOW)
#: The version, and beside it the resolutions of a window: one round trip for a month's board.
_VERSION_ROW = _VERSION.subquery("version")
_VERSION_AND_RESOLVED_IN = (
    select(
        *_VERSION_ROW.c,
        Resolution.prediction_id,
        Resolution.outcome,
        Resolution.resolved_at,
        Prediction.number,
        Prediction.title,
    )
    .select_from(
        _VERSION_ROW.outerjoin(
            join(Resolution, Prediction, Prediction.id == Resolution.prediction_id),
            and_(Resolution.guild_id == _GUILD, _IN_WINDOW),
        )
    )
    .order_by(Resolution.resolved_at, Prediction.number)
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
    zone_guess: str = "UTC",
) -> tuple[Version, str, Board, bool]:
    """Return (version, period, board, whether cached) of a month, or all time without `now`.

    A month of None is the current one in the guild's time zone at `now`. A month's
    resolutions are read with the version, in the window of `zone_guess` (the guild's time
    zone when last seen), and read again only if the zone is another. The ledger is read only
    when `cached` has no board of the period under the current version.
    """
    resolved_rows: Sequence[Any] | None = None
    if now is None:
        version, window = read_version(connection, guild_id), None
    else:
        guessed = parse_timezone(zone_guess)
        window = (month or Month.containing(now, guessed)).bounds(guessed)
        version, resolved_rows = _version_and_resolved(connection, guild_id, window)
        zone = parse_timezone(version[1])
        month = month or Month.containing(now, zone)
        if version[1] != zone_guess:
            window, resolved_rows = month.bounds(zone), None
    period = str(month) if month is not None else ledger.ALL_TIME
    hit = cached(period, version)
    if hit is not None:
        return version, period, hit, True
    if resolved_rows is None:
        resolved_rows = read_resolved(connection, guild_id, window)
    ranked = ledger.read(connection, guild_id, period)
    board = Board(guild_id, month, tuple(ranked), resolved_items(resolved_rows))
    return version, period, board, False


def _version_and_resolved(
    connection: Connection, guild_id: int, window: tuple[datetime, datetime]
) -> tuple[Version, Sequence[Any]]:
    """Return the version and the resolutions in a window, in one statement."""
    rows = connection.execute(
        _VERSION_AND_RESOLVED_IN, {"guild": guild_id, "start": window[0], "end": window[1]}
    ).all()
    latest, timezone, edited = rows[0][:3]
    resolved = [row[3:] for row in rows if row[3] is not None]
    return (latest or 0, timezone or "UTC", str(edited)), resolved
