"""Boards after a resolution change: kept tallies, boards read ahead, places ranked once.

Every figure read through services that kept what they read before is compared with the same
read through fresh services on the same database (a process that kept nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.ranking import rank_tuples
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services, ledger
from db.models import MemberScore
from tests.services.test_card_data import vote
from tests.services.test_polls_votes import GUILD, NO, open_poll, seeded

__all__ = ["seeded"]


async def _same_as_fresh(services: Services, members: range) -> None:
    """Assert records, breakdowns and boards equal those of services that kept nothing."""
    fresh = Services.build(services.db, services.clock)
    for member in members:
        assert await services.boards.member(GUILD, member) == await fresh.boards.member(
            GUILD, member
        )
        assert await services.breakdown.page(GUILD, member) == await fresh.breakdown.page(
            GUILD, member
        )
    assert await services.boards.all_time(GUILD) == await fresh.boards.all_time(GUILD)
    assert await services.boards.month(GUILD) == await fresh.boards.month(GUILD)


async def test_a_prediction_changed_is_read_again_and_the_others_kept(
    seeded: Services, clock: FrozenClock
) -> None:
    await vote(seeded, clock)
    for number, outcome in ((1, "came_true"), (2, "did_not"), (3, "came_true")):
        await seeded.resolution.resolve(GUILD, number, outcome)
    before = await seeded.boards.member(GUILD, 1)
    await _same_as_fresh(seeded, range(1, 6))
    # #1 reopened, two members change their votes, resolved again: its tally is another.
    await seeded.resolution.unresolve(GUILD, 1)
    await open_poll(seeded, 1, 2001)
    await seeded.votes.apply(
        [VoteEvent(EventKind.CAST, 2001, m, NO, clock.now()) for m in (2, 3, 5)]
    )
    await seeded.resolution.resolve(GUILD, 1, "came_true")
    after = await seeded.boards.member(GUILD, 1)
    assert (before.agreed, before.compared) == (1, 3)
    assert (after.agreed, after.compared) == (0, 3)  # the others now say ❌ on #1
    await _same_as_fresh(seeded, range(1, 6))


async def test_a_change_made_by_another_process_is_seen(
    seeded: Services, clock: FrozenClock
) -> None:
    await vote(seeded, clock)
    for number, outcome in ((1, "came_true"), (2, "did_not"), (4, "partly")):
        await seeded.resolution.resolve(GUILD, number, outcome)
    await _same_as_fresh(seeded, range(1, 6))
    other = Services.build(seeded.db, seeded.clock)
    await other.resolution.unresolve(GUILD, 2)
    await open_poll(other, 2, 2002)
    await other.votes.apply([VoteEvent(EventKind.CAST, 2002, 1, NO, clock.now())])
    await other.resolution.resolve(GUILD, 2, "came_true")
    await other.resolution.resolve(GUILD, 3, "did_not")
    await _same_as_fresh(seeded, range(1, 6))


async def test_boards_read_ahead_after_a_change_are_the_boards(
    seeded: Services, clock: FrozenClock
) -> None:
    await vote(seeded, clock)
    await seeded.resolution.resolve(GUILD, 1, "came_true")
    await _same_as_fresh(seeded, range(1, 6))
    await seeded.resolution.resolve(GUILD, 2, "did_not")
    seeded.boards.warm(GUILD)
    seeded.boards.warm(GUILD)  # a second change while the first is read: after it
    await _same_as_fresh(seeded, range(1, 6))  # waits for the reads ahead, then the same
    await seeded.resolution.resolve(GUILD, 1, "partly")
    seeded.boards.warm(GUILD)
    await _same_as_fresh(seeded, range(1, 6))


async def _stored(services: Services) -> dict[str, list[tuple[int, int, float, float, int, int]]]:
    async with services.db.read() as session:
        rows = await session.execute(
            select(
                MemberScore.period,
                MemberScore.place,
                MemberScore.member_id,
                MemberScore.points,
                MemberScore.peer,
                MemberScore.scored,
                MemberScore.exact,
            ).where(MemberScore.guild_id == GUILD)
        )
        periods: dict[str, list[tuple[int, int, float, float, int, int]]] = {}
        for period, place, member, points, peer, scored, exact in rows:
            # Sums booked one resolution at a time differ from a rebuild's in the last bits.
            row = (place, member, round(points, 9), round(peer, 9), scored, exact)
            periods.setdefault(period, []).append(row)
    return {p: sorted(rows) for p, rows in periods.items()}


async def test_a_change_to_another_month_ranks_both_months_and_all_time_once(
    seeded: Services, clock: FrozenClock
) -> None:
    await vote(seeded, clock)
    for number, outcome in ((1, "came_true"), (2, "did_not"), (3, "came_true")):
        await seeded.resolution.resolve(GUILD, number, outcome)
    clock.set(datetime(2025, 4, 10, 12, tzinfo=UTC))
    await seeded.resolution.resolve(GUILD, 1, "did_not")  # from March to April, another outcome
    await seeded.resolution.resolve(GUILD, 2, "void")  # from March to nothing
    stored = await _stored(seeded)
    assert set(stored) == {"2025-03", "2025-04", ledger.ALL_TIME}
    for rows in stored.values():  # every place is the rank of its row's totals
        ranked = rank_tuples((m, p, q, s, e) for _, m, p, q, s, e in rows)
        assert sorted((r[0], r[1]) for r in ranked) == [(place, m) for place, m, *_ in rows]
    async with seeded.db.write() as session:  # the same as a ledger built from scratch
        await ledger.rebuild(session, GUILD)
    assert await _stored(seeded) == stored
