"""The score ledger: each member's totals per guild and month, and all time.

A resolved prediction takes no votes (its poll is closed, and no poll opens until it is
unresolved), so its scored votes are frozen while it stays resolved. Each resolution change
therefore books that prediction's contributions to the ledger (and takes back those of the
resolution it replaces) in the same transaction, and a board is an indexed range read.
Points and peer scores come from the rules in bot/domain/scoring.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, Integer, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.months import Month, parse_timezone
from bot.domain.outcomes import Choice, Outcome
from bot.domain.ranking import Ranked, rank_tuples
from bot.domain.scoring import score_table
from bot.services.shared_reads import latest_votes, split_by_polls, tallies
from db.models import GuildSettings, MemberScore, Prediction, Resolution, Vote
from db.session import driver_rows

log = logging.getLogger(__name__)

ALL_TIME = "all"
_table = MemberScore.__table__


async def book(
    session: AsyncSession,
    guild_id: int,
    prediction_id: int,
    outcome: Outcome,
    resolved_at: datetime,
    *,
    sign: int,
    place: bool = True,
) -> list[str]:
    """Add (sign=1) or take back (sign=-1) one resolved prediction's scores; return the periods.

    The periods' rows are then ranked again (`place`), unless the caller does it once later
    for every period it booked (a resolution change: the old and the new outcome's periods
    ranked once, so places that move and move back are never written).
    """
    if outcome is Outcome.VOID:
        return []
    settings = await session.get(GuildSettings, guild_id)
    zone = parse_timezone(settings.timezone if settings else "UTC")
    month = str(Month.containing(resolved_at, zone))
    rows: list[dict[str, Any]] = []
    for member_id, points, peer, exact in await scores_of(session, prediction_id, outcome):
        entry = {
            "guild_id": guild_id,
            "member_id": member_id,
            "points": sign * points,
            "peer": sign * peer,
            "scored": sign,
            "exact": sign * exact,
        }
        rows += [{**entry, "period": month}, {**entry, "period": ALL_TIME}]
    if not rows:
        return []
    await session.execute(_upsert(session), rows)
    periods = [month, ALL_TIME]
    if sign < 0:  # members left with nothing scored in a period leave its board
        await session.execute(
            delete(MemberScore).where(
                MemberScore.guild_id == guild_id,
                MemberScore.period.in_(periods),
                MemberScore.scored <= 0,
            )
        )
    if place:
        await place_periods(session, guild_id, periods)
    return periods


async def place_periods(session: AsyncSession, guild_id: int, periods: Iterable[str]) -> int:
    """Rank each period's rows by the board's rule and store the ranks that moved; return them.

    A board then reads its rows in rank order as they are: the ranking is paid once per
    resolution change (an admin's act), not by every board read after it.
    """
    connection = await session.connection()
    moved = 0
    for period in periods:
        rows = driver_rows(await connection.execute(_PLACED, {"guild": guild_id, "period": period}))
        before = {row[0]: row[5] for row in rows}
        moves = [
            (member_id, place)
            for place, member_id, *_ in rank_tuples(row[:5] for row in rows)
            if before[member_id] != place
        ]
        if not moves:
            continue
        moved += len(moves)
        if connection.dialect.name == "postgresql":  # one statement: the moves as two arrays
            members, places = zip(*moves, strict=True)
            bounds = {"members": list(members), "places": list(places)}
            await connection.execute(_PLACE_ARRAYS, {"g": guild_id, "p": period, **bounds})
        else:  # one prepared statement for every move, as plain tuples (SQLite's ? marks)
            await connection.exec_driver_sql(
                _PLACE_SQLITE, [(place, guild_id, period, m) for m, place in moves]
            )
    return moved


async def place_all(session: AsyncSession) -> int:
    """Rank every period of every guild (a ledger from before places were kept); return moves."""
    periods = (await session.execute(select(_table.c.guild_id, _table.c.period).distinct())).all()
    by_guild: dict[int, list[str]] = {}
    for guild_id, period in periods:
        by_guild.setdefault(guild_id, []).append(period)
    return sum([await place_periods(session, g, ps) for g, ps in by_guild.items()])


_PLACED = select(
    _table.c.member_id,
    _table.c.points,
    _table.c.peer,
    _table.c.scored,
    _table.c.exact,
    _table.c.place,
).where(_table.c.guild_id == bindparam("guild"), _table.c.period == bindparam("period"))
_PLACE_SQLITE = (
    "UPDATE member_scores SET place = ? WHERE guild_id = ? AND period = ? AND member_id = ?"
)
_MOVES = (
    func.unnest(
        bindparam("members", type_=postgresql.ARRAY(BigInteger)),
        bindparam("places", type_=postgresql.ARRAY(Integer)),
    )
    .table_valued("member_id", "place")
    .render_derived(name="moves")
)
_PLACE_ARRAYS = (
    update(_table)
    .where(
        _table.c.guild_id == bindparam("g"),
        _table.c.period == bindparam("p"),
        _table.c.member_id == _MOVES.c.member_id,
    )
    .values(place=_MOVES.c.place)
)


async def scores_of(
    session: AsyncSession, prediction_id: int, outcome: Outcome
) -> list[tuple[int, float, float, int]]:
    """Return (member, points, peer, exact) of each current vote on a resolved prediction."""
    if outcome is Outcome.VOID:
        return []
    tally = (await tallies(session, [prediction_id]))[prediction_id]
    table = score_table(tally.as_dict(), outcome)
    single, _ = await split_by_polls(session, [prediction_id])
    if single:
        statement = select(Vote.member_id, Vote.choice).where(Vote.prediction_id == prediction_id)
    else:
        latest = latest_votes(Vote.prediction_id == prediction_id).subquery()
        statement = select(latest.c.member_id, latest.c.choice)
    out: list[tuple[int, float, float, int]] = []
    for member_id, ordinal in await session.execute(statement):
        choice = Choice.from_ordinal(ordinal)
        score = table[choice]
        out.append((member_id, score.points, score.peer, int(outcome.choice is choice)))
    return out


async def rebuild(session: AsyncSession, guild_id: int) -> None:
    """Recompute a guild's ledger from its resolutions (after a time zone change)."""
    await session.execute(delete(MemberScore).where(MemberScore.guild_id == guild_id))
    resolved = await session.execute(
        select(Resolution.prediction_id, Resolution.outcome, Resolution.resolved_at)
        .join(Prediction, Prediction.id == Resolution.prediction_id)
        .where(Resolution.guild_id == guild_id)
    )
    for prediction_id, outcome, resolved_at in resolved.all():
        await book(
            session, guild_id, prediction_id, Outcome(outcome), resolved_at, sign=1, place=False
        )
    periods = await session.scalars(
        select(MemberScore.period).where(MemberScore.guild_id == guild_id).distinct()
    )
    await place_periods(session, guild_id, list(periods))


async def rebuild_all(session: AsyncSession) -> int:
    """Recompute every guild's ledger; return how many guilds had resolutions."""
    guilds = list(await session.scalars(select(Resolution.guild_id).distinct()))
    for guild_id in guilds:
        await rebuild(session, guild_id)
    return len(guilds)


#: A period's ledger in rank order, ranks first: the board's rows as they are stored.
_READ = (
    select(
        _table.c.place,
        _table.c.member_id,
        _table.c.points,
        _table.c.peer,
        _table.c.scored,
        _table.c.exact,
    )
    .where(_table.c.guild_id == bindparam("guild"), _table.c.period == bindparam("period"))
    .order_by(_table.c.place, _table.c.member_id)
)


def read(connection: Connection, guild_id: int, period: str) -> Sequence[Ranked]:
    """Return a period's board: (rank, member, points, peer, scored, exact), best first.

    The driver's own rows, which index and unpack as those tuples: thousands of them, of plain
    numeric types, that need no Row objects and no type processing.
    """
    statement = connection.execute(_READ, {"guild": guild_id, "period": period})
    return driver_rows(statement)


async def size(session: AsyncSession) -> int:
    """Return the number of ledger rows."""
    return await session.scalar(select(func.count()).select_from(MemberScore)) or 0


def _upsert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    statement = insert(_table)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_table.c.guild_id, _table.c.period, _table.c.member_id],
        set_={
            "points": _table.c.points + excluded.points,
            "peer": _table.c.peer + excluded.peer,
            "scored": _table.c.scored + excluded.scored,
            "exact": _table.c.exact + excluded.exact,
        },
    )
