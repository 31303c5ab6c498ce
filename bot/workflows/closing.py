"""Closing polls: early by an admin, at the deadline, by archiving; and their result posts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import discord

from bot import render
from bot.discord_io.poster import Poster
from bot.discord_io.registry import OpenPolls
from bot.discord_io.threads import PollThreads
from bot.domain import nonces
from bot.domain.clock import Clock
from bot.domain.lifecycle import may_read_back
from bot.domain.shards import ShardScope
from bot.services.outbox import result_key
from bot.services.polls import PollService
from bot.services.predictions import PredictionService
from bot.snapshots.predictions import ClosedPoll, PredictionSnapshot
from bot.votes.writer import COMMAND_WAIT, VoteWriter
from bot.workflows.outbox import Outbox, Outgoing
from bot.workflows.read_back import ReadBackWorkflow
from bot.workflows.results import ClosingResult

log = logging.getLogger(__name__)


class PollClosing:
    """Close polls: read back, commit the votes queued, close in the database, show, post."""

    def __init__(
        self,
        poll_service: PollService,
        predictions: PredictionService,
        read_back: ReadBackWorkflow,
        writer: VoteWriter,
        polls: OpenPolls,
        poster: Poster,
        outbox: Outbox,
        clock: Clock,
        threads: PollThreads,
        *,
        scope: ShardScope | None = None,
        counts_settled: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self._threads = threads
        #: Waits for a sealed poll's count edit under way (it must not land after the close's).
        self._counts_settled = counts_settled
        self._poll_service = poll_service
        self._predictions = predictions
        self._read_back = read_back
        self._writer = writer
        self._polls = polls
        self._poster = poster
        self._outbox = outbox
        self._clock = clock
        self._scope = scope or ShardScope()

    async def close(self, guild_id: int, number: int) -> ClosingResult:
        """Close a prediction's poll now (an admin) and post its result."""
        read = await self._read_back.prediction(guild_id, number)
        if read.closed is not None:  # its message was deleted: closed with the votes it had
            return ClosingResult(None, read.problem)
        await self._writer.flush(COMMAND_WAIT)  # votes that arrived during the read-back count
        closed = await self._poll_service.close(guild_id, number)
        await self.show_closed(closed, post_result=True)
        return ClosingResult(closed)

    async def close_due(self) -> None:
        """Close the polls whose deadline passed, show them closed and post their results.

        A poll closed at its deadline is read back first (reactions are the source of truth);
        one found long past it (the bot was down) keeps the votes recorded before it.
        """
        now, since = self._clock.now(), self._read_back.now()
        for ref in self._polls.due(now):
            if may_read_back(None, ref.closes_at, now):
                await self._read_back.safely(ref, since=since)
        await self._writer.flush()
        due = await self._poll_service.close_due(self._scope)
        for ref in self._polls.due(now):  # closed now, by us or by another process
            self._polls.drop(ref.message_id)
        for closed in due:
            await self.show_closed(closed, post_result=True)

    async def archive(self, guild_id: int, number: int) -> PredictionSnapshot:
        """Archive a prediction; its open poll closes (shown closed, no result post)."""
        await self._writer.flush(COMMAND_WAIT)
        view = await self._predictions.archive(guild_id, number)
        if view.poll is not None and view.poll.message_id in self._polls:
            await self.show_closed(ClosedPoll(view.poll, view), post_result=False)
        return view

    async def show_closed(self, closed: ClosedPoll, *, post_result: bool) -> None:
        """Show a poll's message as closed with its final tally, and post the result."""
        poll = closed.poll
        if poll.message_id is None:
            return
        self._polls.drop(poll.message_id)  # no count edit starts after this
        if poll.sealed and self._counts_settled is not None:
            await self._counts_settled(poll.message_id)
        await self._poster.edit(
            poll.guild_id,
            poll.channel_id,
            poll.message_id,
            render.poll_closed_message(closed),
            # A sealed poll keeps only "My vote": members still see their own ballot.
            buttons=render.closed_ballot_buttons(poll.id) if poll.sealed else None,
        )
        if poll.thread_id is not None:
            await self._threads.close(poll.guild_id, poll.channel_id, poll.thread_id)
        if post_result:
            await self.post_result(closed)

    async def post_result(
        self, closed: ClosedPoll, *, landed_since: datetime | None = None
    ) -> None:
        """Post a closed poll's result once (through the outbox) and record it."""
        poll = closed.poll
        assert poll.message_id is not None
        nonce = nonces.poll_result(poll.id, poll.closed_at)
        reference = discord.MessageReference(
            message_id=poll.message_id, channel_id=poll.channel_id, fail_if_not_exists=False
        )

        async def body() -> dict[str, Any]:
            return {"embed": render.poll_result(closed, marker=nonce), "reference": reference}

        async def record(message_id: int) -> None:
            await self._poll_service.record_result(poll.id, message_id)

        await self._outbox.post(
            Outgoing(
                result_key(poll.id),
                poll.guild_id,
                poll.channel_id,
                f"the result of the poll on #{poll.number}",
                nonce,
                body,
                record,
                landed_since=landed_since,
            )
        )

    async def post_missing_results(self) -> None:
        """Post the results a crash or an outage kept from being posted (retried slowly)."""
        due = await self._poll_service.results_due(self._scope)
        held = await self._outbox.held([result_key(c.poll.id) for c in due])
        for closed in due:
            if result_key(closed.poll.id) in held:
                continue  # just tried, or another process is at it: retried once stale
            try:
                await self.post_result(closed, landed_since=closed.poll.closed_at)
            except discord.HTTPException:
                log.warning("poll %s: its result is retried later", closed.poll.id, exc_info=True)
