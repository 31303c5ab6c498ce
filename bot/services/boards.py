"""Leaderboards (monthly, all-time), member stats, and the monthly post's claim."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Float, Integer, and_, column, func, select, update, values
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.months import Month, board_month_due, parse_timezone
from bot.domain.outcomes import Outcome
from bot.domain.ranking import rank
from bot.domain.scoring import MemberTotals, score_table
from bot.services.guilds import config_of, ensure
from bot.services.queries import latest_votes, tallies
from bot.services.views import Board, MemberStats, ResolvedItem
from db.models import GuildSettings, LeaderboardPost, Prediction, Resolution, Vote
from db.session import Database

log = logging.getLogger(__name__)

#: A claim older than this with no post recorded is taken to have died mid-post.
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class DuePost:
    """A monthly leaderboard post that is due for a guild."""

    guild_id: int
    month: Month


class BoardService:
    """Compute leaderboards and member stats."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def month(self, guild_id: int, month: Month | str | None = None) -> Board:
        """Return the board of a month (default: the current month in the guild's time zone)."""
        async with self._db.read() as session:
            tz = parse_timezone(await _timezone(session, guild_id))
            if isinstance(month, str):
                month = Month.parse(month)
            month = month or Month.containing(self._clock.now(), tz)
            start, end = month.bounds(tz)
            window = and_(Resolution.resolved_at >= start, Resolution.resolved_at < end)
            return await _board(session, guild_id, month, window)

    async def all_time(self, guild_id: int) -> Board:
        """Return the all-time board."""
        async with self._db.read() as session:
            return await _board(session, guild_id, None, None)

    async def member(self, guild_id: int, member_id: int) -> MemberStats:
        """Return a member's record: votes, scored votes, points, accuracy, peer score, rank."""
        async with self._db.read() as session:
            board = await _board(session, guild_id, None, None)
            latest = latest_votes(
                and_(
                    Vote.member_id == member_id,
                    Vote.prediction_id.in_(
                        select(Prediction.id).where(Prediction.guild_id == guild_id)
                    ),
                )
            ).subquery()
            votes = await session.scalar(select(func.count()).select_from(latest)) or 0
            resolved = select(Resolution.prediction_id)
            open_votes = (
                await session.scalar(
                    select(func.count())
                    .select_from(latest)
                    .where(latest.c.prediction_id.not_in(resolved))
                )
                or 0
            )
        return MemberStats(member_id, votes, open_votes, board.row_of(member_id), len(board.rows))

    async def due_posts(self) -> list[DuePost]:
        """Return the monthly posts that are due and not yet claimed, for every guild."""
        now = self._clock.now()
        due: list[DuePost] = []
        async with self._db.read() as session:
            guilds = [config_of(g) for g in await session.scalars(select(GuildSettings))]
            claimed = {
                (g, m)
                for g, m in await session.execute(
                    select(LeaderboardPost.guild_id, LeaderboardPost.month)
                )
            }
        for guild in guilds:
            month = board_month_due(now, parse_timezone(guild.timezone), guild.created_at)
            if month is not None and (guild.guild_id, str(month)) not in claimed:
                due.append(DuePost(guild.guild_id, month))
        return due

    async def claim_post(self, guild_id: int, month: Month, claimant: str) -> bool:
        """Claim a guild's monthly post; True only for the one claimant that gets it.

        A claim whose post was never recorded and that is older than STALE_CLAIM is taken over,
        so a crash between claiming and posting doesn't lose the post.
        """
        now = self._clock.now()
        insert = sqlite.insert if self._db.is_sqlite else postgresql.insert
        async with self._db.write() as session:
            await ensure(session, guild_id, self._clock)
            result = await session.execute(
                insert(LeaderboardPost)
                .values(guild_id=guild_id, month=str(month), claimed_at=now, claimed_by=claimant)
                .on_conflict_do_nothing(index_elements=["guild_id", "month"])
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return True
            taken = await session.execute(
                update(LeaderboardPost)
                .where(
                    LeaderboardPost.guild_id == guild_id,
                    LeaderboardPost.month == str(month),
                    LeaderboardPost.posted_at.is_(None),
                    LeaderboardPost.claimed_at < now - STALE_CLAIM,
                )
                .values(claimed_at=now, claimed_by=claimant)
            )
            return taken.rowcount == 1  # type: ignore[attr-defined]

    async def unfinished_claims(self) -> list[DuePost]:
        """Return claimed posts never recorded as posted (to retry once their claim is stale)."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(LeaderboardPost.guild_id, LeaderboardPost.month).where(
                    LeaderboardPost.posted_at.is_(None)
                )
            )
            return [DuePost(g, Month.parse(m)) for g, m in rows]

    async def mark_posted(
        self, guild_id: int, month: Month, channel_id: int | None, message_id: int | None
    ) -> None:
        """Record that a monthly post was made."""
        async with self._db.write() as session:
            await session.execute(
                update(LeaderboardPost)
                .where(LeaderboardPost.guild_id == guild_id, LeaderboardPost.month == str(month))
                .values(posted_at=self._clock.now(), channel_id=channel_id, message_id=message_id)
            )

    async def posts(self, guild_id: int) -> list[tuple[str, datetime | None]]:
        """Return a guild's monthly posts (month, posted_at)."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(LeaderboardPost.month, LeaderboardPost.posted_at)
                .where(LeaderboardPost.guild_id == guild_id)
                .order_by(LeaderboardPost.month)
            )
            return [(m, p) for m, p in rows]


