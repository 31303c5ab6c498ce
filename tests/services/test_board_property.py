"""Property: the service's board (SQL aggregation) equals the rules' reference computation."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice, Outcome
from bot.domain.ranking import rank
from bot.domain.scoring import ScoredVote, totals_from_votes
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from db.migrate import upgrade
from db.session import Database

season = st.tuples(
    st.lists(st.sampled_from(list(Outcome)), min_size=3, max_size=3),
    st.dictionaries(
        st.tuples(st.integers(1, 3), st.integers(1, 8)), st.sampled_from(list(Choice)), max_size=24
    ),
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(season)
async def test_service_board_equals_reference(new_database_url, data) -> None:  # type: ignore[no-untyped-def]
    outcomes, votes = data
    db = Database(await new_database_url())
    await upgrade(db)
    clock = FrozenClock(datetime(2025, 5, 1, tzinfo=UTC))
    services = Services.build(db, clock)
    try:
        for n in range(1, 4):
            await services.predictions.add(1, title=f"P{n}", statement="s")
            poll, _ = await services.polls.open(1, n, channel_id=1)
            await services.polls.attach_message(poll.id, 100 + n)
        await services.votes.apply(
            [VoteEvent(EventKind.CAST, 100 + p, m, c, clock.now()) for (p, m), c in votes.items()]
        )
        # Resolve, then change the ledger both ways: a re-resolution and an unresolution.
        for n, outcome in enumerate(outcomes, start=1):
            await services.resolution.resolve(
                1, n, Outcome.DID_NOT if outcome is Outcome.CAME_TRUE else Outcome.CAME_TRUE
            )
        await services.resolution.unresolve(1, 3)
        for n, outcome in enumerate(outcomes, start=1):
            await services.resolution.resolve(1, n, outcome)
        board = await services.boards.month(1, "2025-05")
        expected = rank(
            totals_from_votes(
                ScoredVote(p, m, c, outcomes[p - 1]) for (p, m), c in votes.items()
            ).values()
        )
        assert [(r.rank, r.member_id, r.points, r.scored, r.exact) for r in board.rows] == [
            (r.rank, r.member_id, r.points, r.scored, r.exact) for r in expected
        ]
        for got, want in zip(board.rows, expected, strict=True):
            assert abs(got.peer - want.peer) < 1e-6
        assert sum(r.points for r in board.rows) == sum(
            {Outcome.VOID: 0}.get(
                outcomes[p - 1], 1 - abs(c.ordinal - (outcomes[p - 1].choice or c).ordinal) / 2
            )
            for (p, _), c in votes.items()
        )
    finally:
        await db.dispose()
