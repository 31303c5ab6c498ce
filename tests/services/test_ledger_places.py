"""Ledger rows keep their ranks: after each resolution change, and once for an older ledger."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice, Outcome
from bot.domain.ranking import rank
from bot.domain.scoring import ScoredVote, totals_from_votes
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.services.boards import PLACES_KEY
from db.models import BotState, MemberScore

#: Member -> their votes on predictions 1 and 2.
VOTES = {
    11: (Choice.CAME_TRUE, Choice.CAME_TRUE),
    12: (Choice.CAME_TRUE, Choice.DID_NOT),
    13: (Choice.PARTLY, Choice.CAME_TRUE),
    14: (Choice.DID_NOT, Choice.DID_NOT),
    15: (Choice.CAME_TRUE, Choice.CAME_TRUE),
}


async def _season(services: Services, clock: FrozenClock) -> None:
    for n in (1, 2):
        await services.predictions.add(1, title=f"P{n}", statement="s")
        poll, _ = await services.polls.open(1, n, channel_id=1)
        await services.polls.attach_message(poll.id, 100 + n)
    await services.votes.apply(
        [
            VoteEvent(EventKind.CAST, 100 + n, member, choices[n - 1], clock.now())
            for member, choices in VOTES.items()
            for n in (1, 2)
        ]
    )


async def _places(services: Services) -> list[tuple[str, int, int]]:
    async with services.db.read() as session:
        rows = await session.execute(
            select(MemberScore.period, MemberScore.member_id, MemberScore.place).order_by(
                MemberScore.period, MemberScore.member_id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _expected(outcomes: dict[int, Outcome]) -> list[tuple[int, int]]:
    """Return (rank, member) of the all-time board computed from the votes by the domain."""
    totals = totals_from_votes(
        ScoredVote(n, member, choices[n - 1], outcome)
        for member, choices in VOTES.items()
        for n, outcome in outcomes.items()
    )
    return [(r.rank, r.member_id) for r in rank(totals.values())]


async def _board(services: Services) -> list[tuple[int, int]]:
    return [(r.rank, r.member_id) for r in (await services.boards.all_time(1)).rows]


async def test_each_resolution_change_ranks_the_periods_again(
    services: Services, clock: FrozenClock
) -> None:
    await _season(services, clock)
    await services.resolution.resolve(1, 1, Outcome.CAME_TRUE)
    assert await _board(services) == _expected({1: Outcome.CAME_TRUE})
    await services.resolution.resolve(1, 2, Outcome.DID_NOT)
    both = _expected({1: Outcome.CAME_TRUE, 2: Outcome.DID_NOT})
    assert await _board(services) == both
    assert len({r for r, _ in both}) > 1  # the ranks differ: the test can tell
    await services.resolution.resolve(1, 1, Outcome.DID_NOT)  # a re-resolution
    assert await _board(services) == _expected({1: Outcome.DID_NOT, 2: Outcome.DID_NOT})
    await services.resolution.unresolve(1, 2)
    assert await _board(services) == _expected({1: Outcome.DID_NOT})
    stored = {member: place for period, member, place in await _places(services) if period == "all"}
    assert [(stored[m], m) for _, m in await _board(services)] == await _board(services)


async def test_an_older_ledger_is_ranked_once_at_start(
    services: Services, clock: FrozenClock
) -> None:
    await _season(services, clock)
    await services.resolution.resolve(1, 1, Outcome.CAME_TRUE)
    await services.resolution.resolve(1, 2, Outcome.DID_NOT)
    await services.boards.ensure_ledger()
    ranked = await _places(services)
    # As a ledger built before its rows kept places: every place 0, the step not yet done.
    async with services.db.write() as session:
        await session.execute(update(MemberScore).values(place=0))
        await session.execute(delete(BotState).where(BotState.key == PLACES_KEY))
    await services.boards.ensure_ledger()
    assert await _places(services) == ranked
    services.boards.clear_cache()
    assert await _board(services) == _expected({1: Outcome.CAME_TRUE, 2: Outcome.DID_NOT})
