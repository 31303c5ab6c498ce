"""Resolving and unresolving a prediction, and announcing each change exactly once."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any

import discord

from bot import render
from bot.domain import nonces
from bot.domain.ballots import BallotStyle
from bot.domain.channels import announcement_channel
from bot.domain.community import dispute_deadline
from bot.domain.errors import Conflict
from bot.domain.outcomes import Outcome
from bot.domain.shards import ShardScope
from bot.services.boards import BoardService
from bot.services.guilds import GuildService
from bot.services.outbox import announcement_key
from bot.services.resolution import ResolutionService
from bot.snapshots.predictions import ClosedPoll, ResolutionReport
from bot.votes.writer import COMMAND_WAIT, VoteWriter
from bot.workflows.closing import PollClosing
from bot.workflows.disputing import Disputing
from bot.workflows.outbox import Outbox, Outgoing
from bot.workflows.read_back import ReadBackWorkflow

log = logging.getLogger(__name__)


class Resolving:
    """Resolve: read the poll back, commit queued votes, resolve, close the poll, announce."""

    def __init__(
        self,
        guilds: GuildService,
        resolution: ResolutionService,
        read_back: ReadBackWorkflow,
        writer: VoteWriter,
        closing: PollClosing,
        outbox: Outbox,
        disputing: Disputing,
        *,
        scope: ShardScope | None = None,
        boards: BoardService | None = None,
    ) -> None:
        self._guilds = guilds
        self._resolution = resolution
        self._read_back = read_back
        self._writer = writer
        self._closing = closing
        self._outbox = outbox
        self._disputing = disputing
        self._scope = scope or ShardScope()
        self._boards = boards

    async def resolve(
        self,
        guild_id: int,
        number: int,
        outcome: Outcome,
        *,
        actor: int | None,
        note: str | None,
        evidence: str | None,
        here: int | None,
    ) -> ResolutionReport:
        """Resolve (or re-resolve) a prediction and announce it.

        A sealed poll still open is closed first, with its result post: its commitment is
        stored and published before any outcome is known.
        """
        read = None
        with contextlib.suppress(Conflict):  # no open poll: nothing to read back
            read = await self._read_back.prediction(guild_id, number)
        if read is not None and read.closed is None and read.ref.ballot is BallotStyle.SEALED:
            with contextlib.suppress(Conflict):  # closed meanwhile (its deadline, another admin)
                await self._closing.close(guild_id, number)
        await self._writer.flush(COMMAND_WAIT)
        report = await self._resolution.resolve(
            guild_id, number, outcome, actor_id=actor, note=note, evidence_url=evidence
        )
        self._warm(guild_id)
        await self._disputing.closed(guild_id, report.closed_disputes)
        await self.announce(report, here)
        return report

    async def unresolve(
        self, guild_id: int, number: int, *, actor: int | None, note: str | None, here: int | None
    ) -> ResolutionReport:
        """Withdraw a prediction's resolution and announce it."""
        report = await self._resolution.unresolve(guild_id, number, actor_id=actor, note=note)
        self._warm(guild_id)
        await self._disputing.closed(guild_id, report.closed_disputes)
        await self.announce(report, here)
        return report

    async def announce(
        self, report: ResolutionReport, here: int | None, *, landed_since: datetime | None = None
    ) -> None:
        """Close the poll's message, then announce the change once in the polls channel."""
        prediction = report.prediction
        guild_id = prediction.guild_id
        config = await self._guilds.get(guild_id)
        if report.closed_poll is not None:
            await self._closing.show_closed(
                ClosedPoll(report.closed_poll, prediction), post_result=False
            )
        channel_id = announcement_channel(
            config.polls_channel_id,
            report.closed_poll.channel_id if report.closed_poll else None,
            here,
        )
        if channel_id is None:
            await self._record(report, 0)
            return
        nonce = nonces.announcement(prediction.id, len(prediction.history))
        resolution = prediction.resolution
        until = (
            dispute_deadline(resolution.resolved_at, config.dispute_hours)
            if resolution is not None
            else None
        )
        body = (
            render.resolution_announcement(report, marker=nonce, dispute_until=until)
            if prediction.resolution is not None
            else render.unresolved_announcement(report, marker=nonce)
        )
        key = announcement_key(report.event_id) if report.event_id is not None else f"once:{nonce}"

        async def embed() -> dict[str, Any]:
            return {"embed": body}

        async def record(message_id: int) -> None:
            await self._record(report, message_id)

        what = f"the resolution of #{prediction.number}"
        await self._outbox.post(
            Outgoing(key, guild_id, channel_id, what, nonce, embed, record, landed_since)
        )

    async def announce_missing(self) -> None:
        """Announce the changes a crash or an outage kept from being announced (retried slowly).

        A change whose claim is held (just tried, or another process is at it) waits until
        the claim is stale, so a blocked channel is retried at that pace.
        """
        due = await self._resolution.announcements_due(self._scope)
        held = await self._outbox.held([announcement_key(r.event_id or 0) for r in due])
        for report in due:
            if announcement_key(report.event_id or 0) in held:
                continue
            history = report.prediction.history
            since = history[-1].at if history else None
            try:
                await self.announce(report, None, landed_since=since)
            except discord.HTTPException:
                log.warning("#%s: its announcement is retried later", report.prediction.number)

    def _warm(self, guild_id: int) -> None:
        """Have the boards read again now, beside the announcement: for the members' next look.

        Started as soon as the change is committed, so the reads overlap the announcement's
        requests and are done (or nearly) when the admin is answered and members look.
        """
        if self._boards is not None:
            self._boards.warm(guild_id)

    async def _record(self, report: ResolutionReport, message_id: int) -> None:
        if report.event_id is not None:
            await self._resolution.record_announcement(report.event_id, message_id)
