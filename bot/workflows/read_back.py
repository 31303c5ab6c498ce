"""The read-back: make an open poll's stored votes equal its message's reactions.

Reactions on the poll message are the source of truth. A read-back runs on every new
session, when a poll closes (early, at its deadline, or by a resolution), on `/poll resync`,
and shortly after a retraction where older reactions may remain.

A sealed poll is never read back: its ballots are the bot's own record, and reactions on its
message are not votes.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.discord_io.access import Access
from bot.discord_io.poster import Poster
from bot.discord_io.reactions import ChannelUnreadable, PollMessageGone, ReactionsReader
from bot.discord_io.registry import OpenPolls
from bot.discord_io.voters import Voters
from bot.domain import notices
from bot.domain.ballots import BallotStyle
from bot.domain.outcomes import Choice
from bot.metrics import Metrics
from bot.services.admin_teller import AdminTeller
from bot.services.polls import PollService
from bot.services.votes import VoteService
from bot.snapshots.predictions import OpenPollRef
from bot.votes.remover import ReactionRemover
from bot.votes.writer import COMMAND_WAIT, VoteWriter
from bot.workflows.results import ReadBack

log = logging.getLogger(__name__)

#: Seconds to wait before reading a poll back after a retraction (batches them).
REREAD_DELAY = 1.0
#: Why a sealed poll is not read back (/poll resync on one).
SEALED_NOTHING_TO_READ = (
    "sealed ballots: the bot's own record is the vote, reactions are not; nothing to re-read."
)


class ReadBackWorkflow:
    """Read polls back, one channel's polls in turn and channels side by side."""

    def __init__(
        self,
        poll_service: PollService,
        votes: VoteService,
        reader: ReactionsReader,
        polls: OpenPolls,
        writer: VoteWriter,
        remover: ReactionRemover,
        access: Access,
        notices_: AdminTeller,
        poster: Poster,
        voters: Voters,
        metrics: Metrics | None = None,
    ) -> None:
        self._voters = voters
        #: Told how long each read-back took.
        self._metrics = metrics or Metrics()
        self._poll_service = poll_service
        self._votes = votes
        self._poster = poster
        self._reader = reader
        self._polls = polls
        self._writer = writer
        self._remover = remover
        self._access = access
        self._notices = notices_
        #: Channels whose polls this process couldn't read back (a notice is recorded).
        self._unreadable: set[int] = set()
        self._rereads: set[int] = set()
        #: Polls whose read-back Discord didn't answer (a 5xx, 429s past discord.py's retries).
        self._unanswered: set[int] = set()
        self._tasks: set[asyncio.Task[ReadBack]] = set()

    async def one(
        self,
        ref: OpenPollRef,
        *,
        since: float | None = None,
        recheck: bool = True,
        wait: float | None = None,
    ) -> ReadBack:
        """Read one open poll back: after its votes queued so far, before those queued later.

        With a voter role, voters known as allowed only from before `since` (default: now)
        are checked again, unless `recheck` is off (the quick read-backs after retractions).
        With `wait`, raise Unavailable if those votes do not commit within it.
        """
        if ref.ballot is BallotStyle.SEALED:
            return ReadBack(ref, None, SEALED_NOTHING_TO_READ)
        outcome: list[ReadBack] = []
        cutoff = (self._voters.now() if since is None else since) if recheck else None

        async def run() -> None:
            with self._metrics.read_back_seconds.time():
                outcome.append(await self._read_back(ref, cutoff))

        await self._writer.exclusive(ref.message_id, run, timeout=wait)
        return outcome[0]

    def now(self) -> float:
        """Return a `since` for several read-backs: each voter is checked once across them."""
        return self._voters.now()

    async def prediction(self, guild_id: int, number: int) -> ReadBack:
        """Read back the open poll of a prediction for a command (NotFound/Conflict: none)."""
        ref = await self._poll_service.open_ref(guild_id, number)
        return await self.one(ref, wait=COMMAND_WAIT)

    async def all(self, guild_id: int | None = None) -> list[ReadBack]:
        """Read back every open poll (of one guild, or all).

        Reaction routes are rate limited per channel, so one channel's polls go one after the
        other while channels proceed side by side.
        """
        since = self.now()
        by_channel: dict[int, list[OpenPollRef]] = {}
        for ref in self._polls.all(guild_id):
            if ref.ballot is BallotStyle.SEALED:  # the bot's own ballots: nothing to read
                continue
            by_channel.setdefault(ref.channel_id, []).append(ref)

        async def channel(refs: list[OpenPollRef]) -> list[ReadBack]:
            return [
                await self.safely(ref, since=since) for ref in sorted(refs, key=lambda r: r.poll_id)
            ]

        groups = await asyncio.gather(*(channel(refs) for refs in by_channel.values()))
        results = [item for group in groups for item in group]
        changed = sum(r.report.changes for r in results if r.report is not None)
        if results:
            log.info("read back %d open poll(s); %d vote(s) changed", len(results), changed)
        return results

    async def safely(
        self, ref: OpenPollRef, *, since: float | None = None, recheck: bool = True
    ) -> ReadBack:
        """Read back one poll of many: a failure is logged and told, never stops the others."""
        try:
            return await self.one(ref, since=since, recheck=recheck)
        except Exception:
            log.exception("poll %s: reading its reactions back failed", ref.poll_id)
            return ReadBack(ref, None, "Reading it back failed; try /poll resync again later.")

    async def retry_unanswered(self) -> list[ReadBack]:
        """Read back the polls Discord didn't answer, and those the remover dropped removals on.

        Run by the scheduler. A poll whose older reactions were left for a full removal queue
        (bot/votes/remover.py) is read once the queue has room: what members hold is counted
        and the older reactions are queued for removal again.
        """
        self._unanswered.update(self._remover.take_dropped())
        results = []
        for message_id in sorted(self._unanswered):
            ref = self._polls.get(message_id)
            if ref is None:  # closed meanwhile
                self._unanswered.discard(message_id)
                continue
            results.append(await self.safely(ref))
        return results

    def after_retraction(self, message_id: int) -> None:
        """Read a poll back soon after a retraction where older reactions may remain.

        Without Manage Messages a member can hold several option reactions; removing the
        latest must fall back to one they still hold, which only the message can tell.
        """
        ref = self._polls.get(message_id)
        if ref is None or self._remover.can_remove(ref) or message_id in self._rereads:
            return
        self._rereads.add(message_id)
        asyncio.get_running_loop().call_later(REREAD_DELAY, self._start_reread, ref)

    def stop(self) -> None:
        """Cancel read-backs scheduled after retractions."""
        for task in list(self._tasks):
            task.cancel()

    def _start_reread(self, ref: OpenPollRef) -> None:
        self._rereads.discard(ref.message_id)
        if ref.message_id not in self._polls:
            return
        task = asyncio.ensure_future(self.safely(ref, recheck=False))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_back(self, ref: OpenPollRef, since: float | None) -> ReadBack:
        lacking = self._access.lacking(ref.guild_id, ref.channel_id, notices.TO_READ)
        if lacking != []:  # known from the cache: don't spend a refused request on it
            return await self._cannot_read(ref, lacking)
        try:
            reactions = await self._reader.read(ref.channel_id, ref.message_id)
        except PollMessageGone:
            return await self._message_gone(ref)
        except ChannelUnreadable as exc:
            return await self._cannot_read(ref, exc.lacking)
        except discord.HTTPException:
            log.warning(
                "poll %s: could not read its reactions; retried at the next scheduler run",
                ref.poll_id,
                exc_info=True,
            )
            self._unanswered.add(ref.message_id)
            return ReadBack(ref, None, "Discord didn't answer; try again in a minute.")
        self._unanswered.discard(ref.message_id)
        if ref.channel_id in self._unreadable:
            self._unreadable.discard(ref.channel_id)
            await self._notices.fixed(ref.guild_id, notices.reading_key(ref.channel_id))
        votes = self._votes
        members = reactions.members
        if self._voters.role_of(ref.guild_id) is not None:  # only voters' reactions count
            everyone = {m for held in members.values() for m in held}
            allowed = await self._voters.allowed(ref.guild_id, everyone, since=since)
            members = {choice: held & allowed for choice, held in members.items()}
        report = await votes.apply_read_back(ref.poll_id, members)
        self._writer.remember(ref.message_id, await votes.votes_of_poll(ref.poll_id))
        if report.extras:
            self._remover.superseded(
                (ref.message_id, member_id, choice) for member_id, choice in report.extras
            )
        missing = [c.emoji for c in Choice if c not in reactions.bot_holds]
        if missing and report.applied:  # a moderator cleared them: members need them to vote
            await self._poster.react(ref.guild_id, ref.channel_id, ref.message_id, missing)
        return ReadBack(ref, report, None)

    async def _cannot_read(self, ref: OpenPollRef, lacking: list[str] | None) -> ReadBack:
        """Leave a poll's votes as they are and tell the admins why it can't be read back."""
        log.warning("poll %s: can't read channel %s (%s)", ref.poll_id, ref.channel_id, lacking)
        notice = notices.cannot_read_polls(ref.channel_id, lacking)
        self._unreadable.add(ref.channel_id)
        await self._notices.tell(ref.guild_id, notice)
        return ReadBack(ref, None, notice.text)

    async def _message_gone(self, ref: OpenPollRef) -> ReadBack:
        """Close a poll whose message a moderator deleted: nobody can vote on it any more."""
        log.warning("poll %s: its message was deleted; closing it with its votes", ref.poll_id)
        self._polls.drop(ref.message_id)
        closed = await self._poll_service.close_gone(ref.poll_id)
        notice = await self._notices.poll_message_gone(ref.poll_id)
        number = closed.poll.number if closed is not None else ref.number
        return ReadBack(
            ref,
            None,
            notice.text if notice is not None else f"The poll message on #{number} was deleted.",
            closed=closed,
        )
