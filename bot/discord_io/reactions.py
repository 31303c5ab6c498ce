"""The reactions reader: a poll message's true reaction state, read over REST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
from discord.http import HTTPClient

from bot.discord_io.rate_limit import RateLimiter
from bot.domain.outcomes import Choice
from bot.domain.votes import vote_choice

#: Discord's JSON error code for a deleted message.
UNKNOWN_MESSAGE = 10008
#: Users per page of a reaction's users (Discord's maximum).
PAGE = 100


class PollMessageGone(Exception):
    """The poll's message was deleted."""


class ChannelUnreadable(Exception):
    """The poll's channel can't be read (gone, or permissions missing)."""

    def __init__(self, lacking: list[str] | None) -> None:
        super().__init__(f"can't read the channel (lacking {lacking})")
        self.lacking = lacking


@dataclass(frozen=True, slots=True)
class PollReactions:
    """A poll message's true reaction state."""

    #: The members (no bots) holding each option.
    members: dict[Choice, set[int]]
    #: The options the bot itself holds (a moderator's clear takes them off).
    bot_holds: frozenset[Choice]


class ReactionsReader:
    """Read who holds which option on a message, 100 users a page, paced under the global limit."""

    def __init__(self, http: HTTPClient, limiter: RateLimiter | None = None) -> None:
        self._http = http
        self._limiter = limiter or RateLimiter()

    async def read(self, channel_id: int, message_id: int) -> PollReactions:
        """Return who holds each option on a poll message, and which options the bot holds.

        The message's reaction counts come first, so an option only the bot holds costs no
        request; paging stops at the first page of fewer than 100 users (not at the count,
        which may have grown since). Raises PollMessageGone or ChannelUnreadable.
        """
        try:
            return await self._read(channel_id, message_id)
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MESSAGE:
                raise PollMessageGone(str(exc)) from None
            raise ChannelUnreadable(None) from None
        except discord.Forbidden:
            raise ChannelUnreadable(["View Channel", "Read Message History"]) from None

    async def _read(self, channel_id: int, message_id: int) -> PollReactions:
        await self._limiter.wait()
        message = await self._http.get_message(channel_id, message_id)
        counts: dict[Choice, tuple[int, bool]] = {}
        for reaction in message.get("reactions") or []:
            emoji: dict[str, Any] = reaction.get("emoji") or {}
            choice = vote_choice(_id(emoji), emoji.get("name"), by_bot=False)
            if choice is not None:
                counts[choice] = (int(reaction.get("count", 0)), bool(reaction.get("me")))
        result: dict[Choice, set[int]] = {}
        for choice in Choice:
            total, mine = counts.get(choice, (0, False))
            members: set[int] = set()
            after: int | None = None
            while total > int(mine):  # someone besides the bot holds it
                await self._limiter.wait()
                page = await self._http.get_reaction_users(
                    channel_id, message_id, choice.emoji, PAGE, after=after
                )
                members.update(
                    int(user["id"])
                    for user in page
                    if vote_choice(None, choice.emoji, by_bot=bool(user.get("bot"))) is not None
                )
                if len(page) < PAGE:
                    break
                after = int(page[-1]["id"])
            result[choice] = members
        return PollReactions(result, frozenset(c for c, (_, mine) in counts.items() if mine))


def _id(emoji: dict[str, Any]) -> int | None:
    value = emoji.get("id")
    return int(value) if value else None
