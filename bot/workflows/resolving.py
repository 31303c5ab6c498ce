"""Resolving and unresolving a prediction, and announcing each change exactly once."""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import datetime

import discord

from bot import render
from bot.discord_io.poster import Poster
from bot.domain import nonces
from bot.domain.channels import announcement_channel
from bot.domain.community import dispute_deadline
from bot.domain.errors import Conflict
from bot.domain.outcomes import Outcome
from bot.domain.pacing import Pacer
from bot.domain.shards import ShardScope
from bot.services import Services
from bot.snapshots.predictions import ClosedPoll, ResolutionReport
from bot.vote_writer import COMMAND_WAIT, VoteWriter
from bot.workflows.closing import PollClosing
from bot.workflows.disputing import Disputing
from bot.workflows.read_back import ReadBackWorkflow

log = logging.getLogger(__name__)


class Resolving:
    """Resolve: read the poll back, commit queued votes, resolve, close the poll, announce."""

    def __init__(
        self,
        services: Services,
        read_back: ReadBackWorkflow,
        writer: VoteWriter,
        closing: PollClosing,
        poster: Poster,
        disputing: Disputing,
        *,
        scope: ShardScope | None = None,
    ) -> None:
        self._services = services
        self._read_back = read_back
        self._writer = writer
        self._closing = closing
        self._poster = poster
        self._disputing = disputing
        self._scope = scope or ShardScope()
        self._pacer = Pacer(time.monotonic)

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
        """Resolve (or re-resolve) a prediction and announce it."""
        with contextlib.suppress(Conflict):  # no open poll: nothing to read back
            await self._read_back.prediction(guild_id, number)
        await self._writer.flush(COMMAND_WAIT)
        report = await self._services.resolution.resolve(
            guild_id, number, outcome, actor_id=actor, note=note, evidence_url=evidence
        )
        await self._disputing.closed(guild_id, report.closed_disputes)
        await self.announce(report, here)
        return report

    async def unresolve(
        self, guild_id: int, number: int, *, actor: int | None, note: str | None, here: int | None
    ) -> ResolutionReport:
        """Withdraw a prediction's resolution and announce it."""
        report = await self._services.resolution.unresolve(
            guild_id, number, actor_id=actor, note=note
        )
        await self._disputing.closed(guild_id, report.closed_disputes)
        await self.announce(report, here)
        return report

    async def announce(
        self, report: ResolutionReport, here: int | None, *, landed_since: datetime | None = None
    ) -> None:
        """Close the poll's message, then announce the change once in the polls channel."""
        prediction = report.prediction
        guild_id = prediction.guild_id
        config = await self._services.guilds.get(guild_id)
        if report.closed_poll is not None:
            await self._closing.show_closed(
                ClosedPoll(report.closed_poll, prediction), post_result=False
            )
        channel_id = announcement_channel(
            config.polls_channel_id,
            report.closed_poll.channel_id if report.closed_poll else None,
            here,
        )
        if report.event_id is not None:
            self._pacer.tried(report.event_id)
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
        message_id = await self._poster.post_once(
            guild_id,
            channel_id,
            f"the resolution of #{prediction.number}",
            nonce=nonce,
            landed_since=landed_since,
            embed=body,
        )
        if message_id is not None:
            await self._record(report, message_id)

    async def announce_missing(self) -> None:
        """Announce the changes a crash or an outage kept from being announced (retried slowly)."""
        for report in await self._services.resolution.announcements_due(self._scope):
            assert report.event_id is not None
            if not self._pacer.due(report.event_id):
                continue
            history = report.prediction.history
            since = history[-1].at if history else None
            try:
                await self.announce(report, None, landed_since=since)
            except discord.HTTPException:
                log.warning("#%s: its announcement is retried later", report.prediction.number)

    async def _record(self, report: ResolutionReport, message_id: int) -> None:
        if report.event_id is not None:
            await self._services.resolution.record_announcement(report.event_id, message_id)
            self._pacer.forget(report.event_id)
