"""Polls and votes: lifecycle, ordered batches, retraction rule, read-back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict, InvalidInput
from bot.domain.outcomes import Choice
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from db.models import Vote

GUILD = 111
SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"
YES, HALF, NO = Choice.CAME_TRUE, Choice.PARTLY, Choice.DID_NOT


async def stored_votes(services: Services) -> dict[tuple[int, int], Choice]:
    async with services.db.read() as session:
        rows = await session.execute(select(Vote.poll_id, Vote.member_id, Vote.choice))
        return {(p, m): Choice.from_ordinal(c) for p, m, c in rows}


async def open_poll(services: Services, number: int, message_id: int, hours: int = 24) -> int:
    poll, _ = await services.polls.open(GUILD, number, channel_id=5, hours=hours, opened_by=1)
    await services.polls.attach_message(poll.id, message_id)
    return poll.id


@pytest.fixture
async def seeded(services: Services) -> Services:
    await services.predictions.load_seed(GUILD, load(SEED))
    return services


async def test_one_open_poll_per_prediction_and_open_all_list(seeded: Services) -> None:
    await open_poll(seeded, 1, 1001)
    with pytest.raises(Conflict, match="already has an open poll"):
        await seeded.polls.open(GUILD, 1, channel_id=5)
    with pytest.raises(InvalidInput, match="out of range"):
        await seeded.polls.open(GUILD, 2, channel_id=5, hours=0)
    assert await seeded.polls.pollable(GUILD) == list(range(2, 11))
    await seeded.resolution.resolve(GUILD, 2, "came_true")
    with pytest.raises(Conflict, match="unresolve it"):
        await seeded.polls.open(GUILD, 2, channel_id=5)
    assert 2 not in await seeded.polls.pollable(GUILD)


async def test_cast_change_retract_and_stale_retraction(seeded: Services) -> None:
    poll = await open_poll(seeded, 1, 1001)
    await seeded.votes.cast(1001, 7, YES)
    await seeded.votes.cast(1001, 7, NO)
    assert await stored_votes(seeded) == {(poll, 7): NO}
    await seeded.votes.retract(1001, 7, YES)  # the stale ✅ reaction removed late
    assert await stored_votes(seeded) == {(poll, 7): NO}
    await seeded.votes.retract(1001, 7, NO)
    assert await stored_votes(seeded) == {}


async def test_votes_only_while_the_poll_is_open(seeded: Services, clock: FrozenClock) -> None:
    await open_poll(seeded, 1, 1001, hours=2)
    await seeded.votes.cast(1001, 7, YES)
    clock.advance(timedelta(hours=2))
    report = await seeded.votes.cast(1001, 8, YES)
    assert report.ignored == 1
    report = await seeded.votes.retract(1001, 7, YES)
    assert report.ignored == 1
    closed = await seeded.polls.close_due()
    assert [c.poll.number for c in closed] == [1]
    assert closed[0].prediction.tally.came_true == 1
    assert (await seeded.votes.cast(999999, 7, YES)).ignored == 1  # not a poll message
    assert len(await stored_votes(seeded)) == 1


async def test_bulk_apply_is_ordered_and_one_transaction(
    seeded: Services, clock: FrozenClock
) -> None:
    p1 = await open_poll(seeded, 1, 1001)
    p2 = await open_poll(seeded, 2, 1002)
    at = clock.now()
    events = [
        VoteEvent(EventKind.CAST, 1001, 1, YES, at),
        VoteEvent(EventKind.CAST, 1001, 2, HALF, at),
        VoteEvent(EventKind.CAST, 1002, 1, NO, at),
        VoteEvent(EventKind.CAST, 1001, 1, NO, at),
        VoteEvent(EventKind.RETRACT, 1001, 1, YES, at),
        VoteEvent(EventKind.RETRACT, 1001, 2, HALF, at),
        VoteEvent(EventKind.CAST, 1001, 3, YES, at),
        VoteEvent(EventKind.CAST, 4242, 3, YES, at),
    ]
    report = await seeded.votes.apply(events)
    assert await stored_votes(seeded) == {(p1, 1): NO, (p2, 1): NO, (p1, 3): YES}
    assert report.ignored == 1


async def test_latest_vote_across_polls_is_the_one_counted(seeded: Services) -> None:
    await open_poll(seeded, 1, 1001)
    await seeded.votes.cast(1001, 7, YES)
    await seeded.votes.cast(1001, 8, YES)
    await seeded.polls.close(GUILD, 1)
    await open_poll(seeded, 1, 1002)
    await seeded.votes.cast(1002, 7, NO)
    tally = (await seeded.predictions.get(GUILD, 1)).tally
    assert (tally.came_true, tally.did_not, tally.total) == (1, 1, 2)


async def test_read_back_makes_votes_match_reactions(seeded: Services) -> None:
    poll = await open_poll(seeded, 1, 1001)
    await seeded.votes.cast(1001, 1, YES)
    await seeded.votes.cast(1001, 2, YES)
    await seeded.votes.cast(1001, 3, HALF)
    report = await seeded.votes.apply_read_back(poll, {YES: {1, 4}, HALF: set(), NO: {3}})
    assert (report.added, report.changed, report.removed) == (1, 1, 1)
    assert await stored_votes(seeded) == {(poll, 1): YES, (poll, 3): NO, (poll, 4): YES}
    again = await seeded.votes.apply_read_back(poll, {YES: {1, 4}, HALF: set(), NO: {3}})
    assert (again.added, again.changed, again.removed) == (0, 0, 0)


async def test_close_early_and_discard_unposted(seeded: Services) -> None:
    await open_poll(seeded, 1, 1001)
    closed = await seeded.polls.close(GUILD, 1)
    assert closed.poll.close_reason == "closed" and not closed.poll.is_open
    with pytest.raises(Conflict, match="no open poll"):
        await seeded.polls.close(GUILD, 1)
    poll, _ = await seeded.polls.open(GUILD, 2, channel_id=5)
    assert [p.id for p in await seeded.polls.unposted()] == [poll.id]
    await seeded.polls.discard(poll.id)
    assert await seeded.polls.unposted() == []
    assert 2 in await seeded.polls.pollable(GUILD)


async def test_vote_rows_read_back_with_aware_utc_times(
    seeded: Services, clock: FrozenClock
) -> None:
    poll = await open_poll(seeded, 1, 1001)
    await seeded.votes.cast(1001, 7, YES)
    async with seeded.db.read() as session:
        vote = (await session.scalars(select(Vote))).one()
    assert (vote.poll_id, vote.member_id, vote.choice) == (poll, 7, YES.ordinal)
    assert vote.cast_at == clock.now() and vote.cast_at.tzinfo is not None


async def test_boards_count_only_the_latest_vote_across_polls_and_follow_resolutions(
    seeded: Services, clock: FrozenClock
) -> None:
    await open_poll(seeded, 1, 1001)
    await seeded.votes.cast(1001, 7, YES)
    await seeded.votes.cast(1001, 8, YES)
    await seeded.votes.cast(1001, 9, NO)
    await seeded.polls.close(GUILD, 1)
    await open_poll(seeded, 1, 1002)
    await seeded.votes.cast(1002, 7, NO)  # 7 changes their mind in the second poll
    await open_poll(seeded, 2, 1003)
    await seeded.votes.cast(1003, 7, YES)
    await seeded.resolution.resolve(GUILD, 1, "did_not")
    await seeded.resolution.resolve(GUILD, 2, "came_true")

    board = await seeded.boards.month(GUILD)
    rows = {r.member_id: (r.rank, r.points, r.scored) for r in board.rows}
    assert rows == {7: (1, 2.0, 2), 9: (2, 1.0, 1), 8: (3, 0.0, 1)}
    assert (await seeded.boards.month(GUILD)) is board  # cached until a resolution changes

    await seeded.resolution.resolve(GUILD, 1, "came_true")  # re-resolution: boards follow
    rows = {r.member_id: (r.points, r.scored) for r in (await seeded.boards.month(GUILD)).rows}
    assert rows == {7: (1.0, 2), 8: (1.0, 1), 9: (0.0, 1)}
    await seeded.resolution.unresolve(GUILD, 2)
    rows = {r.member_id: (r.points, r.scored) for r in (await seeded.boards.all_time(GUILD)).rows}
    assert rows == {7: (0.0, 1), 8: (1.0, 1), 9: (0.0, 1)}
    stats = await seeded.boards.member(GUILD, 7)
    assert (stats.votes, stats.open_votes) == (2, 1)


async def test_read_back_leaves_a_poll_past_its_deadline_alone(
    seeded: Services, clock: FrozenClock
) -> None:
    poll = await open_poll(seeded, 1, 1001, hours=2)
    await seeded.votes.cast(1001, 1, YES)
    clock.advance(timedelta(hours=3))  # the bot was down over the deadline
    report = await seeded.votes.apply_read_back(poll, {YES: set(), HALF: {1, 2}, NO: set()})
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    assert await stored_votes(seeded) == {(poll, 1): YES}


async def test_a_clear_removes_the_votes_it_cleared_in_order_with_the_batch(
    seeded: Services, clock: FrozenClock
) -> None:
    poll = await open_poll(seeded, 1, 1001)
    other = await open_poll(seeded, 2, 1002)
    await seeded.votes.apply(
        [VoteEvent(EventKind.CAST, 1001, m, c, clock.now()) for m, c in ((1, YES), (2, NO))]
        + [VoteEvent(EventKind.CAST, 1002, 1, YES, clock.now())]
    )
    now = clock.now()
    report = await seeded.votes.apply(
        [
            VoteEvent(EventKind.CAST, 1001, 3, YES, now),  # cast, then cleared with the rest
            VoteEvent(EventKind.CLEAR, 1001, 0, YES, now),  # every ✅ on the message goes
            VoteEvent(EventKind.CAST, 1001, 4, YES, now),  # cast just after the clear: counts
        ]
    )
    assert report.cleared == ((1001, YES, 2),)
    assert await stored_votes(seeded) == {(poll, 2): NO, (poll, 4): YES, (other, 1): YES}
    report = await seeded.votes.apply([VoteEvent(EventKind.CLEAR, 1001, 0, None, now)])
    assert report.cleared == ((1001, None, 2),)
    assert await stored_votes(seeded) == {(other, 1): YES}  # the other poll is untouched


async def test_a_clear_on_a_closed_poll_changes_nothing(
    seeded: Services, clock: FrozenClock
) -> None:
    poll = await open_poll(seeded, 1, 1001)
    await seeded.votes.cast(1001, 1, YES)
    await seeded.polls.close(GUILD, 1)
    report = await seeded.votes.apply([VoteEvent(EventKind.CLEAR, 1001, 0, None, clock.now())])
    assert (report.cleared, report.ignored) == ((), 1)
    assert await stored_votes(seeded) == {(poll, 1): YES}
