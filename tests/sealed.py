"""Sealed polls for tests, made in the database (the button vote path is built separately)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from bot.domain.outcomes import Choice
from bot.domain.receipts import new_salt
from db.models import Poll, Vote
from db.session import Database


async def seal(db: Database, poll_id: int) -> None:
    """Turn an open poll into a sealed one."""
    async with db.write() as session:
        await session.execute(update(Poll).where(Poll.id == poll_id).values(ballot_style="sealed"))


async def cast_sealed(
    db: Database, poll_id: int, ballots: dict[int, Choice], at: datetime
) -> dict[int, str]:
    """Store sealed ballots (member -> choice) with fresh salts, as the vote writer would."""
    salts = {member: new_salt() for member in ballots}
    async with db.write() as session:
        poll = await session.get_one(Poll, poll_id)
        session.add_all(
            Vote(
                poll_id=poll_id,
                member_id=member,
                prediction_id=poll.prediction_id,
                choice=choice.ordinal,
                cast_at=at,
                salt=salts[member],
            )
            for member, choice in ballots.items()
        )
    return salts


async def tamper(
    db: Database,
    poll_id: int,
    member_id: int,
    *,
    choice: Choice | None = None,
    salt: str | None = None,
    remove: bool = False,
) -> None:
    """Change (or delete) a stored sealed ballot behind the bot's back, as a rogue admin could."""
    async with db.write() as session:
        where = (Vote.poll_id == poll_id, Vote.member_id == member_id)
        if remove:
            await session.execute(delete(Vote).where(*where))
            return
        values: dict[str, object] = {}
        if choice is not None:
            values["choice"] = choice.ordinal
        if salt is not None:
            values["salt"] = salt
        await session.execute(update(Vote).where(*where).values(**values))


async def published(db: Database, poll_id: int) -> tuple[str | None, int | None]:
    """Return a poll's published root and count."""
    async with db.read() as session:
        row = (
            await session.execute(
                select(Poll.sealed_root, Poll.sealed_count).where(Poll.id == poll_id)
            )
        ).one()
        return row[0], row[1]
