"""The vote writer against a real SQLite file: order kept across batches, exclusive work."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.vote_writer import COALESCE, VoteWriter

SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"


async def test_many_batches_equal_one_by_one_semantics(
    services: Services, clock: FrozenClock
) -> None:
    await services.predictions.load_seed(1, load(SEED))
    polls = {}
    for number in (1, 2, 3):
        poll, _ = await services.polls.open(1, number, channel_id=9)
        await services.polls.attach_message(poll.id, 100 + number)
        polls[100 + number] = poll.id
    rng = random.Random(7)
    events = [
        VoteEvent(
            rng.choice([EventKind.CAST, EventKind.CAST, EventKind.RETRACT]),
            rng.choice(list(polls)),
            rng.randint(1, 40),
            rng.choice(list(Choice)),
            clock.now(),
        )
        for _ in range(3000)
    ]
    expected: dict[tuple[int, int], Choice] = {}
    for e in events:
        key = (e.message_id, e.member_id)
        if e.kind is EventKind.CAST:
            expected[key] = e.choice
        elif expected.get(key) is e.choice:
            del expected[key]

    superseded: list[tuple[int, int, Choice]] = []
    writer = VoteWriter(
        services.votes, max_batch=128, max_delay=0.01, on_superseded=superseded.extend
    )
    for event in events:
        writer.put(event)
    await writer.flush()
    # Events put while a batch is in flight gather into the next (at most COALESCE batches).
    assert writer.committed == 3000 and writer.batches >= 3000 // (128 * COALESCE)
    stored = {}
    for message_id, poll_id in polls.items():
        for member, choice in (await services.votes.votes_of_poll(poll_id)).items():
            stored[(message_id, member)] = choice
    assert stored == expected
    assert superseded  # changes of mind were reported so older reactions can be removed

    # What the writer remembers is exactly the stored votes, and a closed poll's goes with it.
    def remembered() -> dict[tuple[int, int], Choice]:
        pairs = ((m, u, writer.current(m, u)) for m in polls for u in range(1, 41))
        return {(m, u): c for m, u, c in pairs if c is not None}

    assert remembered() == expected
    writer.forget(101)
    assert remembered() == {k: c for k, c in expected.items() if k[0] != 101}


async def test_exclusive_work_runs_between_the_events_before_and_after(services: Services) -> None:
    await services.predictions.load_seed(1, load(SEED))
    poll, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(poll.id, 500)
    writer = VoteWriter(services.votes, max_batch=1000, max_delay=5.0)
    now = services.clock.now()
    writer.put(VoteEvent(EventKind.CAST, 500, 1, Choice.CAME_TRUE, now))
    seen: dict[int, Choice] = {}

    async def snapshot() -> None:
        writer.put(VoteEvent(EventKind.CAST, 500, 2, Choice.PARTLY, now))  # arrives meanwhile
        seen.update(await services.votes.votes_of_poll(poll.id))

    await writer.exclusive(500, snapshot)
    await writer.flush()
    assert seen == {1: Choice.CAME_TRUE}
    assert await services.votes.votes_of_poll(poll.id) == {1: Choice.CAME_TRUE, 2: Choice.PARTLY}


async def test_flush_waits_for_exclusive_work_and_commits_what_came_meanwhile(
    services: Services,
) -> None:
    import asyncio

    await services.predictions.load_seed(1, load(SEED))
    poll, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(poll.id, 600)
    writer = VoteWriter(services.votes, max_batch=1000, max_delay=5.0)
    release = asyncio.Event()

    async def slow_read_back() -> None:
        await release.wait()

    exclusive = asyncio.create_task(writer.exclusive(600, slow_read_back))
    await asyncio.sleep(0.01)
    writer.put(VoteEvent(EventKind.CAST, 600, 3, Choice.DID_NOT, services.clock.now()))
    flushing = asyncio.create_task(writer.flush())  # e.g. /poll close while reading back
    await asyncio.sleep(0.05)
    assert not flushing.done()
    release.set()
    await asyncio.wait_for(flushing, 5)
    await exclusive
    assert await services.votes.votes_of_poll(poll.id) == {3: Choice.DID_NOT}


async def test_exclusive_work_on_one_poll_holds_back_only_that_polls_events(
    services: Services,
) -> None:
    import asyncio

    await services.predictions.load_seed(1, load(SEED))
    held, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(held.id, 700)
    other, _ = await services.polls.open(1, 2, channel_id=10)
    await services.polls.attach_message(other.id, 701)
    writer = VoteWriter(services.votes, max_batch=1000, max_delay=0.01)
    release = asyncio.Event()
    now = services.clock.now()

    async def slow_read() -> None:
        await release.wait()

    reading = asyncio.create_task(writer.exclusive(700, slow_read))
    await asyncio.sleep(0.01)
    writer.put(VoteEvent(EventKind.CAST, 700, 1, Choice.CAME_TRUE, now))
    writer.put(VoteEvent(EventKind.CAST, 701, 2, Choice.DID_NOT, now))
    for _ in range(100):  # the other poll's vote commits while the first is being read
        if await services.votes.votes_of_poll(other.id):
            break
        await asyncio.sleep(0.01)
    assert await services.votes.votes_of_poll(other.id) == {2: Choice.DID_NOT}
    assert await services.votes.votes_of_poll(held.id) == {}
    release.set()
    await reading
    await writer.flush()
    assert await services.votes.votes_of_poll(held.id) == {1: Choice.CAME_TRUE}


async def test_exclusive_work_on_one_poll_never_overlaps(services: Services) -> None:
    import asyncio

    writer = VoteWriter(services.votes)
    inside = 0
    most = 0

    def work(seconds: float) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            nonlocal inside, most
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(seconds)
            inside -= 1

        return run

    first = asyncio.create_task(writer.exclusive(7, work(0.2)))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(writer.exclusive(7, work(0.3)))  # waits for the first
    await asyncio.sleep(0.25)  # the first is done, the second is running
    third = asyncio.create_task(writer.exclusive(7, work(0.1)))
    results = await asyncio.gather(first, second, third, return_exceptions=True)
    assert results == [None, None, None]
    assert most == 1


async def test_events_queued_behind_a_batch_in_flight_commit_as_one(services: Services) -> None:
    await services.predictions.load_seed(1, load(SEED))
    poll, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(poll.id, 700)
    writer = VoteWriter(services.votes, max_batch=10, max_delay=5.0)
    now = services.clock.now()
    total = 10 + 10 * COALESCE + 25
    for member in range(total):  # no commit can finish meanwhile: no await in between
        writer.put(VoteEvent(EventKind.CAST, 700, member, list(Choice)[member % 3], now))
    await writer.flush()
    # The first full batch went at once; the rest gathered behind it: one batch of the
    # maximum, then what was left, not one batch per 10 events.
    assert writer.batches == 3 and writer.committed == total
    assert len(await services.votes.votes_of_poll(poll.id)) == total
