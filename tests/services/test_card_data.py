"""What the cards need from the services: names, points by month, agreement, scorecard items."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Outcome
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.snapshots.predictions import Tally
from tests.services.test_polls_votes import GUILD, HALF, NO, YES, open_poll, seeded

__all__ = ["seeded"]

VOTES = {  # prediction number -> member -> choice
    1: {1: YES, 2: YES, 3: YES, 4: NO, 5: HALF},
    2: {1: NO, 2: YES, 3: YES, 4: YES},
    3: {1: YES, 2: NO},
    4: {1: HALF, 2: YES, 3: NO},
    5: {1: YES, 2: YES},
}


async def vote(services: Services, clock: FrozenClock) -> None:
    events = []
    for number, votes in VOTES.items():
        await open_poll(services, number, 1000 + number, hours=720)
        events += [
            VoteEvent(EventKind.CAST, 1000 + number, m, c, clock.now()) for m, c in votes.items()
        ]
    await services.votes.apply(events)


async def test_points_by_month_and_agreement_with_the_others_majority(
    seeded: Services, clock: FrozenClock
) -> None:
    await vote(seeded, clock)
    await seeded.resolution.resolve(GUILD, 1, "came_true")
    await seeded.resolution.resolve(GUILD, 2, "did_not")
    clock.set(datetime(2025, 4, 10, 12, tzinfo=UTC))
    for number, outcome in ((3, "came_true"), (4, "partly"), (5, "void")):
        await seeded.resolution.resolve(GUILD, number, outcome)

    stats = await seeded.boards.member(GUILD, 1)
    assert len(stats.months) == 12
    assert stats.months[0] == ("2024-05", 0.0)
    assert stats.months[-2:] == (("2025-03", 2.0), ("2025-04", 2.0))
    # #1 the others say ✅ (agreed), #2 ✅ (not), #3 ❌ (not), #4 a tie (no majority), #5 void.
    assert (stats.agreed, stats.compared) == (1, 3)
    assert (await seeded.boards.member(GUILD, 5)).months[-2:] == (("2025-03", 0.5), ("2025-04", 0))
    nobody = await seeded.boards.member(GUILD, 99)
    assert nobody.months == () and (nobody.agreed, nobody.compared) == (0, 0)


async def test_scorecard_lists_each_prediction_with_its_split(
    seeded: Services, clock: FrozenClock
) -> None:
    await vote(seeded, clock)
    await seeded.resolution.resolve(GUILD, 1, "came_true")
    (card,) = await seeded.scorecard.cards(GUILD, "gpt-4o")
    assert [item.number for item in card.items] == list(range(1, 11))
    first, second = card.items[0], card.items[1]
    assert (first.outcome, first.tally) == (Outcome.CAME_TRUE, Tally(3, 1, 1))
    assert (second.outcome, second.tally) == (None, Tally(3, 0, 1))  # open: the live split
    assert card.items[9].tally == Tally()


async def test_names_written_with_the_batch_only_when_changed(
    seeded: Services, clock: FrozenClock
) -> None:
    await open_poll(seeded, 1, 1001)
    at = clock.now()

    def cast(member: int, name: str | None, guild: int | None = GUILD) -> VoteEvent:
        return VoteEvent(EventKind.CAST, 1001, member, YES, at, name, guild)

    report = await seeded.votes.apply(
        [cast(1, "Ada"), cast(2, "Бо"), cast(1, "Ada L."), cast(3, None)]
    )
    assert report.names == {(GUILD, 1): "Ada L.", (GUILD, 2): "Бо"}  # the latest name wins
    assert await seeded.names.of(GUILD, [1, 2, 3]) == {1: "Ada L.", 2: "Бо"}
    again = await seeded.votes.apply([cast(1, "Ada L."), cast(2, "Боб")])
    assert again.names == {(GUILD, 2): "Боб"}  # unchanged names are not written again
    assert await seeded.names.of(GUILD, [1, 2]) == {1: "Ada L.", 2: "Боб"}
    assert await seeded.names.of(GUILD + 1, [1, 2]) == {}
