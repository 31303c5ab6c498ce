"""Sealed ballots in the votes service: salts kept or renewed, retract-whatever, frozen at close."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.domain.ballots import BallotStyle
from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.votes.ballot_reads import BallotReads

GUILD = 111
SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"
YES, HALF, NO = Choice.CAME_TRUE, Choice.PARTLY, Choice.DID_NOT
MESSAGE = 4001


@pytest.fixture
async def sealed(services: Services) -> tuple[Services, int]:
    await services.predictions.load_seed(GUILD, load(SEED))
    poll, _ = await services.polls.open(GUILD, 1, channel_id=5, hours=24, ballot=BallotStyle.SEALED)
    await services.polls.attach_message(poll.id, MESSAGE)
    return services, poll.id


def click(clock: FrozenClock, member: int, choice: Choice | None, salt: str | None) -> VoteEvent:
    kind = EventKind.CAST if salt is not None else EventKind.RETRACT
    return VoteEvent(kind, MESSAGE, member, choice, clock.now(), "m", GUILD, salt)


async def test_same_choice_keeps_the_salt_a_change_renews_it(
    sealed: tuple[Services, int], clock: FrozenClock
) -> None:
    services, poll_id = sealed
    [ref] = await services.polls.open_refs()
    assert ref.ballot is BallotStyle.SEALED
    await services.votes.apply([click(clock, 7, YES, "a" * 32)])
    first = await services.votes.ballot(poll_id, 7)
    assert first is not None and (first.choice, first.salt) == (YES, "a" * 32)
    assert await services.votes.count(poll_id) == 1
    assert first.ballot is BallotStyle.SEALED and first.guild_id == GUILD
    await services.votes.apply([click(clock, 7, YES, "b" * 32)])  # a double click
    again = await services.votes.ballot(poll_id, 7)
    assert again is not None and (again.choice, again.salt) == (YES, "a" * 32)
    # Two clicks of one choice in one batch: the stored salt stays.
    await services.votes.apply([click(clock, 7, YES, "c" * 32), click(clock, 7, YES, "d" * 32)])
    assert (await services.votes.ballot(poll_id, 7)).salt == "a" * 32  # type: ignore[union-attr]
    await services.votes.apply([click(clock, 7, NO, "e" * 32)])  # a change: a new ballot
    changed = await services.votes.ballot(poll_id, 7)
    assert changed is not None and (changed.choice, changed.salt) == (NO, "e" * 32)
    await services.votes.apply([click(clock, 8, HALF, "f" * 32)])
    assert await services.votes.count(poll_id) == 2
    await services.votes.apply([click(clock, 7, None, None)])  # Retract: whatever it is
    gone = await services.votes.ballot(poll_id, 7)
    assert gone is not None and (gone.choice, gone.salt) == (None, None)
    assert await services.votes.count(poll_id) == 1
    assert await services.votes.ballot(poll_id + 99, 7) is None


async def test_a_closed_poll_refuses_clicks(
    sealed: tuple[Services, int], clock: FrozenClock
) -> None:
    services, poll_id = sealed
    await services.votes.apply([click(clock, 7, YES, "a" * 32)])
    await services.polls.close(GUILD, 1)
    report = await services.votes.apply(
        [click(clock, 7, NO, "b" * 32), click(clock, 8, YES, "c" * 32), click(clock, 7, None, None)]
    )
    assert report.ignored == 3 and not report.writes
    assert await services.votes.votes_of_poll(poll_id) == {7: YES}
    state = await services.votes.ballot(poll_id, 7)
    assert state is not None and state.closed_at is not None and state.salt == "a" * 32


async def test_a_click_racing_the_close_is_stored_before_it_or_refused(
    sealed: tuple[Services, int], clock: FrozenClock
) -> None:
    """Batches and the close run side by side: each click lands before the close or not at all."""
    services, poll_id = sealed
    batches = [services.votes.submit([click(clock, 100 + i, YES, f"{i:032x}")]) for i in range(30)]
    closing = asyncio.ensure_future(services.polls.close(GUILD, 1))
    batches += [services.votes.submit([click(clock, 200 + i, NO, f"{i:032x}")]) for i in range(30)]
    reports = await asyncio.gather(*batches)
    closed = await closing
    stored = await services.votes.votes_of_poll(poll_id)
    accepted = {m for r in reports for (_, m) in r.writes}
    assert set(stored) == accepted
    refused = sum(r.ignored for r in reports)
    assert len(accepted) + refused == 60
    # What the close saw is what is stored: nothing was added after it.
    assert closed.prediction.tally.total == len(stored)


async def test_many_presses_read_back_in_one_go(
    sealed: tuple[Services, int], clock: FrozenClock
) -> None:
    services, poll_id = sealed
    members = range(1, 1201)  # more than one IN list
    await services.votes.apply(
        [click(clock, m, (YES, HALF, NO)[m % 3], f"{m:032x}") for m in members if m % 4]
    )
    read = await services.votes.ballots(poll_id, [*members, 5000])
    assert read is not None and set(read) == {*members, 5000}
    for m in members:
        expected = (None, None) if m % 4 == 0 else ((YES, HALF, NO)[m % 3], f"{m:032x}")
        assert (read[m].choice, read[m].salt) == expected, m
    assert read[5000].choice is None and read[5000].poll_id == poll_id
    assert await services.votes.ballots(poll_id + 99, [1]) is None
    # The presses' reader: concurrent reads of one poll are answered alike.
    reads = BallotReads(services.votes)
    states = await asyncio.gather(*(reads.get(poll_id, m) for m in (1, 2, 4, 1)))
    assert [(s.choice if s else "none") for s in states] == [HALF, NO, None, HALF]
    assert await reads.get(poll_id + 99, 1) is None
