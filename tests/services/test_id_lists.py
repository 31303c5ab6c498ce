"""Lists of ids go to the database as one parameter: one statement whatever their length."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, insert

from bot.domain.clock import FrozenClock
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from db.models import MemberName
from tests.services.test_polls_votes import GUILD, NO, YES, open_poll, seeded, stored_votes

__all__ = ["seeded"]

#: The largest snowflake a 63-bit id allows: JSON and arrays must carry it exactly.
BIG = 2**63 - 1


async def test_a_vote_batch_reads_its_polls_with_one_statement_whatever_their_number(
    seeded: Services, clock: FrozenClock
) -> None:
    polls = {number: await open_poll(seeded, number, 1000 + number) for number in range(1, 8)}
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM polls" in statement and "message_id" in statement:
            seen.append(statement)

    engine = Engine  # every engine: on SQLite, batches go through a plain connection of their own
    event.listen(engine, "before_cursor_execute", record)
    try:
        for count in range(1, 8):  # batches over 1, 2, ... 7 polls
            await seeded.votes.apply(
                [
                    VoteEvent(EventKind.CAST, 1000 + n, count, YES if n % 2 else NO, clock.now())
                    for n in range(1, count + 1)
                ]
            )
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert len(seen) == 7 and len(set(seen)) == 1, set(seen)
    votes = await stored_votes(seeded)
    assert len(votes) == sum(range(1, 8))
    assert votes[(polls[3], 7)] == YES and votes[(polls[2], 2)] == NO
    assert (polls[7], 6) not in votes


async def test_names_and_ballots_are_read_for_exactly_the_members_asked(
    seeded: Services, clock: FrozenClock
) -> None:
    members = [1, 2, 3, BIG]
    async with seeded.db.write() as session:
        await session.execute(
            insert(MemberName),
            [
                {"guild_id": GUILD, "member_id": m, "name": f"m{m}", "updated_at": clock.now()}
                for m in members
            ]
            + [{"guild_id": GUILD + 1, "member_id": 4, "name": "other", "updated_at": clock.now()}],
        )
    assert await seeded.names.of(GUILD, []) == {}
    assert await seeded.names.of(GUILD, [BIG, 3, 3, 4]) == {BIG: f"m{BIG}", 3: "m3"}
    assert await seeded.names.of(GUILD, range(5000)) == {1: "m1", 2: "m2", 3: "m3"}

    poll = await open_poll(seeded, 1, 1001)
    await seeded.votes.apply([VoteEvent(EventKind.CAST, 1001, BIG, YES, clock.now())])
    ballots = await seeded.votes.ballots(poll, [BIG, 2])
    assert ballots is not None
    assert ballots[BIG].choice == YES and ballots[2].choice is None
