"""Receipts for sealed ballots: the commitment published at close, members' proofs, audits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ballots import BallotStyle, parse_ballot_style
from bot.domain.clock import Clock
from bot.domain.errors import Conflict, NotFound
from bot.domain.outcomes import Choice
from bot.domain.receipts import Receipt, inclusion_proof, leaf, merkle_root, new_salt
from bot.services.shared_reads import find_prediction
from db.models import Poll, Vote
from db.session import Database

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Ballot:
    """One stored sealed ballot: who, what, and the salt that hides it in its leaf."""

    member_id: int
    choice: Choice
    salt: str

    def leaf(self, poll_id: int) -> str:
        """Return this ballot's leaf in a poll."""
        return leaf(poll_id, self.member_id, self.choice, self.salt)


#: Above this many ballots the hashing runs on a worker thread, off the event loop (100,000
#: ballots take a few tenths of a second: see docs/performance.md).
OFF_LOOP = 2000


async def _hashing(work: Callable[[], T], size: int) -> T:
    """Run CPU-bound hashing inline for small polls, on a thread for big ones."""
    if size <= OFF_LOOP:
        return work()
    return await asyncio.to_thread(work)


def commitment(poll_id: int, ballots: list[Ballot]) -> tuple[str, int]:
    """Return the Merkle root over a poll's ballots and their count."""
    return merkle_root([b.leaf(poll_id) for b in ballots]), len(ballots)


def _prove(poll: Poll, ballots: list[Ballot], mine: Ballot, root: str) -> Receipt:
    """Return a member's receipt: their ballot's proof among the stored ones, and the root."""
    leaves = [b.leaf(poll.id) for b in ballots]
    index, path = inclusion_proof(leaves, mine.leaf(poll.id))
    return Receipt(
        poll_id=poll.id,
        member_id=mine.member_id,
        choice=mine.choice,
        salt=mine.salt,
        index=index,
        count=len(leaves),
        path=tuple(path),
        root=root,
    )


def is_sealed(poll: Poll) -> bool:
    """Tell whether a poll row takes sealed ballots."""
    return parse_ballot_style(poll.ballot_style) is BallotStyle.SEALED


async def ballots_of(session: AsyncSession, poll_ids: Iterable[int]) -> dict[int, list[Ballot]]:
    """Return the stored ballots of polls (poll id -> ballots), inside the caller's session."""
    ids = list(poll_ids)
    found: dict[int, list[Ballot]] = {pid: [] for pid in ids}
    if not ids:
        return found
    rows = await session.execute(
        select(Vote.poll_id, Vote.member_id, Vote.choice, Vote.salt).where(Vote.poll_id.in_(ids))
    )
    for poll_id, member_id, choice, salt in rows:
        found[poll_id].append(Ballot(member_id, Choice.from_ordinal(choice), salt or ""))
    return found


async def seal_closed(session: AsyncSession, polls: Iterable[Poll]) -> None:
    """Publish the commitment of each sealed poll being closed, in the closing transaction.

    Call it after setting ``closed_at``: no vote is taken once that commits (vote batches and
    closes exclude each other: one writer at a time on SQLite, the write lock on PostgreSQL),
    so the root covers exactly the final ballots. Reaction polls are left as they are.
    """
    sealed = [p for p in polls if is_sealed(p) and p.sealed_root is None]
    if not sealed:
        return
    await _salt_missing(session, [p.id for p in sealed])
    ballots = await ballots_of(session, [p.id for p in sealed])
    for poll in sealed:
        mine = ballots[poll.id]
        root, count = await _hashing(lambda p=poll, b=mine: commitment(p.id, b), len(mine))
        poll.sealed_root, poll.sealed_count = root, count
        log.info("poll %s sealed: %d ballot(s), root %s", poll.id, count, root)


async def _salt_missing(session: AsyncSession, poll_ids: list[int]) -> None:
    """Give a fresh salt to a sealed ballot stored without one, so its leaf stays unguessable."""
    unsalted = (
        await session.execute(
            select(Vote.poll_id, Vote.member_id).where(
                Vote.poll_id.in_(poll_ids), Vote.salt.is_(None)
            )
        )
    ).all()
    for poll_id, member_id in unsalted:
        await session.execute(
            update(Vote)
            .where(Vote.poll_id == poll_id, Vote.member_id == member_id)
            .values(salt=new_salt())
        )
    if unsalted:
        log.warning("salted %d sealed ballot(s) stored without a salt", len(unsalted))


class ReceiptService:
    """Hand members the proof that their sealed ballot is in the published commitment."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def receipt_for(self, guild_id: int, number: int, member_id: int) -> Receipt:
        """Return a member's receipt for the latest closed sealed poll on a prediction."""
        async with self._db.read() as session:
            prediction = await find_prediction(session, guild_id, number)
            polls = (
                await session.scalars(
                    select(Poll).where(Poll.prediction_id == prediction.id).order_by(Poll.id.desc())
                )
            ).all()
            if not polls:
                raise Conflict(f"Prediction #{number} has had no poll yet: nothing to verify.")
            latest = polls[0]
            if is_sealed(latest) and latest.closed_at is None:
                closes = int(latest.closes_at.timestamp())
                raise Conflict(
                    f"The sealed poll on #{number} is still open until <t:{closes}:f>: "
                    "your proof comes when it closes."
                )
            poll = next((p for p in polls if is_sealed(p) and p.sealed_root is not None), None)
            if poll is None:
                raise Conflict(
                    f"The poll on #{number} took reactions, not sealed ballots: "
                    "there is no receipt to verify."
                )
            ballots = (await ballots_of(session, [poll.id]))[poll.id]
        mine = next((b for b in ballots if b.member_id == member_id), None)
        if mine is None:
            raise NotFound(f"You didn't vote in the sealed poll on #{number}: no receipt.")
        root = poll.sealed_root
        assert root is not None
        return await _hashing(lambda: _prove(poll, ballots, mine, root), len(ballots))

    async def recompute(self, poll_id: int) -> bool:
        """Tell whether a closed sealed poll's stored ballots still give its published root."""
        async with self._db.read() as session:
            poll = await session.get(Poll, poll_id)
            if poll is None:
                raise NotFound(f"Poll {poll_id} does not exist.")
            if not is_sealed(poll) or poll.sealed_root is None:
                return False
            ballots = (await ballots_of(session, [poll_id]))[poll_id]
        found = await _hashing(lambda: commitment(poll_id, ballots), len(ballots))
        return found == (poll.sealed_root, poll.sealed_count)

    async def leaves(self, poll_id: int) -> list[str]:
        """Return a poll's leaves as stored now, sorted (what an auditor recomputes the root from)."""
        async with self._db.read() as session:
            ballots = (await ballots_of(session, [poll_id]))[poll_id]
        return await _hashing(lambda: sorted(b.leaf(poll_id) for b in ballots), len(ballots))
