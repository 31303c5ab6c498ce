"""The vote writer against a real SQLite file: order kept across batches, exclusive work."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.votes.writer import HOLD_MAX, READ_WINDOW, VoteWriter
from db.session import Database
from tests.locks import votes_locked
from tests.vote_reports import Told

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

    reports = Told()
    superseded = reports.replaced
    writer = VoteWriter(services.votes, reports, max_batch=128, max_delay=0.01, group=1)
    for event in events:
        writer.put(event)
    await writer.flush()
    assert writer.committed == 3000 and writer.batches >= 3000 // 128  # group=1: many batches
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


async def test_events_gather_into_bigger_batches_while_one_is_written(
    services: Services, clock: FrozenClock
) -> None:
    """Group commit: what arrives during a write goes as one batch, in order, none lost."""
    await services.predictions.load_seed(1, load(SEED))
    poll, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(poll.id, 101)
    writer = VoteWriter(services.votes, max_batch=100, max_delay=0.01, group=10)
    choices = list(Choice)
    for member in range(1, 2501):  # 25 full batches' worth, all queued before any commit
        writer.put(VoteEvent(EventKind.CAST, 101, member, choices[member % 3], clock.now()))
    for member in range(1, 2501, 2):  # then every other member changes their mind
        writer.put(VoteEvent(EventKind.CAST, 101, member, choices[(member + 1) % 3], clock.now()))
    await writer.flush()
    assert writer.committed == 3750
    assert writer.batches < 3750 // 100  # batches grew while the first was being written
    assert writer.batches >= 3750 // 1000  # and none was bigger than ten full ones
    votes = await services.votes.votes_of_poll(poll.id)
    assert len(votes) == 2500
    assert all(votes[m] is choices[((m + 1) if m % 2 else m) % 3] for m in range(1, 2501))


async def test_caught_up_answers_in_time_while_the_database_is_busy(
    services: Services, clock: FrozenClock, database: Database
) -> None:
    """A live tally waits a bounded time: it learns how many votes still wait, none is lost."""
    await services.predictions.load_seed(1, load(SEED))
    poll, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(poll.id, 101)
    writer = VoteWriter(services.votes, max_batch=50, max_delay=0.01)
    async with votes_locked(database.url) as release:
        for member in range(1, 201):
            writer.put(VoteEvent(EventKind.CAST, 101, member, Choice.PARTLY, clock.now()))
        started = asyncio.get_running_loop().time()
        assert not await writer.caught_up(0.3)
        assert asyncio.get_running_loop().time() - started < 1.0
        assert writer.pending_on(101) == 200  # all on this poll, none written yet
        assert writer.pending_on(999) == 0
        await release()
    await writer.flush()
    assert writer.committed == 200
    assert len(await services.votes.votes_of_poll(poll.id)) == 200


async def test_a_backlog_pauses_the_gateway_until_it_halves(
    services: Services, clock: FrozenClock, database: Database
) -> None:
    """Too many votes waiting asks to stop reading; half written asks to read again."""
    await services.predictions.load_seed(1, load(SEED))
    poll, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(poll.id, 101)
    reports = Told()
    told = reports.pauses
    writer = VoteWriter(services.votes, reports, max_batch=20, max_delay=0.01, backlog_limit=100)
    async with votes_locked(database.url) as release:
        for member in range(1, 100):
            writer.put(VoteEvent(EventKind.CAST, 101, member, Choice.PARTLY, clock.now()))
        assert told == []
        writer.put(VoteEvent(EventKind.CAST, 101, 100, Choice.PARTLY, clock.now()))
        assert told == [True]
        await asyncio.sleep(0.1)
        assert told == [True]  # still nothing written
        await release()
    await writer.flush()
    assert told == [True, False]
    assert writer.backlog == 0 and len(await services.votes.votes_of_poll(poll.id)) == 100


async def test_the_brake_lets_the_gateway_be_read_between_pauses(
    services: Services, clock: FrozenClock, database: Database
) -> None:
    """A pause lasts at most HOLD_MAX, then reading goes on for READ_WINDOW (commands pass)."""
    await services.predictions.load_seed(1, load(SEED))
    poll, _ = await services.polls.open(1, 1, channel_id=9)
    await services.polls.attach_message(poll.id, 101)
    reports = Told()
    told = reports.pauses
    writer = VoteWriter(services.votes, reports, max_batch=20, backlog_limit=50)
    async with votes_locked(database.url) as release:
        for member in range(1, 51):
            writer.put(VoteEvent(EventKind.CAST, 101, member, Choice.PARTLY, clock.now()))
        assert told == [True]
        await asyncio.sleep(HOLD_MAX + 0.1)
        assert told == [True, False]  # held too long: reading again, the database still locked
        writer.put(VoteEvent(EventKind.CAST, 101, 51, Choice.PARTLY, clock.now()))
        assert told == [True, False]  # inside the read window
        await asyncio.sleep(READ_WINDOW + 0.05)
        writer.put(VoteEvent(EventKind.CAST, 101, 52, Choice.PARTLY, clock.now()))
        assert told == [True, False, True]
        await release()
    await writer.flush()
    assert told == [True, False, True, False] and not writer.holding
    assert len(await services.votes.votes_of_poll(poll.id)) == 52
