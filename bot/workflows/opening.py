"""Opening polls: post the message, record it, add the option reactions; and crash recovery."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot import render
from bot.discord_io.poster import Poster, buttons_view
from bot.discord_io.registry import OpenPolls
from bot.discord_io.threads import PollThreads
from bot.discord_io.voters import Voters
from bot.domain import nonces, notices
from bot.domain.ballots import BallotStyle
from bot.domain.channels import poll_channel
from bot.domain.errors import CalledItError, CannotPost
from bot.domain.outcomes import POLL_EMOJI
from bot.domain.shards import ShardScope
from bot.services.admin_teller import AdminTeller
from bot.services.guilds import GuildService
from bot.services.polls import PollService
from bot.snapshots.predictions import OpenPollRef
from bot.workflows.results import Opened, OpenedAll

log = logging.getLogger(__name__)


class PollOpening:
    """Open polls so that a poll is either fully posted and recorded, or not there at all."""

    def __init__(
        self,
        guilds: GuildService,
        poll_service: PollService,
        poster: Poster,
        polls: OpenPolls,
        notices_: AdminTeller,
        threads: PollThreads,
        voters: Voters,
        *,
        scope: ShardScope | None = None,
    ) -> None:
        self._voters = voters
        self._threads = threads
        self._guilds = guilds
        self._poll_service = poll_service
        self._poster = poster
        self._polls = polls
        self._notices = notices_
        self._scope = scope or ShardScope()

    async def open(
        self,
        guild_id: int,
        number: int,
        *,
        channel_id: int | None,
        here: int | None,
        hours: int | None,
        actor: int | None,
        ballot: BallotStyle | None = None,
    ) -> Opened:
        """Open one poll in the channel given (else the polls channel, else here).

        It takes votes as `ballot` says, else as the server's setting (/setup ballots) says.
        """
        target, style = await self._target(guild_id, channel_id, here, ballot)
        return await self._open(guild_id, number, target, hours, actor, style)

    async def open_all(
        self,
        guild_id: int,
        *,
        channel_id: int | None,
        here: int | None,
        hours: int | None,
        actor: int | None,
        ballot: BallotStyle | None = None,
    ) -> OpenedAll:
        """Open a poll for every unresolved prediction without one; stop at a channel refusal."""
        target, style = await self._target(guild_id, channel_id, here, ballot)
        opened: list[int] = []
        failed: list[str] = []
        for number in await self._poll_service.pollable(guild_id):
            try:
                await self._open(guild_id, number, target, hours, actor, style)
            except CannotPost as exc:
                failed.append(f"#{number}: {exc.message}")
                break
            except CalledItError as exc:
                failed.append(f"#{number}: {exc.message}")
            else:
                opened.append(number)
        return OpenedAll(target, opened, failed)

    async def recover_unposted(self) -> None:
        """Attach poll messages that landed before a crash kept their ids from being recorded.

        Members may already be voting on such a message; it is found by the marker in its
        footer. A poll whose message never landed is discarded, so it can be opened again.
        """
        for poll in await self._poll_service.unposted(self._scope):
            marker = nonces.poll_message(poll.id, poll.opened_at)
            try:
                landed = await self._poster.find_landed(
                    poll.guild_id, poll.channel_id, marker, poll.opened_at
                )
            except discord.HTTPException:
                # Not known either way: keep it for the next start rather than orphan a
                # message members may be voting on.
                log.warning("poll %s: could not look for its message", poll.id, exc_info=True)
                continue
            if landed is None:
                log.warning(
                    "discarding poll %s on #%s: its message never landed", poll.id, poll.number
                )
                await self._poll_service.discard(poll.id)
                continue
            await self._poll_service.attach_message(poll.id, landed)
            log.warning("poll %s on #%s: recovered its message %s", poll.id, poll.number, landed)
            if poll.ballot is not BallotStyle.SEALED:  # a sealed poll has buttons, no reactions
                # The crash may have come before the bot's own reactions.
                await self._poster.react(poll.guild_id, poll.channel_id, landed, POLL_EMOJI)

    async def _target(
        self, guild_id: int, channel_id: int | None, here: int | None, ballot: BallotStyle | None
    ) -> tuple[int, BallotStyle]:
        config = await self._guilds.get(guild_id)
        return poll_channel(channel_id, config.polls_channel_id, here), (
            ballot or config.ballot_style
        )

    async def _open(
        self,
        guild_id: int,
        number: int,
        channel_id: int,
        hours: int | None,
        actor: int | None,
        ballot: BallotStyle = BallotStyle.REACTIONS,
    ) -> Opened:
        polls = self._poll_service
        self._poster.require(guild_id, channel_id, notices.TO_POLL)  # before anything is written
        poll, prediction = await polls.open(
            guild_id, number, channel_id=channel_id, hours=hours, opened_by=actor, ballot=ballot
        )
        nonce = nonces.poll_message(poll.id, poll.opened_at)
        sealed = ballot is BallotStyle.SEALED
        try:
            message = await self._poster.create(
                guild_id,
                channel_id,
                nonce=nonce,
                embed=render.poll_message(
                    prediction,
                    poll,
                    marker=nonce,
                    voter_role=self._voters.role_of(guild_id),
                    voted=0 if sealed else None,
                ),
                **({"view": buttons_view(render.ballot_buttons(poll.id))} if sealed else {}),
            )
        except BaseException:  # any failure, cancellation included: nothing half-written
            await asyncio.shield(polls.discard(poll.id))
            raise
        try:
            poll = await polls.attach_message(poll.id, message.id)
        except BaseException:
            # Without its id recorded the message would collect reactions nobody counts.
            await asyncio.shield(self._undo(guild_id, channel_id, message.id, poll.id))
            raise
        self._polls.add(
            OpenPollRef(poll.id, guild_id, channel_id, message.id, poll.closes_at, number, ballot)
        )
        await self._notices.fixed(
            guild_id,
            notices.posting_key(channel_id),
            notices.poll_gone_key(number),
            notices.cleared_key(number),
        )
        if not sealed:
            await self._poster.react(guild_id, channel_id, message.id, POLL_EMOJI)
        if (await self._guilds.get(guild_id)).poll_threads:
            name = f"#{number} · {prediction.title}"
            thread_id = await self._threads.start(guild_id, channel_id, message.id, name)
            if thread_id is not None:
                await polls.attach_thread(poll.id, thread_id)
        return Opened(poll, message.id)

    async def _undo(self, guild_id: int, channel_id: int, message_id: int, poll_id: int) -> None:
        await self._poster.delete(guild_id, channel_id, message_id)
        try:
            await self._poll_service.discard(poll_id)
        except Exception:
            log.exception("could not discard poll %s; it is discarded at the next start", poll_id)
