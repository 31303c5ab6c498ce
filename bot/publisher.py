"""Discord I/O for polls and posts: post, edit, react, remove reactions, read reactions back.

No rules here: what to post comes from the services, how it looks from exts/render.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.domain import nonces, notices
from bot.domain.errors import Conflict
from bot.domain.months import Month
from bot.domain.notices import Notice
from bot.domain.outcomes import POLL_EMOJI, Choice
from bot.exts import render
from bot.services.polls import OpenPollRef
from bot.services.views import ClosedPoll, PollView, ReconcileReport, ResolutionReport

if TYPE_CHECKING:
    from bot.app import CalledItBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
#: Seconds to wait before re-reading a poll's reactions after a retraction (batches them).
REREAD_DELAY = 1.0
#: Seconds between tries of a result post or an announcement that couldn't be made.
RESULT_RETRY = 300.0
#: Discord's JSON error code for a deleted message.
UNKNOWN_MESSAGE = 10008
#: Discord's JSON error code for a channel the bot can't see.
MISSING_ACCESS = 50001
#: How far before a stale claim to look for a monthly post that landed (clock skew).
LANDED_MARGIN = timedelta(minutes=5)
#: How many messages after a stale claim to look through for a post that landed.
LANDED_SCAN = 100


class PostBlocked(Exception):
    """A post can't be made now (no access to its channel); the admins have been told."""


