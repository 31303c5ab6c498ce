"""The outbox on SQLite and PostgreSQL: one claimant wins a key, a stale claim is taken over
once (saying when it was made), a done key stays done, and the migration moves the claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from bot.domain.clock import FrozenClock
from bot.services import Services
from bot.services.outbox import STALE_CLAIM, OutboxService
from db.migrate import upgrade
from db.session import Database

KEY = "result:7"


async def test_one_of_many_claimants_wins_and_a_done_key_stays_done(
    services: Services, clock: FrozenClock
) -> None:
    outbox = services.outbox
    won = await asyncio.gather(*(outbox.claim(KEY, 1, f"worker-{i}") for i in range(6)))
    assert sum(claim is not None for claim in won) == 1
    assert next(c for c in won if c is not None).taken_over is None
    assert await outbox.held([KEY, "result:8"]) == {KEY}
    assert await outbox.posted(KEY) is None and not await outbox.done(KEY)
    await outbox.record(KEY, 5, 77)
    assert await outbox.held([KEY]) == set()
    posted = await outbox.posted(KEY)
    assert posted is not None and (posted.channel_id, posted.message_id) == (5, 77)
    clock.advance(STALE_CLAIM * 10)
    assert await outbox.claim(KEY, 1, "late") is None  # done: never taken over


async def test_a_stale_claim_is_taken_over_once_and_says_when_it_was_made(
    services: Services, clock: FrozenClock
) -> None:
    outbox = services.outbox
    assert await outbox.claim(KEY, 1, "dead") is not None
    made = clock.now()
    clock.advance(STALE_CLAIM)
    assert await outbox.claim(KEY, 1, "early") is None  # not older than stale yet
    clock.advance(timedelta(seconds=1))
    assert await outbox.held([KEY]) == set()  # stale: nobody holds it
    taken = await asyncio.gather(*(outbox.claim(KEY, 1, f"rescuer-{i}") for i in range(4)))
    (winner,) = [t for t in taken if t is not None]
    assert winner.taken_over == made
    assert await outbox.claim(KEY, 1, "another") is None  # the taker's claim is fresh
    assert await outbox.keys("result:", done=False) == [KEY]


async def test_a_release_frees_the_key_only_for_its_claimant(services: Services) -> None:
    outbox = services.outbox
    assert await outbox.claim(KEY, 1, "a") is not None
    await outbox.release(KEY, "b")  # not b's claim: kept
    assert await outbox.claim(KEY, 1, "b") is None
    await outbox.release(KEY, "a")
    claim = await outbox.claim(KEY, 1, "b")
    assert claim is not None and claim.taken_over is None


async def test_two_processes_claim_a_key_once(empty_db_url: str, clock: FrozenClock) -> None:
    first, second = Database(empty_db_url), Database(empty_db_url)
    try:
        await upgrade(first)
        a, b = OutboxService(first, clock), OutboxService(second, clock)
        for n in range(20):
            key = f"digest:1:2026-W{n:02}"
            won = await asyncio.gather(a.claim(key, 1, "a"), b.claim(key, 1, "b"))
            assert sum(claim is not None for claim in won) == 1, key
        clock.advance(STALE_CLAIM + timedelta(seconds=1))
        won = await asyncio.gather(a.claim("digest:1:2026-W00", 1, "a"), b.claim(KEY, 1, "b"))
        assert won[0] is not None and won[0].taken_over is not None and won[1] is not None
    finally:
        await first.dispose()
        await second.dispose()


#: Stored as the schema stores them: naive UTC.
CLAIMED = datetime(2025, 12, 1, 0, 5, tzinfo=UTC).replace(tzinfo=None)
POSTED = datetime(2025, 12, 1, 0, 6, tzinfo=UTC).replace(tzinfo=None)
JOB_CLAIMS = sa.table(
    "job_claims",
    sa.column("key", sa.String),
    sa.column("claimed_at", sa.DateTime),
    sa.column("claimed_by", sa.String),
    sa.column("done_at", sa.DateTime),
)
BOARD_POSTS = sa.table(
    "leaderboard_posts",
    sa.column("guild_id", sa.BigInteger),
    sa.column("month", sa.String),
    sa.column("claimed_at", sa.DateTime),
    sa.column("claimed_by", sa.String),
    sa.column("posted_at", sa.DateTime),
    sa.column("channel_id", sa.BigInteger),
    sa.column("message_id", sa.BigInteger),
)
PREDICTIONS = sa.table(
    "predictions",
    *(sa.column(c, sa.Integer) for c in ("id", "guild_id", "number")),
    *(sa.column(c, sa.String) for c in ("title", "statement", "source")),
    *(sa.column(c, sa.Date) for c in ("made_on", "due")),
    sa.column("archived", sa.Boolean),
    *(sa.column(c, sa.DateTime) for c in ("created_at", "updated_at")),
)
POLLS = sa.table(
    "polls",
    *(sa.column(c, sa.BigInteger) for c in ("id", "prediction_id", "guild_id", "channel_id")),
    *(sa.column(c, sa.DateTime) for c in ("opened_at", "closes_at", "reminder_claimed_at")),
    sa.column("reminder_message_id", sa.BigInteger),
)
OUTBOX = sa.table(
    "outbox",
    sa.column("key", sa.String),
    sa.column("guild_id", sa.BigInteger),
    sa.column("claimed_at", sa.DateTime),
    sa.column("claimed_by", sa.String),
    sa.column("posted_at", sa.DateTime),
    sa.column("channel_id", sa.BigInteger),
    sa.column("message_id", sa.BigInteger),
)


async def test_the_migration_moves_todays_claims_into_the_outbox(empty_db_url: str) -> None:
    db = Database(empty_db_url)
    try:
        await upgrade(db, "0009")
        async with db.write() as session:
            await session.execute(
                sa.insert(JOB_CLAIMS),
                [
                    {"key": "digest:7:2025-W49", "claimed_at": CLAIMED, "claimed_by": "h:1",
                     "done_at": POSTED},
                    {"key": "champion:7:2025-11", "claimed_at": CLAIMED, "claimed_by": "h:2",
                     "done_at": None},
                ],
            )  # fmt: skip
            await session.execute(
                sa.insert(BOARD_POSTS),
                [
                    {"guild_id": 7, "month": "2025-11", "claimed_at": CLAIMED,
                     "claimed_by": "h:1", "posted_at": POSTED, "channel_id": 5, "message_id": 50},
                    {"guild_id": 8, "month": "2025-11", "claimed_at": CLAIMED,
                     "claimed_by": "h:3", "posted_at": None, "channel_id": None,
                     "message_id": None},
                ],
            )  # fmt: skip
            await session.execute(
                sa.insert(PREDICTIONS),
                [
                    {"id": n, "guild_id": 7, "number": n, "title": "T", "statement": "S",
                     "source": "s", "made_on": date(2025, 1, 1), "due": date(2025, 12, 31),
                     "archived": False, "created_at": CLAIMED, "updated_at": CLAIMED}
                    for n in (1, 2, 3)
                ],
            )  # fmt: skip
            await session.execute(
                sa.insert(POLLS),
                [
                    {"id": 1, "prediction_id": 1, "guild_id": 7, "channel_id": 5,
                     "opened_at": CLAIMED, "closes_at": POSTED, "reminder_claimed_at": CLAIMED,
                     "reminder_message_id": None},
                    {"id": 2, "prediction_id": 2, "guild_id": 7, "channel_id": 5,
                     "opened_at": CLAIMED, "closes_at": POSTED, "reminder_claimed_at": CLAIMED,
                     "reminder_message_id": 60},
                    {"id": 3, "prediction_id": 3, "guild_id": 7, "channel_id": 5,
                     "opened_at": CLAIMED, "closes_at": POSTED, "reminder_claimed_at": None,
                     "reminder_message_id": None},
                ],
            )  # fmt: skip
        await upgrade(db)
        async with db.read() as session:
            rows = {
                r.key: (r.guild_id, r.claimed_by, r.posted_at, r.channel_id, r.message_id)
                for r in await session.execute(sa.select(OUTBOX))
            }
            boards = (
                await session.execute(
                    sa.select(BOARD_POSTS.c.guild_id, BOARD_POSTS.c.month, BOARD_POSTS.c.message_id)
                )
            ).all()
            columns = [
                c["name"]
                for c in await session.run_sync(
                    lambda sync: sa.inspect(sync.connection()).get_columns("polls")
                )
            ]
            tables = await session.run_sync(
                lambda sync: sa.inspect(sync.connection()).get_table_names()
            )
        assert rows == {
            "digest:7:2025-W49": (7, "h:1", POSTED, None, None),
            "champion:7:2025-11": (7, "h:2", None, None, None),
            "board:7:2025-11": (7, "h:1", POSTED, 5, 50),
            "board:8:2025-11": (8, "h:3", None, None, None),
            "reminder:1": (7, "before-0010", None, None, None),
            "reminder:2": (7, "before-0010", CLAIMED, 5, 60),
        }
        assert boards == [(7, "2025-11", 50)]  # the record of what was posted stays
        assert "reminder_claimed_at" not in columns and "reminder_message_id" in columns
        assert "job_claims" not in tables and "outbox" in tables
    finally:
        await db.dispose()


async def test_the_outbox_is_read_back_as_utc(services: Services, clock: FrozenClock) -> None:
    clock.set(datetime(2026, 1, 1, 12, tzinfo=UTC))
    assert await services.outbox.claim(KEY, 1, "a") is not None
    clock.advance(STALE_CLAIM + timedelta(seconds=1))
    claim = await services.outbox.claim(KEY, 1, "b")
    assert claim is not None and claim.taken_over == datetime(2026, 1, 1, 12, tzinfo=UTC)
