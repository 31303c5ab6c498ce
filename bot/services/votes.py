"""Votes: apply ordered batches of reaction events, and apply a read-back of a poll's reactions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.domain.ballots import parse_ballot_style
from bot.domain.clock import Clock
from bot.domain.lifecycle import may_read_back, poll_is_open
from bot.domain.outcomes import Choice
from bot.domain.votes import (
    Delete,
    EventKind,
    Upsert,
    VoteEvent,
    fold,
    plan_read_back,
)
from bot.services.receipts import is_sealed
from bot.services.vote_clears import apply_with_clears
from bot.services.vote_postgres import write_postgres
from bot.services.written_names import WrittenNames
from bot.snapshots.votes import ApplyReport, BallotState, ReadBackReport
from db.faults import Outage, is_transient
from db.id_lists import ids, one_of
from db.models import MemberName, Poll, Vote, sqlite_datetime
from db.session import Database

log = logging.getLogger(__name__)

_votes = Vote.__table__
_names = MemberName.__table__
NameKey = tuple[int, int]
#: Display names are at most 32 characters on Discord; the column allows 100.
NAME_MAX = 100
_delete_one = delete(_votes).where(
    _votes.c.poll_id == bindparam("p"), _votes.c.member_id == bindparam("m")
)
#: A sealed ballot keeps its salt when the same choice is cast again (domain.ballots.salt_kept).
SALT_ON_CONFLICT = (
    "salt = CASE WHEN votes.choice = excluded.choice AND votes.salt IS NOT NULL "
    "THEN votes.salt ELSE excluded.salt END"
)
_SQLITE_UPSERT = (
    "INSERT INTO votes (poll_id, member_id, prediction_id, choice, cast_at, salt) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (poll_id, member_id) DO UPDATE SET "
    f"{SALT_ON_CONFLICT}, choice = excluded.choice, cast_at = excluded.cast_at"
)
_SQLITE_NAME_UPSERT = (
    "INSERT INTO member_names (guild_id, member_id, name, updated_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (guild_id, member_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at"
)
_SQLITE_DELETE = "DELETE FROM votes WHERE poll_id = ? AND member_id = ?"
_SQLITE_DELETE_IF = "DELETE FROM votes WHERE poll_id = ? AND member_id = ? AND choice = ?"


class VoteService:
    """Record members' votes."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        insert = sqlite.insert if db.is_sqlite else postgresql.insert
        statement = insert(_votes)
        self._upsert = statement.on_conflict_do_update(
            index_elements=[_votes.c.poll_id, _votes.c.member_id],
            set_={"choice": statement.excluded.choice, "cast_at": statement.excluded.cast_at},
        )
        names = insert(_names)
        self._name_upsert = names.on_conflict_do_update(
            index_elements=[_names.c.guild_id, _names.c.member_id],
            set_={"name": names.excluded.name, "updated_at": names.excluded.updated_at},
        )
        #: The names last committed, so a batch writes only changed ones.
        self._names = WrittenNames()

    @property
    def outage(self) -> Outage | None:
        """Return what keeps vote batches from committing right now, if anything."""
        return self._db.outage

    async def cast(self, message_id: int, member_id: int, choice: Choice) -> ApplyReport:
        """Cast or change one member's vote on a poll message."""
        return await self.apply([self._event(EventKind.CAST, message_id, member_id, choice)])

    async def retract(self, message_id: int, member_id: int, choice: Choice) -> ApplyReport:
        """Retract a vote, only if it still has that choice."""
        return await self.apply([self._event(EventKind.RETRACT, message_id, member_id, choice)])

    async def apply(self, events: Sequence[VoteEvent]) -> ApplyReport:
        """Apply an ordered batch of cast/retract events in one transaction.

        Events on unknown or closed polls are ignored. The batch reaches the database as at
        most one upsert statement and two delete statements, each with many rows, in one
        write transaction run off the event loop (see Database.write_batch).
        """
        if not events:
            return ApplyReport(0, 0, 0)
        return await self.submit(events)

    def submit(
        self, events: Sequence[VoteEvent], *, retry: bool = False
    ) -> asyncio.Future[ApplyReport]:
        """Start applying a batch now (see Database.submit_batch); batches apply in order.

        A batch the database refuses for a reason other than a busy or lost connection is
        applied event by event, each in its own savepoint; an event that still fails is logged
        and set aside (the next read-back of its poll corrects that member's vote), so one bad
        event never holds up the votes behind it.
        """
        future = self._db.submit_batch(
            lambda conn: self._apply(conn, events),
            retry=retry,
            salvage=lambda conn: self._apply_one_by_one(conn, events),
        )
        future.add_done_callback(self._names_committed)
        return future

    def _apply_one_by_one(self, conn: Connection, events: Sequence[VoteEvent]) -> ApplyReport:
        """Apply a refused batch event by event (clears in order), setting aside what fails."""
        if any(e.kind is EventKind.CLEAR for e in events):
            return apply_with_clears(conn, events, self._votes_one_by_one)
        return self._votes_one_by_one(conn, events)

    def _votes_one_by_one(self, conn: Connection, events: Sequence[VoteEvent]) -> ApplyReport:
        """Apply votes one at a time, each in a savepoint, setting aside those that fail."""
        applied: list[VoteEvent] = []
        set_aside: list[VoteEvent] = []
        names: dict[NameKey, str] = {}
        ignored = 0
        for event in events:
            try:
                with conn.begin_nested():
                    report = self._apply_votes(conn, [event])
            except Exception as exc:
                if is_transient(exc):
                    raise  # the whole batch is tried again
                log.error(
                    "set aside a vote event the database refused: message %s, member %s, "
                    "%s %s: %s (the next read-back of the poll corrects this vote)",
                    event.message_id,
                    event.member_id,
                    event.kind.value,
                    event.choice.name if event.choice is not None else "all",
                    exc,
                )
                set_aside.append(event)
            else:
                ignored += report.ignored
                names.update(report.names)
                if not report.ignored:
                    applied.append(event)
        writes = fold(applied)
        upserts = sum(isinstance(w, Upsert) for w in writes.values())
        return ApplyReport(
            upserts, len(writes) - upserts, ignored, writes, names, set_aside=tuple(set_aside)
        )

    def _apply(self, conn: Connection, events: Sequence[VoteEvent]) -> ApplyReport:
        """Fold and write a batch on a synchronous connection inside a transaction."""
        if any(e.kind is EventKind.CLEAR for e in events):  # rare: a moderator's clear
            return apply_with_clears(conn, events, self._apply_votes)
        return self._apply_votes(conn, events)

    def _apply_votes(self, conn: Connection, events: Sequence[VoteEvent]) -> ApplyReport:
        """Fold and write cast and retract events: at most one statement per kind."""
        sqlite = self._db.is_sqlite
        message_ids = ids({e.message_id for e in events}, sqlite=sqlite)
        polls = {
            m: (pid, pred, closes, closed)
            for m, pid, pred, closes, closed in conn.execute(
                select(
                    Poll.message_id, Poll.id, Poll.prediction_id, Poll.closes_at, Poll.closed_at
                ).where(one_of(Poll.message_id, "messages", sqlite=sqlite)),
                {"messages": message_ids},
            )
        }
        accepted = [e for e in events if _accepts(polls.get(e.message_id), e.at)]
        writes = fold(accepted)
        upserts: list[tuple[int, int, int, int, Any, str | None]] = []
        deletes: list[tuple[int, int]] = []
        conditional: list[tuple[int, int, int]] = []
        # On SQLite the rows go as plain tuples through the driver's executemany (about 5x less
        # CPU per row than Core's per-row parameter processing), datetimes in SQLAlchemy's format.
        stamp = sqlite_datetime if self._db.is_sqlite else None
        for (message_id, member_id), write in writes.items():
            poll_id, prediction_id, _, _ = polls[message_id]
            if type(write) is Upsert:
                at = write.at if stamp is None else stamp(write.at)
                upserts.append(
                    (poll_id, member_id, prediction_id, write.choice.ordinal, at, write.salt)
                )
            elif type(write) is Delete:
                deletes.append((poll_id, member_id))
            else:
                conditional.extend((poll_id, member_id, c.ordinal) for c in write.choices)
        if stamp is None:
            write_postgres(conn, upserts, deletes, conditional)
        else:
            if upserts:
                conn.exec_driver_sql(_SQLITE_UPSERT, upserts)
            if deletes:
                conn.exec_driver_sql(_SQLITE_DELETE, deletes)
            if conditional:
                conn.exec_driver_sql(_SQLITE_DELETE_IF, conditional)
        names = self._write_names(conn, events)
        return ApplyReport(
            len(upserts),
            len(deletes) + len(conditional),
            len(events) - len(accepted),
            writes,
            names,
        )

    def _write_names(self, conn: Connection, events: Sequence[VoteEvent]) -> dict[NameKey, str]:
        """Upsert the display names that changed in this batch: one executemany, or nothing."""
        latest: dict[NameKey, str] = {}
        for event in events:
            if event.name is not None and event.guild_id is not None:
                latest[(event.guild_id, event.member_id)] = event.name[:NAME_MAX]
        written = self._names.written
        changed = {(g, m): name for (g, m), name in latest.items() if not written(g, m, name)}
        if not changed:
            return changed
        now = self._clock.now()
        if self._db.is_sqlite:  # plain tuples through the driver, as for the votes
            stamp = sqlite_datetime(now)
            rows = [(g, m, name, stamp) for (g, m), name in changed.items()]
            conn.exec_driver_sql(_SQLITE_NAME_UPSERT, rows)
        else:
            conn.execute(
                self._name_upsert,
                [
                    {"guild_id": g, "member_id": m, "name": name, "updated_at": now}
                    for (g, m), name in changed.items()
                ],
            )
        return changed

    def _names_committed(self, future: asyncio.Future[ApplyReport]) -> None:
        """Remember the names a batch wrote once it committed (a failed try wrote none)."""
        if future.cancelled() or future.exception() is not None:
            return
        self._names.committed(future.result().names.items())

    async def apply_read_back(
        self, poll_id: int, reactions: dict[Choice, set[int]]
    ) -> ReadBackReport:
        """Make a poll's votes match its message's reactions (after a restart, a gap, or at close)."""
        async with self._db.write() as session:
            poll = await session.get(Poll, poll_id)
            if (
                poll is None
                or is_sealed(poll)  # its ballots are buttons, not reactions: never read back
                or not may_read_back(poll.closed_at, poll.closes_at, self._clock.now())
            ):
                # Long past its deadline the reactions may include late ones: the votes stand.
                # A sealed poll's ballots are the bot's own: reactions never change them.
                return ReadBackReport(poll_id, 0, 0, 0, applied=False)
            current = {
                member: Choice.from_ordinal(choice)
                for member, choice in await session.execute(
                    select(Vote.member_id, Vote.choice).where(Vote.poll_id == poll_id)
                )
            }
            plan = plan_read_back(reactions, current)
            now = self._clock.now()
            upserts = [
                {
                    "poll_id": poll_id,
                    "member_id": member,
                    "prediction_id": poll.prediction_id,
                    "choice": choice.ordinal,
                    "cast_at": now,
                }
                for member, choice in plan.upserts.items()
            ]
            connection = await session.connection()
            if upserts:
                await connection.execute(self._upsert, upserts)
            if plan.removed:
                await connection.execute(
                    _delete_one, [{"p": poll_id, "m": m} for m in plan.removed]
                )
        report = ReadBackReport(
            poll_id,
            plan.added,
            len(plan.upserts) - plan.added,
            len(plan.removed),
            plan.extras,
        )
        if report.changes or report.extras:
            log.info(
                "poll %s read back: %d added, %d changed, %d removed, "
                "%d extra reaction(s) of members with several",
                poll_id,
                report.added,
                report.changed,
                report.removed,
                len(report.extras),
            )
        return report

    async def ballot(self, poll_id: int, member_id: int) -> BallotState | None:
        """Return a poll with a member's stored ballot on it; None when there is no such poll."""
        found = await self.ballots(poll_id, (member_id,))
        return None if found is None else found[member_id]

    async def ballots(
        self, poll_id: int, member_ids: Collection[int]
    ) -> dict[int, BallotState] | None:
        """Return several members' ballots on one poll in one read; None: no such poll."""
        async with self._db.read() as session:
            poll = await session.get(Poll, poll_id)
            if poll is None:
                return None
            wanted = sorted(set(member_ids))
            sqlite = self._db.is_sqlite
            rows = await session.execute(
                select(Vote.member_id, Vote.choice, Vote.salt).where(
                    Vote.poll_id == poll_id, one_of(Vote.member_id, "members", sqlite=sqlite)
                ),
                {"members": ids(wanted, sqlite=sqlite)},
            )
            stored = {member: (choice, salt) for member, choice, salt in rows}
            style = parse_ballot_style(poll.ballot_style)
            out = {}
            for member in wanted:
                choice, salt = stored.get(member, (None, None))
                out[member] = BallotState(
                    poll.id,
                    poll.guild_id,
                    poll.message_id,
                    style,
                    poll.closes_at,
                    poll.closed_at,
                    Choice.from_ordinal(choice) if choice is not None else None,
                    salt,
                )
            return out

    async def count(self, poll_id: int) -> int:
        """Return how many members have a vote on one poll."""
        async with self._db.read() as session:
            voted = await session.scalar(
                select(func.count()).select_from(Vote).where(Vote.poll_id == poll_id)
            )
            return int(voted or 0)

    async def votes_of_poll(self, poll_id: int) -> dict[int, Choice]:
        """Return the votes recorded in one poll (member -> choice)."""
        async with self._db.read() as session:
            return {
                member: Choice.from_ordinal(choice)
                for member, choice in await session.execute(
                    select(Vote.member_id, Vote.choice).where(Vote.poll_id == poll_id)
                )
            }

    def _event(self, kind: EventKind, message_id: int, member_id: int, choice: Choice) -> VoteEvent:
        return VoteEvent(kind, message_id, member_id, choice, self._clock.now())


def _accepts(poll: tuple[int, int, datetime, datetime | None] | None, at: datetime) -> bool:
    return poll is not None and poll_is_open(poll[3], poll[2], at)
