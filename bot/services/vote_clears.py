"""A moderator's reaction clear, applied in order with the other vote events of its batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, delete, select

from bot.domain.ballots import BallotStyle, parse_ballot_style
from bot.domain.lifecycle import poll_is_open
from bot.domain.outcomes import Choice
from bot.domain.votes import Delete, EventKind, Upsert, VoteEvent, Write, cleared_choices
from bot.snapshots.votes import ApplyReport
from db.models import Poll, Vote

ApplyVotes = Callable[[Connection, Sequence[VoteEvent]], ApplyReport]


def apply_with_clears(
    conn: Connection, events: Sequence[VoteEvent], apply_votes: ApplyVotes
) -> ApplyReport:
    """Apply a batch that holds CLEAR events: the votes between clears, then each clear.

    A clear removes the stored votes of the options it cleared on an open poll (a closed poll
    is frozen: the clear is ignored); a vote cast after it in the batch still counts.
    """
    writes: dict[tuple[int, int], Write] = {}
    names: dict[tuple[int, int], str] = {}
    upserts = deletes = ignored = 0
    cleared: list[tuple[int, Choice | None, int]] = []
    segment: list[VoteEvent] = []

    def flush_segment() -> None:
        nonlocal upserts, deletes, ignored
        if segment:
            report = apply_votes(conn, segment)
            upserts, deletes, ignored = (
                upserts + report.upserts,
                deletes + report.deletes,
                ignored + report.ignored,
            )
            writes.update(report.writes)
            names.update(report.names)
            segment.clear()

    for event in events:
        if event.kind is not EventKind.CLEAR:
            segment.append(event)
            continue
        flush_segment()
        removed = _clear(conn, event)
        if removed is None:
            ignored += 1
            continue
        deletes += removed
        cleared.append((event.message_id, event.choice, removed))
        gone = cleared_choices(event)
        for key, write in list(writes.items()):
            if key[0] == event.message_id and isinstance(write, Upsert) and write.choice in gone:
                writes[key] = Delete()
    flush_segment()
    return ApplyReport(upserts, deletes, ignored, writes, names=names, cleared=tuple(cleared))


def _clear(conn: Connection, event: VoteEvent) -> int | None:
    """Delete the votes a clear removed; None when its poll is unknown, closed or sealed."""
    poll = conn.execute(
        select(Poll.id, Poll.closes_at, Poll.closed_at, Poll.ballot_style).where(
            Poll.message_id == event.message_id
        )
    ).first()
    if poll is None or not poll_is_open(poll.closed_at, poll.closes_at, event.at):
        return None
    if parse_ballot_style(poll.ballot_style) is BallotStyle.SEALED:  # ballots, not reactions
        return None
    statement = delete(Vote).where(Vote.poll_id == poll.id)
    if event.choice is not None:
        statement = statement.where(Vote.choice == event.choice.ordinal)
    return conn.execute(statement).rowcount
