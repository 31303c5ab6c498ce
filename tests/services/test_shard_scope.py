"""Each process lists only its shards' work; shard processes coordinate through the database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.clock import FrozenClock
from bot.domain.months import Month
from bot.domain.outcomes import Outcome
from bot.domain.seedfile import load
from bot.domain.shards import ShardScope, shard_of
from bot.services import Services
from bot.services.outbox import board_key, board_of
from bot.services.shard_state import ShardStateService, backoff

SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"
#: Two guilds on shard 0 of 2 and two on shard 1 (large ids, so the shift matters).
GUILDS = [(n << 22) + 7 for n in (1000, 1001, 1002, 1003)]
SHARD0, SHARD1 = ShardScope.of(2, [0]), ShardScope.of(2, [1])


def of(shard: int) -> list[int]:
    return sorted(g for g in GUILDS if shard_of(g, 2) == shard)


async def test_work_lists_are_filtered_by_shard_in_sql(
    services: Services, clock: FrozenClock
) -> None:
    assert len(of(0)) == len(of(1)) == 2
    seed = load(SEED)
    for number, guild in enumerate(GUILDS):
        await services.predictions.load_seed(guild, seed)
        poll, _ = await services.polls.open(guild, 1, channel_id=5, hours=1)
        await services.polls.attach_message(poll.id, 9000 + number)
        await services.polls.open(guild, 2, channel_id=5, hours=1)  # never posted
    assert sorted({r.guild_id for r in await services.polls.open_refs(scope=SHARD1)}) == of(1)
    assert len(await services.polls.open_refs()) == 4
    assert sorted(p.guild_id for p in await services.polls.unposted(SHARD0)) == of(0)

    clock.advance(timedelta(hours=2))
    closed = await services.polls.close_due(SHARD0)
    assert sorted({c.poll.guild_id for c in closed}) == of(0)
    assert sorted({r.guild_id for r in await services.polls.open_refs()}) == of(1)
    assert sorted(c.poll.guild_id for c in await services.polls.results_due(SHARD0)) == of(0)
    assert await services.polls.results_due(SHARD1) == []

    for guild in GUILDS:
        await services.resolution.resolve(guild, 3, Outcome.CAME_TRUE)
    due = await services.resolution.announcements_due(SHARD1)
    assert sorted(r.prediction.guild_id for r in due) == of(1)

    clock.set(datetime(2030, 1, 1, 0, 5, tzinfo=UTC))
    assert sorted(d.guild_id for d in await services.boards.due_posts(SHARD1)) == of(1)
    assert len(await services.boards.due_posts()) == 4
    for guild in GUILDS:
        assert await services.outbox.claim(board_key(guild, Month(2029, 12)), guild, "someone")
    unfinished = await services.outbox.keys("board:", done=False, scope=SHARD0)
    assert sorted(board_of(key)[0] for key in unfinished) == of(0)


async def test_identify_slots_are_taken_once_per_bucket_and_window(services: Services) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    gate = ShardStateService(services.db, lambda: now[0])
    results = await asyncio.gather(*(gate.claim_identify(0, f"p{i}") for i in range(4)))
    assert sum(r is None for r in results) == 1  # one process identifies; the rest wait
    # Discord's 5 s, and 1 s for the winner's commit and send to reach the gateway.
    assert {r for r in results if r is not None} == {now[0] + timedelta(seconds=6)}
    assert await gate.claim_identify(1, "other bucket") is None
    now[0] += timedelta(seconds=5.5)
    assert await gate.claim_identify(0, "p1") == now[0] + timedelta(seconds=0.5)
    now[0] += timedelta(seconds=0.5)
    assert await gate.claim_identify(0, "p1") is None


async def test_failed_starts_are_counted_until_a_start_succeeds(services: Services) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    state = ShardStateService(services.db, lambda: now[0])
    counts = []
    for _ in range(5):
        counts.append((await state.start_attempt("0-1/2"))[0])
        now[0] += timedelta(seconds=30)
    assert counts == [0, 1, 2, 3, 4]
    assert [backoff(n) for n in counts] == [0, 0, 0, 5, 10]
    assert backoff(40) == 600  # capped
    await state.started("0-1/2")
    assert (await state.start_attempt("0-1/2"))[0] == 0
    now[0] += timedelta(hours=2)  # an old failure is forgiven
    assert (await state.start_attempt("0-1/2"))[0] == 0

    await state.serving(1, 2, "host-b:42")
    await state.serving(0, 2, "host-a:7")
    assert [(s.shard_id, s.shard_count, s.process) for s in await state.seen()] == [
        (0, 2, "host-a:7"),
        (1, 2, "host-b:42"),
    ]
