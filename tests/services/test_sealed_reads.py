"""Sealed polls in the reads: only a count while open, everything after close; scored alike."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice
from bot.domain.receipts import new_salt
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from db.models import Poll, Vote

GUILD = 111
SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"
YES, HALF, NO = Choice.CAME_TRUE, Choice.PARTLY, Choice.DID_NOT
BALLOTS = {7: YES, 8: NO, 9: HALF, 10: YES}


@pytest.fixture
async def seeded(services: Services) -> Services:
    await services.predictions.load_seed(GUILD, load(SEED))
    return services


async def reaction_poll(services: Services, number: int, message_id: int) -> int:
    poll, _ = await services.polls.open(GUILD, number, channel_id=5, hours=48, opened_by=1)
    await services.polls.attach_message(poll.id, message_id)
    for member, choice in BALLOTS.items():
        await services.votes.cast(message_id, member, choice)
    return poll.id


async def sealed_poll(services: Services, number: int, message_id: int, clock: FrozenClock) -> int:
    """Open a poll, mark it sealed and store its ballots as the button path does (with salts)."""
    poll, _ = await services.polls.open(GUILD, number, channel_id=5, hours=48, opened_by=1)
    await services.polls.attach_message(poll.id, message_id)
    async with services.db.write() as session:
        await session.execute(update(Poll).where(Poll.id == poll.id).values(ballot_style="sealed"))
        session.add_all(
            Vote(
                poll_id=poll.id,
                member_id=member,
                prediction_id=poll.prediction_id,
                choice=choice.ordinal,
                cast_at=clock.now(),
                salt=new_salt(),
            )
            for member, choice in BALLOTS.items()
        )
    return poll.id


async def test_every_read_shows_only_the_count_while_open(
    seeded: Services, clock: FrozenClock
) -> None:
    await sealed_poll(seeded, 1, 1001, clock)
    await reaction_poll(seeded, 2, 1002)
    sealed, public = await seeded.predictions.get(GUILD, 1), await seeded.predictions.get(GUILD, 2)
    assert sealed.tally.hidden and sealed.tally.total == 4 and sealed.tally.as_dict()[YES] == 0
    assert sealed.tally.majority is None
    assert not public.tally.hidden and public.tally.came_true == 2
    page = await seeded.predictions.list(GUILD, "polling", 1)
    assert {p.number: p.tally.hidden for p in page.items} == {1: True, 2: False}
    (card,) = await seeded.scorecard.cards(GUILD, "GPT-4o")
    tiles = {item.number: item.tally for item in card.items}
    assert tiles[1].hidden and tiles[1].total == 4 and not tiles[2].hidden
    clock.set(datetime(2025, 3, 2, 12, 30, tzinfo=UTC))  # a day before both close
    due = {item.number: item.tally for item in await seeded.reminders.due()}
    assert due[1].hidden and due[1].total == 4 and due[2] == public.tally
    clock.set(datetime(2026, 1, 7, 12, tzinfo=UTC))  # past due, both polls still open
    overdue = {item.number: item.tally for item in await seeded.reminders.overdue(GUILD)}
    assert overdue[1].hidden and not overdue[2].hidden

    closed = await seeded.polls.close(GUILD, 1)
    assert closed.prediction.tally == public.tally  # revealed at close
    assert (await seeded.predictions.get(GUILD, 1)).tally == public.tally


async def test_a_closed_sealed_poll_scores_on_the_monthly_board_like_a_reaction_poll(
    seeded: Services, clock: FrozenClock
) -> None:
    await reaction_poll(seeded, 1, 1001)
    await sealed_poll(seeded, 2, 1002, clock)
    await seeded.polls.close(GUILD, 2)  # a sealed poll closes before it is resolved
    for number in (1, 2):
        report = await seeded.resolution.resolve(GUILD, number, "came_true")
        assert report.called_it == (7, 10)
    board = await seeded.boards.month(GUILD, "2025-03")
    rows = {row.member_id: (row.points, row.scored, row.exact) for row in board.rows}
    # Each member voted alike on both: the sealed poll counts exactly as the reaction poll.
    assert rows == {7: (2.0, 2, 2), 10: (2.0, 2, 2), 9: (1.0, 2, 0), 8: (0.0, 2, 0)}
    mine = await seeded.breakdown.page(GUILD, 9)
    assert {(i.number, i.vote, i.points, i.sealed) for i in mine.items} == {
        (1, HALF, 0.5, False),
        (2, HALF, 0.5, True),
    }


async def test_reactions_never_change_a_sealed_polls_ballots(
    seeded: Services, clock: FrozenClock
) -> None:
    poll_id = await sealed_poll(seeded, 1, 1001, clock)
    ballots = await seeded.votes.votes_of_poll(poll_id)
    report = await seeded.votes.apply_read_back(poll_id, {NO: {7, 8, 42}})  # a read-back
    assert not report.applied and report.changes == 0
    cleared = await seeded.votes.apply([VoteEvent(EventKind.CLEAR, 1001, 0, None, clock.now())])
    assert cleared.deletes == 0 and cleared.ignored == 1  # a moderator's clear
    assert await seeded.votes.votes_of_poll(poll_id) == ballots
