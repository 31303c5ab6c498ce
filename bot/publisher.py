"""Discord I/O for polls and posts: post, edit, react, remove reactions, read reactions back.

No rules here: what to post comes from the services, how it looks from exts/render.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.domain.errors import Conflict
from bot.domain.months import Month
from bot.domain.outcomes import POLL_EMOJI, Choice
from bot.exts import render
from bot.services.polls import OpenPollRef
from bot.services.views import ClosedPoll, PollView, ResolutionReport

if TYPE_CHECKING:
    from bot.app import CalledItBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
#: Seconds to wait before re-reading a poll's reactions after a retraction (batches them).
REREAD_DELAY = 1.0


class Publisher:
    """Post and maintain poll messages and announcements for the bot."""

    def __init__(self, bot: CalledItBot) -> None:
        self.bot = bot
        self.open_polls: dict[int, OpenPollRef] = {}
        self._removals: asyncio.Queue[tuple[int, int, int, Choice]] = asyncio.Queue()
        self._remover: asyncio.Task[None] | None = None
        self._cannot_remove: set[int] = set()
        self._rereads: set[int] = set()
        self._reread_tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background remover of superseded reactions."""
        if self._remover is None:
            self._remover = asyncio.create_task(
                self._remove_loop(), name="calledit-reaction-remover"
            )

    async def stop(self) -> None:
        """Stop background work."""
        for task in list(self._reread_tasks):
            task.cancel()
        if self._remover is not None:
            self._remover.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._remover
            self._remover = None

    async def load_open_polls(self) -> None:
        """Load every open poll message so reactions on it count as votes."""
        refs = await self.bot.services.polls.open_refs()
        self.open_polls = {ref.message_id: ref for ref in refs}
        for stale in await self.bot.services.polls.unposted():
            # A crash between opening and posting left a poll without a message: drop it.
            log.warning(
                "discarding poll %s on #%s: its message was never posted", stale.id, stale.number
            )
            await self.bot.services.polls.discard(stale.id)

    # -- polls -----------------------------------------------------------------------------

    async def open_poll(
        self, guild_id: int, number: int, channel_id: int, hours: int | None, actor: int | None
    ) -> tuple[PollView, int]:
        """Open a poll, post its message, record it, and add the three voting reactions."""
        services = self.bot.services
        poll, prediction = await services.polls.open(
            guild_id, number, channel_id=channel_id, hours=hours, opened_by=actor
        )
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            message = await channel.send(
                embed=render.poll_message(prediction, poll), allowed_mentions=NO_MENTIONS
            )
        except BaseException as exc:  # any failure, cancellation included: nothing half-written
            await asyncio.shield(services.polls.discard(poll.id))
            if isinstance(exc, discord.Forbidden | discord.NotFound):
                raise Conflict(
                    f"I can't post in <#{channel_id}>: I need View Channel, Send Messages, Embed Links, "
                    "Add Reactions and Read Message History there."
                ) from None
            raise
        try:
            poll = await services.polls.attach_message(poll.id, message.id)
        except BaseException:
            # Without its id recorded the message would collect reactions nobody counts.
            await asyncio.shield(self._undo_post(message, poll.id))
            raise
        self.open_polls[message.id] = OpenPollRef(
            poll.id, guild_id, channel_id, message.id, poll.closes_at
        )
        self.bot.vote_writer.remember(message.id, {})
        for emoji in POLL_EMOJI:
            try:
                await message.add_reaction(emoji)
            except discord.HTTPException:
                log.warning("could not add %s to poll %s", emoji, poll.id, exc_info=True)
        return poll, message.id

    async def _undo_post(self, message: discord.Message, poll_id: int) -> None:
        try:
            await message.delete()
        except discord.HTTPException:
            log.warning("could not delete the unrecorded poll message %s", message.id)
        try:
            await self.bot.services.polls.discard(poll_id)
        except Exception:
            log.exception("could not discard poll %s; it is discarded at the next start", poll_id)

    async def closed(self, closed: ClosedPoll, *, post_result: bool = True) -> None:
        """Show a poll as closed with its final tally, and post the result."""
        poll = closed.poll
        if poll.message_id is None:
            return
        self.open_polls.pop(poll.message_id, None)
        self.bot.vote_writer.forget(poll.message_id)
        channel = self.bot.get_partial_messageable(poll.channel_id, guild_id=poll.guild_id)
        try:
            await channel.get_partial_message(poll.message_id).edit(
                embed=render.poll_closed_message(closed), allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException:
            log.warning("could not edit closed poll %s", poll.id, exc_info=True)
        if post_result:
            try:
                await channel.send(
                    embed=render.poll_result(closed),
                    allowed_mentions=NO_MENTIONS,
                    reference=discord.MessageReference(
                        message_id=poll.message_id,
                        channel_id=poll.channel_id,
                        fail_if_not_exists=False,
                    ),
                )
            except discord.HTTPException:
                log.warning("could not post the result of poll %s", poll.id, exc_info=True)

    async def announce_resolution(
        self, report: ResolutionReport, fallback_channel: int | None
    ) -> None:
        """Post a resolution (or its withdrawal) in the polls channel."""
        guild_id = report.prediction.guild_id
        config = await self.bot.services.guilds.get(guild_id)
        channel_id = (
            config.polls_channel_id
            or (report.closed_poll.channel_id if report.closed_poll else None)
            or fallback_channel
        )
        if report.closed_poll is not None:
            await self.closed(ClosedPoll(report.closed_poll, report.prediction), post_result=False)
        if channel_id is None:
            return
        body = (
            render.resolution_announcement(report)
            if report.prediction.resolution is not None
            else render.unresolved_announcement(report)
        )
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            await channel.send(embed=body, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning(
                "could not announce the resolution of #%s", report.prediction.number, exc_info=True
            )

    # -- the monthly post ------------------------------------------------------------------

    async def post_monthly(self, guild_id: int, month: Month) -> int | None:
        """Post a guild's board for a month; return the message id, None if there's nowhere to post."""
        services = self.bot.services
        config = await services.guilds.get(guild_id)
        channel_id = config.leaderboard_channel_id or config.polls_channel_id
        if channel_id is None:
            guild = self.bot.get_guild(guild_id)
            system = guild.system_channel if guild else None
            channel_id = system.id if system else None
        if channel_id is None:
            return None
        body = render.monthly_post(
            await services.boards.month(guild_id, month), await services.boards.all_time(guild_id)
        )
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        message = await channel.send(
            embed=body,
            allowed_mentions=NO_MENTIONS,
            nonce=f"board-{guild_id % 10**6}-{month}"[:25],
        )
        await services.boards.mark_posted(guild_id, month, channel_id, message.id)
        return message.id

    # -- reactions -------------------------------------------------------------------------

    def superseded(self, items: list[tuple[int, int, Choice]]) -> None:
        """Queue removal of members' older reactions (called by the vote writer)."""
        for message_id, member_id, old in items:
            ref = self.open_polls.get(message_id)
            if ref is not None and self.can_remove_reactions(ref):
                self._removals.put_nowait((ref.channel_id, message_id, member_id, old))

    def can_remove_reactions(self, ref: OpenPollRef) -> bool:
        """Tell whether the bot may remove others' reactions on a poll (Manage Messages)."""
        if ref.guild_id in self._cannot_remove:
            return False
        guild = self.bot.get_guild(ref.guild_id)
        channel = guild.get_channel(ref.channel_id) if guild is not None else None
        if guild is None or channel is None:
            return True  # unknown here: try, and learn from a 403
        if channel.permissions_for(guild.me).manage_messages:
            return True
        self._missing_manage_messages(ref.guild_id)
        return False

    def retracted(self, message_id: int) -> None:
        """Re-read a poll soon after a retraction where older reactions may remain.

        Without Manage Messages a member can hold several option reactions; removing the
        latest must fall back to one they still hold, which only the message can tell.
        """
        ref = self.open_polls.get(message_id)
        if ref is None or self.can_remove_reactions(ref) or message_id in self._rereads:
            return
        self._rereads.add(message_id)
        asyncio.get_running_loop().call_later(REREAD_DELAY, self._start_reread, ref)

    def _start_reread(self, ref: OpenPollRef) -> None:
        task = asyncio.ensure_future(self._reread(ref))
        self._reread_tasks.add(task)
        task.add_done_callback(self._reread_tasks.discard)

    async def _reread(self, ref: OpenPollRef) -> None:
        self._rereads.discard(ref.message_id)
        await self.bot.vote_writer.exclusive(lambda: self._reconcile(ref))

    def _missing_manage_messages(self, guild_id: int) -> None:
        if guild_id not in self._cannot_remove:
            self._cannot_remove.add(guild_id)
            log.warning(
                "guild %s: I lack Manage Messages, so members' older reactions stay; "
                "the latest reaction is their vote",
                guild_id,
            )

    async def _remove_loop(self) -> None:
        while True:
            channel_id, message_id, member_id, old = await self._removals.get()
            ref = self.open_polls.get(message_id)
            if ref is None or ref.guild_id in self._cannot_remove:
                continue
            try:
                await self.bot.http.remove_reaction(channel_id, message_id, old.emoji, member_id)
            except discord.Forbidden:
                self._missing_manage_messages(ref.guild_id)
            except discord.HTTPException:
                log.warning("could not remove an older reaction", exc_info=True)

    async def read_reactions(self, ref: OpenPollRef) -> dict[Choice, set[int]]:
        """Read the true reaction state of a poll message (humans only), 100 users a page."""
        result: dict[Choice, set[int]] = {}
        for choice in Choice:
            members: set[int] = set()
            after: int | None = None
            while True:
                page = await self.bot.http.get_reaction_users(
                    ref.channel_id, ref.message_id, choice.emoji, 100, after=after
                )
                for user in page:
                    if not user.get("bot"):
                        members.add(int(user["id"]))
                if len(page) < 100:
                    break
                after = int(page[-1]["id"])
            result[choice] = members
        return result

    async def reconcile_all(self) -> None:
        """Bring every open poll's votes in line with its reactions (after a fresh session)."""
        for ref in list(self.open_polls.values()):
            await self.bot.vote_writer.exclusive(lambda ref=ref: self._reconcile(ref))

    async def _reconcile(self, ref: OpenPollRef) -> None:
        try:
            reactions = await self.read_reactions(ref)
        except discord.NotFound:
            log.warning("poll %s: its message is gone; its votes stay as recorded", ref.poll_id)
            return
        except discord.HTTPException:
            log.warning(
                "poll %s: could not read reactions; will retry next session",
                ref.poll_id,
                exc_info=True,
            )
            return
        await self.bot.services.votes.reconcile(ref.poll_id, reactions)
        self.bot.vote_writer.remember(
            ref.message_id, await self.bot.services.votes.votes_of_poll(ref.poll_id)
        )
