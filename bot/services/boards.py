"""Leaderboards (monthly, all-time), member stats, and the monthly post's record."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.months import Month, board_month_due, parse_timezone
from bot.domain.outcomes import Choice, Outcome
from bot.domain.ranking import rank_tuples
from bot.domain.shards import ShardScope
from bot.services import ledger, set_scores
from bot.services.board_reads import (
    Version,
    read_board,
    read_resolved,
    read_version,
    resolved_items,
)
from bot.services.guilds import config_of
from bot.services.outbox import board_key
from bot.services.scoping import EVERYTHING, owned
from bot.services.tally_cache import ResolvedTallies
from bot.snapshots.boards import Board, MemberStats
from db.models import (
    BotState,
    GuildSettings,
    LeaderboardPost,
    MemberScore,
    OutboxEntry,
    Prediction,
    Resolution,
    Vote,
)
from db.session import Database

log = logging.getLogger(__name__)

LEDGER_KEY = "score_ledger_built"
#: Set once every ledger row keeps its rank (ledger.place_periods).
PLACES_KEY = "score_ledger_placed"

#: How many months a member's card charts.
MONTHS = 12


@dataclass(frozen=True, slots=True)
class DuePost:
    """A monthly leaderboard post that is due for a guild."""

    guild_id: int
    month: Month


class BoardService:
    """Compute leaderboards and member stats.

    Votes count only on resolved predictions, and a resolved prediction takes no votes (its
    poll is closed and no poll opens until it is unresolved), so a guild's boards change only
    when a resolution changes. Computed boards are cached under the guild's latest resolution
    event and time zone, and recomputed after any resolution change; the resolving workflow
    asks for them again at once (`warm`), so a member's first command after it finds them.
    """

    CACHE_SIZE = 256

    def __init__(
        self, db: Database, clock: Clock, resolved_tallies: ResolvedTallies | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._cache: dict[tuple[int, str], tuple[Version, Board]] = {}
        #: Tallies of resolved predictions (frozen while resolved), shared with the breakdown.
        self._tallies = resolved_tallies or ResolvedTallies()
        #: Each guild's time zone when last read, to read a month's resolutions with its version.
        self._zones: dict[int, str] = {}
        #: A guild's boards being read again after a resolution change (`warm`).
        self._warming: dict[int, asyncio.Task[None]] = {}

    def clear_cache(self) -> None:
        """Forget computed boards and tallies (benchmarks use it to time the cold path)."""
        self._cache.clear()
        self._tallies.clear()

    def warm(self, guild_id: int) -> None:
        """Read a guild's boards again after a resolution change, in the background.

        The all-time board, this month's and the resolved predictions' tallies: what a
        member's first /leaderboard or /stats needs. A command that comes meanwhile waits for
        it rather than reading the same again beside it.
        """
        running = self._warming.get(guild_id)
        task = asyncio.create_task(self._warm(guild_id, running), name=f"warm boards {guild_id}")
        self._warming[guild_id] = task
        task.add_done_callback(lambda t: self._forget_warming(guild_id, t))

    def _forget_warming(self, guild_id: int, task: asyncio.Task[None]) -> None:
        if self._warming.get(guild_id) is task:
            del self._warming[guild_id]

    async def stop(self) -> None:
        """Cancel the reads ahead still running (on the way out, before the database closes)."""
        tasks = list(self._warming.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def _warm(self, guild_id: int, before: asyncio.Task[None] | None) -> None:
        if before is not None:
            await asyncio.wait({before})  # never raises: its failure or cancellation is its own
        try:
            await self._ledger_board(guild_id, None, None)
            await self._ledger_board(guild_id, None, self._clock.now())
            async with self._db.read() as session:
                scored = await session.scalars(
                    select(Resolution.prediction_id).where(
                        Resolution.guild_id == guild_id, Resolution.outcome != Outcome.VOID.value
                    )
                )
                await self._tallies.of(session, guild_id, list(scored))
        except Exception:  # a command reads them itself; nothing is lost
            log.exception("could not read guild %s's boards ahead", guild_id)

    async def _warmed(self, guild_id: int) -> None:
        """Wait for a guild's boards being read ahead, if they are (a command's first step)."""
        task = self._warming.get(guild_id)
        if task is not None and task is not asyncio.current_task():
            # Never raises: a read ahead that failed or was cancelled leaves the command to read.
            await asyncio.wait({task})

    async def month(
        self, guild_id: int, month: Month | str | None = None, *, set_id: int | None = None
    ) -> Board:
        """Return the board of a month (default: this month in the guild's time zone)."""
        if isinstance(month, str):
            month = Month.parse(month)
        await self._warmed(guild_id)
        if set_id is None:
            return await self._ledger_board(guild_id, month, self._clock.now())
        async with self._db.read() as session:
            version = await _version(session, guild_id)
            tz = parse_timezone(version[1])
            month = month or Month.containing(self._clock.now(), tz)
            period = _period(str(month), set_id)
            cached = self._cached(guild_id, period, version)
            if cached is not None:
                return cached
            board = await _set_board(session, guild_id, month, month.bounds(tz), set_id)
        return self._store(guild_id, period, version, board)

    async def all_time(self, guild_id: int, *, set_id: int | None = None) -> Board:
        """Return the all-time board (of one set, when given)."""
        await self._warmed(guild_id)
        if set_id is None:
            return await self._ledger_board(guild_id, None, None)
        period = _period(ledger.ALL_TIME, set_id)
        async with self._db.read() as session:
            version = await _version(session, guild_id)
            cached = self._cached(guild_id, period, version)
            if cached is not None:
                return cached
            board = await _set_board(session, guild_id, None, None, set_id)
        return self._store(guild_id, period, version, board)

    async def _ledger_board(
        self, guild_id: int, month: Month | None, now: datetime | None
    ) -> Board:
        """Return a board of every set from the ledger: one unit of work, read and ranked."""

        def lookup(period: str, version: Version) -> Board | None:
            return self._cached(guild_id, period, version)

        guess = self._zones.get(guild_id, "UTC")
        version, period, board, hit = await self._db.run_read(
            lambda connection: read_board(connection, guild_id, month, now, lookup, guess)
        )
        self._zones[guild_id] = version[1]
        return board if hit else self._store(guild_id, period, version, board)

    def _cached(self, guild_id: int, period: str, version: Version) -> Board | None:
        hit = self._cache.get((guild_id, period))
        return hit[1] if hit is not None and hit[0] == version else None

    def _store(self, guild_id: int, period: str, version: Version, board: Board) -> Board:
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[(guild_id, period)] = (version, board)
        return board

    async def ensure_ledger(self) -> None:
        """Build the score ledger once for databases that had resolutions before it existed.

        A ledger built before its rows kept their ranks is ranked once instead.
        """
        async with self._db.write() as session:
            built = await session.get(BotState, LEDGER_KEY)
            placed = await session.get(BotState, PLACES_KEY)
            if built is not None and placed is not None:
                return
            if built is None:
                guilds = await ledger.rebuild_all(session)
                if guilds:
                    log.info("built the score ledger for %d guild(s)", guilds)
            else:
                moved = await ledger.place_all(session)
                log.info("ranked the score ledger's rows (%d places)", moved)
            now = self._clock.now()
            for key, done in ((LEDGER_KEY, built), (PLACES_KEY, placed)):
                if done is None:
                    session.add(BotState(key=key, value="1", updated_at=now))

    async def member(
        self, guild_id: int, member_id: int, *, set_id: int | None = None
    ) -> MemberStats:
        """Return a member's record (in one set, when given): votes, points, peer score, rank."""
        board = await self.all_time(guild_id, set_id=set_id)
        ours = [Prediction.guild_id == guild_id]
        if set_id is not None:
            ours.append(Prediction.set_id == set_id)
        async with self._db.read() as session:
            # Each of the member's votes in one read, with its prediction's resolution: the
            # counts and the agreement come from the same rows (one seek of the covering index
            # per prediction and choice, instead of three).
            rows = await session.execute(
                select(Vote.prediction_id, Vote.poll_id, Vote.choice, Resolution.outcome)
                .outerjoin(Resolution, Resolution.prediction_id == Vote.prediction_id)
                .where(
                    Vote.member_id == member_id,
                    # Naming every choice lets SQLite seek (prediction, choice, member) in
                    # the covering index: 7 ms instead of 110 ms on a million votes.
                    Vote.choice.in_([c.ordinal for c in Choice]),
                    Vote.prediction_id.in_(select(Prediction.id).where(*ours)),
                )
            )
            voted: set[int] = set()
            unresolved: set[int] = set()
            latest: dict[int, tuple[int, int]] = {}  # scored prediction: (poll, choice)
            for prediction_id, poll_id, ordinal, outcome in rows:
                voted.add(prediction_id)
                if outcome is None:
                    unresolved.add(prediction_id)
                elif outcome != Outcome.VOID.value and (
                    prediction_id not in latest or poll_id > latest[prediction_id][0]
                ):
                    latest[prediction_id] = (poll_id, ordinal)
            votes, open_votes = len(voted), len(unresolved)
            months = await self._months(session, guild_id, member_id, set_id)
            agreed, compared = await self._agreement(session, guild_id, latest)
        return MemberStats(
            member_id,
            votes,
            open_votes,
            board.row_of(member_id),
            board.size,
            months,
            agreed,
            compared,
        )

    async def _months(
        self, session: AsyncSession, guild_id: int, member_id: int, set_id: int | None
    ) -> tuple[tuple[str, float], ...]:
        """Return a member's points in each of the last MONTHS months (none if never scored)."""
        settings = await session.get(GuildSettings, guild_id)
        zone = parse_timezone(settings.timezone if settings else "UTC")
        if set_id is None:
            scored = dict(
                (
                    await session.execute(
                        select(MemberScore.period, MemberScore.points).where(
                            MemberScore.guild_id == guild_id,
                            MemberScore.member_id == member_id,
                            MemberScore.period != ledger.ALL_TIME,
                        )
                    )
                ).all()
            )
        else:
            resolved = await session.execute(
                select(Resolution.prediction_id, Resolution.outcome, Resolution.resolved_at)
                .join(Prediction, Prediction.id == Resolution.prediction_id)
                .where(Resolution.guild_id == guild_id, Prediction.set_id == set_id)
            )
            counted = [(p, Outcome(o), at) for p, o, at in resolved]
            scored = await set_scores.member_months(session, member_id, counted, zone)
        if not scored:
            return ()
        month = Month.containing(self._clock.now(), zone)
        shown: list[tuple[str, float]] = []
        for _ in range(MONTHS):
            shown.append((str(month), float(scored.get(str(month), 0.0))))
            month = month.previous()
        return tuple(reversed(shown))

    async def _agreement(
        self, session: AsyncSession, guild_id: int, latest: dict[int, tuple[int, int]]
    ) -> tuple[int, int]:
        """Count a member's scored votes that matched the others' clear majority, of those with one."""
        counts = await self._tallies.of(session, guild_id, latest)
        agreed = compared = 0
        for prediction_id, (_, ordinal) in latest.items():
            mine = Choice.from_ordinal(ordinal)
            others = counts[prediction_id].without(mine).majority
            if others is not None:
                compared += 1
                agreed += int(others is mine)
        return agreed, compared

    async def due_posts(self, scope: ShardScope = EVERYTHING) -> list[DuePost]:
        """Return the monthly posts that are due and not yet claimed (in the scope's guilds)."""
        now = self._clock.now()
        due: list[DuePost] = []
        async with self._db.read() as session:
            guilds = [
                config_of(g)
                for g in await session.scalars(
                    select(GuildSettings).where(owned(GuildSettings.guild_id, scope))
                )
            ]
            claimed = set(
                await session.scalars(
                    select(OutboxEntry.key).where(OutboxEntry.key.startswith("board:"))
                )
            )
        for guild in guilds:
            month = board_month_due(now, parse_timezone(guild.timezone), guild.created_at)
            if month is not None and board_key(guild.guild_id, month) not in claimed:
                due.append(DuePost(guild.guild_id, month))
        return due

    async def mark_posted(
        self, guild_id: int, month: Month, channel_id: int | None, message_id: int | None
    ) -> None:
        """Record that a monthly post was made (again: the same record)."""
        insert = sqlite.insert if self._db.is_sqlite else postgresql.insert
        values = {
            "posted_at": self._clock.now(),
            "channel_id": channel_id,
            "message_id": message_id,
        }
        async with self._db.write() as session:
            await session.execute(
                insert(LeaderboardPost)
                .values(guild_id=guild_id, month=str(month), **values)
                .on_conflict_do_update(index_elements=["guild_id", "month"], set_=values)
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


async def _version(session: AsyncSession, guild_id: int) -> Version:
    """Return what a guild's boards depend on: resolution changes, time zone, prediction edits."""
    return await session.run_sync(lambda sync: read_version(sync.connection(), guild_id))


def _period(period: str, set_id: int) -> str:
    """Return the cache key of a period narrowed to a set."""
    return f"{period}@{set_id}"


async def _set_board(
    session: AsyncSession,
    guild_id: int,
    month: Month | None,
    window: tuple[datetime, datetime] | None,
    set_id: int,
) -> Board:
    """Rank one set's totals of a period, beside its predictions resolved (counted) in it."""
    rows = await session.run_sync(
        lambda sync: read_resolved(sync.connection(), guild_id, window, set_id)
    )
    counted = [(pid, Outcome(outcome)) for pid, outcome, *_ in rows]
    ranked = rank_tuples(await set_scores.totals(session, counted))
    return Board(guild_id, month, tuple(ranked), resolved_items(rows))
