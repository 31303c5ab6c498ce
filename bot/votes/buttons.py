"""The vote path's second way in: a sealed poll's buttons.

A press names its poll in its custom_id (bot/domain/ballots.py). It is refused, with nothing
stored, when the id is not ours, the poll doesn't exist, belongs to another server, takes
reactions, has closed, or the member lacks the voter role. Otherwise it becomes a VoteEvent
(a cast with a fresh salt, or a retraction of whatever the vote is) in THE ONE writer's
queue, in order with every other vote; the press is answered only once that event's batch
is committed, with what is then stored (a vote refused at the close says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.discord_io.registry import OpenPolls
from bot.discord_io.voters import Voters
from bot.domain.ballots import Action, BallotStyle, Button, Refusal, parse_custom_id
from bot.domain.receipts import leaf, new_salt, receipt_code
from bot.domain.votes import EventKind, VoteEvent
from bot.services.votes import VoteService
from bot.snapshots.predictions import OpenPollRef
from bot.snapshots.votes import BallotState
from bot.votes.ballot_reads import BallotReads
from bot.votes.writer import VoteWriter

log = logging.getLogger(__name__)

#: How long a stopping bot waits for the answers under way.
STOP_WAIT = 5.0
#: How long "My vote" waits for the votes queued before it (a vote pressed just before).
MINE_WAIT = 2.0


class Press(NamedTuple):
    """One button press, as the interaction carried it."""

    custom_id: str
    guild_id: int | None
    member_id: int
    #: The role ids of the member (None: the interaction carried no member).
    roles: tuple[str, ...] | None
    name: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    """What is stored after a press: the poll, the member's ballot, its receipt code."""

    button: Button
    state: BallotState
    code: str | None

    @property
    def closed(self) -> bool:
        """Tell whether the poll has closed (votes frozen)."""
        return self.state.closed_at is not None


@dataclass(frozen=True, slots=True)
class Pressed:
    """A press refused at once, or the answer to come once its vote is committed."""

    refusal: Refusal | None = None
    #: The voter role a NOT_VOTER refusal names.
    role: int | None = None
    later: asyncio.Future[Answer | Refusal] | None = None


class ButtonVotes:
    """Check a press, put its vote through the one writer, and read back what is stored."""

    def __init__(
        self,
        writer: VoteWriter,
        polls: OpenPolls,
        voters: Voters,
        votes: VoteService,
        *,
        now: Callable[[], datetime],
        counted: Callable[[OpenPollRef], None] = lambda ref: None,
    ) -> None:
        self._writer = writer
        self._polls = polls
        self._voters = voters
        self._votes = votes
        self._reads = BallotReads(votes)
        self._now = now
        #: Told after each committed vote on a sealed poll (its message's count).
        self._counted = counted
        self._tasks: set[asyncio.Future[Answer | Refusal]] = set()
        #: The tasks answering presses (the Discord side), waited for at shutdown.
        self._answering: set[asyncio.Task[object]] = set()

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Mark the current task as answering a press until the block ends."""
        task = asyncio.current_task()
        if task is not None:
            self._answering.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._answering.discard(task)

    async def press(self, press: Press) -> Pressed:
        """Refuse a press, or queue its vote and return the answer to come."""
        button = parse_custom_id(press.custom_id)
        if button is None or press.guild_id is None:
            return Pressed(Refusal.NOT_OURS)
        ref = self._polls.by_poll(button.poll_id)
        if ref is None:  # closed, unknown, or not served here: the database says which
            return await self._not_open(button, press)
        if ref.guild_id != press.guild_id:
            return Pressed(Refusal.OTHER_SERVER)
        if ref.ballot is not BallotStyle.SEALED:
            return Pressed(Refusal.NOT_SEALED)
        if button.action is Action.MINE:
            return Pressed(later=self._start(self._mine(button, press)))
        if button.action is Action.VOTE and not self._voters.may_vote(
            ref.guild_id, press.roles, press.member_id
        ):
            return Pressed(Refusal.NOT_VOTER, role=self._voters.role_of(ref.guild_id))
        event = VoteEvent(
            EventKind.CAST if button.action is Action.VOTE else EventKind.RETRACT,
            ref.message_id,
            press.member_id,
            button.choice,
            self._now(),
            press.name,
            ref.guild_id,
            new_salt() if button.action is Action.VOTE else None,
        )
        committed = self._writer.put_committed(event)
        return Pressed(later=self._start(self._after_commit(button, press, ref, committed)))

    def _start(self, work: object) -> asyncio.Future[Answer | Refusal]:
        task: asyncio.Future[Answer | Refusal] = asyncio.ensure_future(work)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _not_open(self, button: Button, press: Press) -> Pressed:
        state = await self._votes.ballot(button.poll_id, press.member_id)
        if state is None or state.message_id is None:
            return Pressed(Refusal.NO_POLL)
        if state.guild_id != press.guild_id:
            return Pressed(Refusal.OTHER_SERVER)
        if state.ballot is not BallotStyle.SEALED:
            return Pressed(Refusal.NOT_SEALED)
        if state.closed_at is None:  # open, but not (yet) in this process's registry
            return Pressed(Refusal.NOT_READY)
        if button.action is Action.MINE:  # a member may still see their own ballot
            return Pressed(later=self._start(self._done(self._answer(button, press, state))))
        return Pressed(Refusal.FROZEN)

    @staticmethod
    async def _done(answer: Answer) -> Answer:
        return answer

    async def _mine(self, button: Button, press: Press) -> Answer | Refusal:
        await self._writer.caught_up(MINE_WAIT)  # a vote pressed just before shows
        state = await self._votes.ballot(button.poll_id, press.member_id)
        if state is None:
            return Refusal.NO_POLL
        return self._answer(button, press, state)

    async def _after_commit(
        self, button: Button, press: Press, ref: OpenPollRef, committed: asyncio.Future[bool]
    ) -> Answer | Refusal:
        if not await committed:
            log.warning("a button vote on poll %s was not stored", ref.poll_id)
        state = await self._reads.get(button.poll_id, press.member_id)
        if state is None:
            return Refusal.NO_POLL
        if state.closed_at is None:
            self._counted(ref)
        return self._answer(button, press, state)

    def _answer(self, button: Button, press: Press, state: BallotState) -> Answer:
        code = None
        if state.choice is not None and state.salt is not None:
            code = receipt_code(leaf(state.poll_id, press.member_id, state.choice, state.salt))
        return Answer(button, state, code)

    async def stop(self) -> None:
        """Let the answers under way go out (the writer committed their votes first)."""
        waiting = [*self._tasks, *self._answering]
        if waiting:
            await asyncio.wait(waiting, timeout=STOP_WAIT)
