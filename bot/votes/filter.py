"""The vote path's filter: which reaction events on an open poll are votes, handed to the writer.

The intake found the open poll (one registry lookup); here: a poll of that server taking
reactions (a sealed poll takes buttons only)? an option emoji? not a bot? a voter? A vote
becomes a ``VoteEvent`` in the writer's queue, inline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.discord_io.voters import Voters
from bot.domain.ballots import BallotStyle
from bot.domain.votes import EventKind, VoteEvent, vote_choice
from bot.snapshots.predictions import OpenPollRef
from bot.votes.intake import Clear, Reaction
from bot.votes.remover import ReactionRemover
from bot.votes.writer import VoteWriter

#: Votes read within the same millisecond share one timestamp (the first one's).
STAMP = timedelta(milliseconds=1)


class VoteFilter:
    """Turn reaction events on open polls into vote events for the writer (the intake's taker)."""

    def __init__(
        self,
        writer: VoteWriter,
        voters: Voters,
        remover: ReactionRemover,
        *,
        me: Callable[[], int | None],
        now: Callable[[], datetime],
        after_retraction: Callable[[int], None],
    ) -> None:
        self._put = writer.put
        #: A queued vote holds the poll's message id and the member's id as kept already, not
        #: copies of its own: in a flood some 40,000 votes wait at once (bot/votes/writer.py).
        self._member_id = writer.shared_member_id
        #: The last timestamp given, and the end of its millisecond (see _stamp).
        self._stamp_at: datetime | None = None
        self._stamp_until: datetime | None = None
        self._voters = voters
        self._remover = remover
        #: The bot's own user id, once connected: its option reactions are no votes.
        self._me = me
        self._now = now
        #: Told of a retraction that may leave a member holding an older option (a read-back).
        self._after_retraction = after_retraction

    def added(self, ref: OpenPollRef, seen: Reaction) -> None:
        """Cast or change a vote."""
        self._vote(ref, seen, EventKind.CAST)

    def removed(self, ref: OpenPollRef, seen: Reaction) -> None:
        """Retract a vote if it still has this choice."""
        if self._vote(ref, seen, EventKind.RETRACT):
            self._after_retraction(seen.message_id)

    def cleared(self, ref: OpenPollRef, seen: Clear) -> None:
        """A moderator removed every reaction, or one emoji entirely: those votes go."""
        if ref.ballot is BallotStyle.SEALED:  # its ballots are the bot's, not reactions
            return
        if seen.every:
            choice = None
        else:
            choice = vote_choice(seen.emoji_id, seen.emoji_name, by_bot=False)
            if choice is None:
                return
        if ref.guild_id == seen.guild_id:
            self._put(VoteEvent(EventKind.CLEAR, seen.message_id, 0, choice, self._now()))
        if choice is not None:
            # Without Manage Messages a member may still hold another option: read it back.
            self._after_retraction(seen.message_id)

    def _vote(self, ref: OpenPollRef, seen: Reaction, kind: EventKind) -> bool:
        """Queue a vote event if this reaction is one; return whether it was."""
        if ref.guild_id != seen.guild_id:  # not a poll of that server
            return False
        if ref.ballot is BallotStyle.SEALED:  # a reaction on a sealed poll is no vote
            return False
        me = self._me()
        by_bot = (me is not None and seen.user_id == me) or seen.by_bot
        choice = vote_choice(seen.emoji_id, seen.emoji_name, by_bot=by_bot)
        if choice is None:
            return False
        # Reaction adds carry the member; removals don't.
        roles = seen.roles if seen.member else None
        if not self._voters.may_vote(ref.guild_id, roles, seen.user_id):
            if kind is EventKind.CAST:  # not a voter: ignored, and taken off when allowed
                self._remover.superseded([(seen.message_id, seen.user_id, choice)])
            return False
        member_id = self._member_id(seen.user_id)
        self._put(
            VoteEvent(
                kind,
                ref.message_id,
                member_id,
                choice,
                self._stamp(),
                seen.display_name,
                ref.guild_id,
            )
        )
        return True

    def _stamp(self) -> datetime:
        """Return now; within the millisecond of the last stamp, that same object (48 bytes less)."""
        now = self._now()
        at, until = self._stamp_at, self._stamp_until
        if at is not None and until is not None and at <= now < until:
            return at
        self._stamp_at = now
        self._stamp_until = now + (STAMP - timedelta(microseconds=now.microsecond % 1000))
        return now