class Publisher:
    """Post and maintain poll messages and announcements for the bot."""

    def __init__(self, bot: CalledItBot) -> None:
        self.bot = bot
        self.open_polls: dict[int, OpenPollRef] = {}
        self._removals: asyncio.Queue[tuple[int, int, int, Choice]] = asyncio.Queue()
        self._remover: asyncio.Task[None] | None = None
        self._cannot_remove: set[int] = set()
        #: When this process last tried a late post, by (kind, id) (event loop time).
        self._tries: dict[tuple[str, int], float] = {}
        #: Channels whose polls this process couldn't read back (a notice is recorded).
        self._unreadable: set[int] = set()
        self._rereads: set[int] = set()
        self._reread_tasks: set[asyncio.Task[None]] = set()
        self._notice_tasks: set[asyncio.Task[None]] = set()

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
        for stale in await self.bot.services.polls.unposted():
            await self._recover_or_discard(stale)
        refs = await self.bot.services.polls.open_refs()
        self.open_polls = {ref.message_id: ref for ref in refs}

    async def _recover_or_discard(self, poll: PollView) -> None:
        """Attach a poll's message that landed before a crash kept its id from being recorded.

        Members may already be voting on it; it is found by the marker in its footer. A poll
        whose message never landed is discarded, so it can be opened again.
        """
        marker = nonces.poll_message(poll.id, poll.opened_at)
        try:
            landed = await self._find_landed(poll.guild_id, poll.channel_id, marker, poll.opened_at)
        except discord.HTTPException:
            log.warning("poll %s: could not look for its message", poll.id, exc_info=True)
            landed = None
        if landed is None:
            log.warning("discarding poll %s on #%s: its message never landed", poll.id, poll.number)
            await self.bot.services.polls.discard(poll.id)
            return
        await self.bot.services.polls.attach_message(poll.id, landed)
        log.warning(
            "poll %s on #%s: recovered its message %s after a crash", poll.id, poll.number, landed
        )
        message = self.bot.get_partial_messageable(
            poll.channel_id, guild_id=poll.guild_id
        ).get_partial_message(landed)
        for emoji in POLL_EMOJI:  # the crash may have come before the bot's own reactions
            try:
                await message.add_reaction(emoji)
            except discord.HTTPException:
                log.warning("could not add %s to poll %s", emoji, poll.id, exc_info=True)

    # -- polls -----------------------------------------------------------------------------

    async def open_poll(
        self, guild_id: int, number: int, channel_id: int, hours: int | None, actor: int | None
    ) -> tuple[PollView, int]:
        """Open a poll, post its message, record it, and add the three voting reactions."""
        services = self.bot.services
        lacking = self._lacking(guild_id, channel_id, notices.TO_POLL)
        if lacking is None or lacking:
            raise Conflict(
                f"I can't post in <#{channel_id}>: "
                + (f"missing {', '.join(lacking)}." if lacking else "I can't see that channel.")
            )
        poll, prediction = await services.polls.open(
            guild_id, number, channel_id=channel_id, hours=hours, opened_by=actor
        )
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            nonce = nonces.poll_message(poll.id, poll.opened_at)
            message = await channel.send(
                embed=render.poll_message(prediction, poll, marker=nonce),
                allowed_mentions=NO_MENTIONS,
                nonce=nonce,
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
            poll.id, guild_id, channel_id, message.id, poll.closes_at, number
        )
        self.bot.vote_writer.remember(message.id, {})
        await self._fixed(guild_id, notices.posting_key(channel_id), notices.poll_gone_key(number))
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
        if self._lacking(poll.guild_id, poll.channel_id, ("view_channel",)) == []:
            try:
                await channel.get_partial_message(poll.message_id).edit(
                    embed=render.poll_closed_message(closed), allowed_mentions=NO_MENTIONS
                )
            except discord.HTTPException:
                log.warning("could not edit closed poll %s", poll.id, exc_info=True)
        if post_result:
            await self.post_result(closed)

    async def post_result(
        self, closed: ClosedPoll, *, landed_since: datetime | None = None
    ) -> None:
        """Post a closed poll's result once and record it.

        With `landed_since` (an earlier try may have posted it before a crash), a result by
        the bot carrying this poll's marker after that time is recorded instead.
        """
        poll = closed.poll
        assert poll.message_id is not None
        nonce = nonces.poll_result(poll.id, poll.closed_at)
        self._tries[("result", poll.id)] = asyncio.get_running_loop().time()
        if landed_since is not None:
            if not await self._may_post(
                poll.guild_id, poll.channel_id, "poll results", notices.TO_VERIFY
            ):
                return
            landed = await self._find_landed(poll.guild_id, poll.channel_id, nonce, landed_since)
            if landed is not None:
                log.info("poll %s: its result had landed (%s); recorded", poll.id, landed)
                await self.bot.services.polls.record_result(poll.id, landed)
                return
        message = await self._post(
            poll.guild_id,
            poll.channel_id,
            f"the result of the poll on #{poll.number}",
            embed=render.poll_result(closed, marker=nonce),
            reference=discord.MessageReference(
                message_id=poll.message_id,
                channel_id=poll.channel_id,
                fail_if_not_exists=False,
            ),
            nonce=nonce,
        )
        if message is not None:
            await self.bot.services.polls.record_result(poll.id, message.id)

    async def post_missing_results(self) -> None:
        """Post the results that a crash or an outage kept from being posted (retried slowly)."""
        now = asyncio.get_running_loop().time()
        for closed in await self.bot.services.polls.results_due():
            tried = self._tries.get(("result", closed.poll.id))
            if tried is not None and now - tried < RESULT_RETRY:
                continue
            try:
                await self.post_result(closed, landed_since=closed.poll.closed_at)
            except discord.HTTPException:
                log.warning("poll %s: its result is retried later", closed.poll.id, exc_info=True)

    async def announce_resolution(
        self,
        report: ResolutionReport,
        fallback_channel: int | None,
        *,
        landed_since: datetime | None = None,
    ) -> None:
        """Post a resolution (or its withdrawal) in the polls channel, once, and record it.

        With `landed_since` (an earlier try may have posted it before a crash), an
        announcement by the bot carrying this change's marker after that time is recorded
        instead.
        """
        prediction = report.prediction
        guild_id = prediction.guild_id
        config = await self.bot.services.guilds.get(guild_id)
        channel_id = (
            config.polls_channel_id
            or (report.closed_poll.channel_id if report.closed_poll else None)
            or fallback_channel
        )
        if report.closed_poll is not None:
            await self.closed(ClosedPoll(report.closed_poll, prediction), post_result=False)
        if report.event_id is not None:
            self._tries[("announce", report.event_id)] = asyncio.get_running_loop().time()
        if channel_id is None:
            await self._record_announcement(report, 0)
            return
        nonce = nonces.announcement(prediction.id, len(prediction.history))
        if landed_since is not None:
            if not await self._may_post(guild_id, channel_id, "announcements", notices.TO_VERIFY):
                return
            landed = await self._find_landed(guild_id, channel_id, nonce, landed_since)
            if landed is not None:
                log.info("#%s: its announcement had landed (%s)", prediction.number, landed)
                await self._record_announcement(report, landed)
                return
        body = (
            render.resolution_announcement(report, marker=nonce)
            if prediction.resolution is not None
            else render.unresolved_announcement(report, marker=nonce)
        )
        message = await self._post(
            guild_id,
            channel_id,
            f"the resolution of #{prediction.number}",
            embed=body,
            nonce=nonce,
        )
        if message is not None:
            await self._record_announcement(report, message.id)

    async def _record_announcement(self, report: ResolutionReport, message_id: int) -> None:
        if report.event_id is not None:
            await self.bot.services.resolution.record_announcement(report.event_id, message_id)

    async def post_missing_announcements(self) -> None:
        """Announce the resolution changes a crash or an outage kept from being announced."""
        now = asyncio.get_running_loop().time()
        for report in await self.bot.services.resolution.announcements_due():
            assert report.event_id is not None
            tried = self._tries.get(("announce", report.event_id))
            if tried is not None and now - tried < RESULT_RETRY:
                continue
            since = report.prediction.history[-1].at if report.prediction.history else None
            try:
                await self.announce_resolution(report, None, landed_since=since)
            except discord.HTTPException:
                log.warning("#%s: its announcement is retried later", report.prediction.number)

    # -- the monthly post ------------------------------------------------------------------

    async def post_monthly(
        self, guild_id: int, month: Month, *, since: datetime | None = None
    ) -> int | None:
        """Post a guild's board for a month; return the message id, None if there's nowhere to post.

        `since` is when an interrupted attempt claimed the post: a post by the bot carrying this
        month's marker after that is the one that landed, and is recorded instead of posting
        again. Raises PostBlocked when the channel can't be used now (the admins are told).
        """
        services = self.bot.services
        config = await services.guilds.get(guild_id)
        channel_id = config.leaderboard_channel_id or config.polls_channel_id
        if channel_id is None:
            guild = self.bot.get_guild(guild_id)
            system = guild.system_channel if guild else None
            channel_id = system.id if system else None
        if channel_id is None:
            return None
        what = f"the {month.label} leaderboard"
        nonce = nonces.monthly_board(guild_id, month)
        needed = notices.TO_POST if since is None else notices.TO_VERIFY
        if not await self._may_post(guild_id, channel_id, what, needed):
            raise PostBlocked(f"can't post {what} in channel {channel_id}")
        if since is not None:
            landed = await self._find_landed(guild_id, channel_id, nonce, since)
            if landed is not None:
                log.info(
                    "guild %s: the %s board had landed (%s); recorded", guild_id, month, landed
                )
                await services.boards.mark_posted(guild_id, month, channel_id, landed)
                return landed
        body = render.monthly_post(
            await services.boards.month(guild_id, month),
            await services.boards.all_time(guild_id),
            marker=nonce,
        )
        message = await self._post(guild_id, channel_id, what, embed=body, nonce=nonce)
        if message is None:
            raise PostBlocked(f"Discord refused {what} in channel {channel_id}")
        await services.boards.mark_posted(guild_id, month, channel_id, message.id)
        return message.id

    async def _find_landed(
        self, guild_id: int, channel_id: int, marker: str, since: datetime
    ) -> int | None:
        """Return the id of a post by the bot carrying `marker` made after `since`, if any."""
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        after = discord.Object(discord.utils.time_snowflake(since - LANDED_MARGIN))
        me = self.bot.user.id if self.bot.user else None
        async for message in channel.history(limit=LANDED_SCAN, after=after, oldest_first=True):
            if message.author.id == me and any(
                marker in (embed.footer.text or "") for embed in message.embeds
            ):
                return message.id
        return None

    # -- posting and telling the admins what can't be done ---------------------------------

    def _lacking(self, guild_id: int, channel_id: int, needed: Sequence[str]) -> list[str] | None:
        """Return the needed permissions the bot lacks in a channel, from the cache.

        None means the channel is unknown in a known guild (deleted, or hidden from the bot);
        an unknown guild gives [] (try, and learn from Discord's answer).
        """
        guild = self.bot.get_guild(guild_id)
        if guild is None or guild.me is None:
            return []
        channel = guild.get_channel_or_thread(channel_id)
        if channel is None:
            return None
        perms = channel.permissions_for(guild.me)
        return notices.missing({name: getattr(perms, name) for name in needed}, needed)

    async def _may_post(
        self, guild_id: int, channel_id: int, what: str, needed: Sequence[str] = notices.TO_POST
    ) -> bool:
        """Tell whether the bot can post in a channel; if not, record a notice for the admins."""
        lacking = self._lacking(guild_id, channel_id, needed)
        if lacking == []:
            return True
        notice = (
            notices.channel_unreachable(channel_id, what)
            if lacking is None
            else notices.cannot_post(channel_id, what, lacking)
        )
        await self._notice(guild_id, notice)
        return False

    async def _post(
        self, guild_id: int, channel_id: int, what: str, *, nonce: str, **kwargs: Any
    ) -> discord.Message | None:
        """Send one logical post under its nonce; None when it can't be posted (admins told).

        The nonce makes discord.py's own retries after a 5xx, and any later try of the same
        post within Discord's nonce window, return the first message instead of a second one.
        """
        if not await self._may_post(guild_id, channel_id, what):
            return None
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            message = await channel.send(allowed_mentions=NO_MENTIONS, nonce=nonce, **kwargs)
        except (discord.Forbidden, discord.NotFound) as exc:
            log.warning("could not post %s in channel %s: %s", what, channel_id, exc)
            notice = (
                notices.cannot_post(channel_id, what, ["a permission (Discord refused)"])
                if isinstance(exc, discord.Forbidden) and exc.code != MISSING_ACCESS
                else notices.channel_unreachable(channel_id, what)
            )
            await self._notice(guild_id, notice)
            return None
        except discord.HTTPException:
            log.warning("could not post %s in channel %s", what, channel_id, exc_info=True)
            return None
        await self._fixed(guild_id, notices.posting_key(channel_id))
        return message

    async def _notice(self, guild_id: int, notice: Notice) -> None:
        try:
            await self.bot.services.notices.record(guild_id, notice)
        except Exception:  # telling the admins must never break the post path
            log.exception("could not record a notice for guild %s", guild_id)

    async def _fixed(self, guild_id: int, *keys: str) -> None:
        try:
            await self.bot.services.notices.clear(guild_id, *keys)
        except Exception:
            log.exception("could not clear notices of guild %s", guild_id)

    async def poll_message_gone(self, ref: OpenPollRef) -> Notice | None:
        """Tell the admins a poll's message was deleted (call when Discord says it's gone)."""
        try:
            return await self.bot.services.notices.poll_message_gone(ref.poll_id)
        except Exception:  # telling the admins must never break the caller
            log.exception("could not record a notice for poll %s", ref.poll_id)
            return None

    async def check_access(self, guild_id: int) -> list[Notice]:
        """Check the bot's permissions where it posts; record what's missing, clear what's fixed.

        The polls channel and the channels of open polls need what a poll needs (Manage
        Messages is reported apart: without it polls still work); the leaderboard channel
        needs what posting and checking an interrupted post need.
        """
        config = await self.bot.services.guilds.get(guild_id)
        poll_channels = {
            ref.channel_id for ref in self.open_polls.values() if ref.guild_id == guild_id
        }
        if config.polls_channel_id:
            poll_channels.add(config.polls_channel_id)
        wanted: dict[int, tuple[str, Sequence[str]]] = {}
        board = config.leaderboard_channel_id or config.polls_channel_id
        if board is not None:
            wanted[board] = ("the monthly leaderboard", notices.TO_VERIFY)
        for channel_id in poll_channels:
            wanted[channel_id] = ("polls", notices.TO_POLL)
        fine: list[str] = []
        for channel_id, (what, needed) in sorted(wanted.items()):
            if await self._may_post(guild_id, channel_id, what, needed):
                fine.extend((notices.posting_key(channel_id), notices.reading_key(channel_id)))
        manage_ok = True
        for channel_id in sorted(poll_channels):
            if self._lacking(guild_id, channel_id, ("manage_messages",)):
                manage_ok = False
                await self._notice(guild_id, notices.no_manage_messages(channel_id))
            else:
                fine.append(notices.manage_messages_key(channel_id))
        if manage_ok:
            self._cannot_remove.discard(guild_id)
        await self._fixed(guild_id, *fine)
        return await self.bot.services.notices.active(guild_id)

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
        self._missing_manage_messages(ref.guild_id, ref.channel_id)
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
        await self.read_back(ref)

    def _missing_manage_messages(self, guild_id: int, channel_id: int | None = None) -> None:
        if guild_id not in self._cannot_remove:
            self._cannot_remove.add(guild_id)
            log.warning(
                "guild %s: I lack Manage Messages, so members' older reactions stay; "
                "the latest reaction is their vote",
                guild_id,
            )
            if channel_id is not None:
                task = asyncio.ensure_future(
                    self._notice(guild_id, notices.no_manage_messages(channel_id))
                )
                self._notice_tasks.add(task)
                task.add_done_callback(self._notice_tasks.discard)

    async def _remove_loop(self) -> None:
        while True:
            channel_id, message_id, member_id, old = await self._removals.get()
            ref = self.open_polls.get(message_id)
            if ref is None or ref.guild_id in self._cannot_remove:
                continue
            try:
                await self.bot.http.remove_reaction(channel_id, message_id, old.emoji, member_id)
            except discord.Forbidden:
                self._missing_manage_messages(ref.guild_id, channel_id)
            except discord.HTTPException:
                log.warning("could not remove an older reaction", exc_info=True)

    async def read_reactions(self, ref: OpenPollRef) -> dict[Choice, set[int]]:
        """Read the true reaction state of a poll message (humans only), 100 users a page.

        The message's reaction counts come first, so an option only the bot holds costs no
        request; paging stops at the first page of fewer than 100 users.
        """
        message = await self.bot.http.get_message(ref.channel_id, ref.message_id)
        counts: dict[Choice, tuple[int, bool]] = {}
        for reaction in message.get("reactions") or []:
            emoji = reaction.get("emoji") or {}
            choice = None if emoji.get("id") else Choice.from_emoji(emoji.get("name") or "")
            if choice is not None:
                counts[choice] = (int(reaction.get("count", 0)), bool(reaction.get("me")))
        result: dict[Choice, set[int]] = {}
        for choice in Choice:
            total, mine = counts.get(choice, (0, False))
            members: set[int] = set()
            after: int | None = None
            while total > int(mine):  # someone besides the bot holds it
                page = await self.bot.http.get_reaction_users(
                    ref.channel_id, ref.message_id, choice.emoji, 100, after=after
                )
                members.update(int(user["id"]) for user in page if not user.get("bot"))
                if len(page) < 100:  # not `seen >= total`: the count may have grown since
                    break
                after = int(page[-1]["id"])
            result[choice] = members
        return result

    async def read_back(self, ref: OpenPollRef) -> ReadBack:
        """Make one open poll's votes equal its message's reactions; say what changed."""
        outcome: list[ReadBack] = []

        async def run() -> None:
            outcome.append(await self._read_back(ref))

        await self.bot.vote_writer.exclusive(ref.message_id, run)
        return outcome[0]

    async def read_back_prediction(self, guild_id: int, number: int) -> ReadBack:
        """Read back the open poll of a prediction (see read_back)."""
        return await self.read_back(await self.bot.services.polls.open_ref(guild_id, number))

    async def reconcile_all(self, guild_id: int | None = None) -> list[ReadBack]:
        """Read back every open poll (of one guild, or all): polls in different channels at once.

        Reaction routes are rate limited per channel, so one channel's polls go one after the
        other while channels proceed side by side.
        """
        by_channel: dict[int, list[OpenPollRef]] = {}
        for ref in list(self.open_polls.values()):
            if guild_id is None or ref.guild_id == guild_id:
                by_channel.setdefault(ref.channel_id, []).append(ref)

        async def channel(refs: list[OpenPollRef]) -> list[ReadBack]:
            return [
                await self.read_back_safely(ref) for ref in sorted(refs, key=lambda r: r.poll_id)
            ]

        groups = await asyncio.gather(*(channel(refs) for refs in by_channel.values()))
        results = [item for group in groups for item in group]
        changed = sum(r.report.changes for r in results if r.report is not None)
        if results:
            log.info("read back %d open poll(s); %d vote(s) changed", len(results), changed)
        return results

    async def read_back_safely(self, ref: OpenPollRef) -> ReadBack:
        """Read back one poll of many: a failure is logged and told, never stops the others."""
        try:
            return await self.read_back(ref)
        except Exception:
            log.exception("poll %s: reading its reactions back failed", ref.poll_id)
            return ReadBack(ref, None, "Reading it back failed; try /poll resync again later.")

    async def _read_back(self, ref: OpenPollRef) -> ReadBack:
        lacking = self._lacking(ref.guild_id, ref.channel_id, notices.TO_READ)
        if lacking != []:  # known from the cache: don't spend a refused request on it
            return await self._cannot_read(ref, lacking)
        try:
            reactions = await self.read_reactions(ref)
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MESSAGE:
                return await self._message_gone(ref)
            return await self._cannot_read(ref, None)
        except discord.Forbidden:
            return await self._cannot_read(ref, ["View Channel", "Read Message History"])
        except discord.HTTPException:
            log.warning("poll %s: could not read its reactions", ref.poll_id, exc_info=True)
            return ReadBack(ref, None, "Discord didn't answer; try again in a minute.")
        if ref.channel_id in self._unreadable:
            self._unreadable.discard(ref.channel_id)
            await self._fixed(ref.guild_id, notices.reading_key(ref.channel_id))
        report = await self.bot.services.votes.reconcile(ref.poll_id, reactions)
        self.bot.vote_writer.remember(
            ref.message_id, await self.bot.services.votes.votes_of_poll(ref.poll_id)
        )
        if report.extras and self.can_remove_reactions(ref):
            for member_id, choice in report.extras:
                self._removals.put_nowait((ref.channel_id, ref.message_id, member_id, choice))
        return ReadBack(ref, report, None)

    async def _cannot_read(self, ref: OpenPollRef, lacking: list[str] | None) -> ReadBack:
        """Leave a poll's votes as they are and tell the admins why it can't be read back."""
        log.warning("poll %s: can't read channel %s (%s)", ref.poll_id, ref.channel_id, lacking)
        notice = notices.cannot_read_polls(ref.channel_id, lacking)
        self._unreadable.add(ref.channel_id)
        await self._notice(ref.guild_id, notice)
        return ReadBack(ref, None, notice.text)

    async def _message_gone(self, ref: OpenPollRef) -> ReadBack:
        """Close a poll whose message a moderator deleted: nobody can vote on it any more."""
        log.warning("poll %s: its message was deleted; closing it with its votes", ref.poll_id)
        self.open_polls.pop(ref.message_id, None)
        self.bot.vote_writer.forget(ref.message_id)
        closed = await self.bot.services.polls.close_gone(ref.poll_id)
        notice = await self.poll_message_gone(ref)
        number = closed.poll.number if closed is not None else ref.number
        return ReadBack(
            ref,
            None,
            notice.text if notice is not None else f"The poll message on #{number} was deleted.",
            closed=closed,
        )


@dataclass(frozen=True, slots=True)
class ReadBack:
    """What reading one poll's reactions back did."""

    ref: OpenPollRef
    #: What changed; None when the reactions couldn't be read.
    report: ReconcileReport | None
    #: Why the poll couldn't be read back (for the admin), if it couldn't.
    problem: str | None
    #: The poll, closed because its message was deleted.
    closed: ClosedPoll | None = None