async def _timezone(session: AsyncSession, guild_id: int) -> str:
    settings = await session.get(GuildSettings, guild_id)
    return settings.timezone if settings else "UTC"


async def _board(
    session: AsyncSession, guild_id: int, month: Month | None, window: object | None
) -> Board:
    """Score the latest votes on predictions resolved in a window and rank the members."""
    conditions = [Resolution.guild_id == guild_id]
    if window is not None:
        conditions.append(window)  # type: ignore[arg-type]
    resolved_rows = (
        await session.execute(
            select(
                Resolution.prediction_id,
                Resolution.outcome,
                Resolution.resolved_at,
                Prediction.number,
                Prediction.title,
            )
            .join(Prediction, Prediction.id == Resolution.prediction_id)
            .where(*conditions)
            .order_by(Resolution.resolved_at, Prediction.number)
        )
    ).all()
    resolved = tuple(
        ResolvedItem(number, title, Outcome(outcome), at)
        for _, outcome, at, number, title in resolved_rows
    )
    outcomes = {pid: Outcome(o) for pid, o, *_ in resolved_rows if o != Outcome.VOID.value}
    rows = await _member_totals(session, outcomes) if outcomes else []
    return Board(guild_id, month, tuple(rank(rows)), resolved)


async def _member_totals(
    session: AsyncSession, outcomes: dict[int, Outcome]
) -> Sequence[MemberTotals]:
    """Sum each member's points and peer score with the rules' per-choice score table."""
    counts = await tallies(session, outcomes)
    table_rows = []
    for prediction_id, outcome in outcomes.items():
        table = score_table(counts[prediction_id].as_dict(), outcome)
        for choice, score in table.items():
            exact = int(outcome.choice is choice)
            table_rows.append((prediction_id, choice.ordinal, score.points, score.peer, exact))
    scores = (
        values(
            column("prediction_id", Integer),
            column("choice", Integer),
            column("points", Float),
            column("peer", Float),
            column("exact", Integer),
            name="scores",
            literal_binds=True,
        )
        .data(table_rows)
        .cte("scores")
    )
    latest = latest_votes(Vote.prediction_id.in_(list(outcomes))).subquery()
    result = await session.execute(
        select(
            latest.c.member_id,
            func.sum(scores.c.points),
            func.sum(scores.c.peer),
            func.count(),
            func.sum(scores.c.exact),
        )
        .join(
            scores,
            and_(
                scores.c.prediction_id == latest.c.prediction_id,
                scores.c.choice == latest.c.choice,
            ),
        )
        .group_by(latest.c.member_id)
    )
    return [
        MemberTotals(member, float(pts), float(peer), int(n), int(exact))
        for member, pts, peer, n, exact in result
    ]
