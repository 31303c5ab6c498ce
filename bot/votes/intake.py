"""The vote path's intake: reaction adds, removes and clears read straight from the gateway's JSON.

For every reaction add discord.py builds a PartialEmoji, a RawReactionActionEvent and a Member
with its User, then dispatches the event through the client; the bot reads six fields of it,
and only for its own poll messages. ``VoteIntake.install`` puts parsers of ours in discord.py's
table of gateway parsers for MESSAGE_REACTION_ADD, _REMOVE, _REMOVE_ALL and _REMOVE_EMOJI: an
event on an open poll (one lookup in the registry) becomes a small ``Reaction`` or ``Clear``
for the filter (bot/votes/filter.py), inline, in arrival order; any other goes to discord.py's
own parser as before, so ``on_raw_reaction_*`` listeners still see those.

This relies on two discord.py internals, pinned by tests/bot/test_reaction_intake.py so an
upgrade that changes them fails there, by name: ``ConnectionState.parsers`` (event name to
parser, built once per client) and the gateway calling ``parsers[event](data)`` for dispatches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any, NamedTuple, Protocol

from bot.discord_io.registry import OpenPolls
from bot.snapshots.predictions import OpenPollRef

log = logging.getLogger(__name__)

ADD = "MESSAGE_REACTION_ADD"
REMOVE = "MESSAGE_REACTION_REMOVE"
CLEAR_ALL = "MESSAGE_REACTION_REMOVE_ALL"
CLEAR_EMOJI = "MESSAGE_REACTION_REMOVE_EMOJI"

Parser = Callable[[Any], None]


class Reaction(NamedTuple):
    """One reaction added or removed, as the vote path needs it (a tuple: cheap to make)."""

    message_id: int
    guild_id: int | None
    user_id: int
    emoji_id: int | None
    emoji_name: str | None
    #: From the member the event carries (adds in a server do; removals don't).
    member: bool
    by_bot: bool
    display_name: str | None
    roles: tuple[str, ...]


def reaction(data: dict[str, Any]) -> Reaction:
    """Read a MESSAGE_REACTION_ADD or _REMOVE payload."""
    emoji = data.get("emoji") or {}
    emoji_id = emoji.get("id")
    guild_id = data.get("guild_id")
    member = data.get("member") or {}
    user = member.get("user") or {}
    return Reaction(
        int(data["message_id"]),
        int(guild_id) if guild_id else None,
        int(data["user_id"]),
        int(emoji_id) if emoji_id else None,
        emoji.get("name"),
        bool(member),
        bool(user.get("bot")),
        (member.get("nick") or user.get("global_name") or user.get("username")) if member else None,
        tuple(member.get("roles") or ()),
    )


class Clear(NamedTuple):
    """A moderator removed every reaction of a message (`every`), or every one of one emoji."""

    message_id: int
    guild_id: int | None
    emoji_id: int | None
    emoji_name: str | None
    every: bool


def clear(data: dict[str, Any]) -> Clear:
    """Read a MESSAGE_REACTION_REMOVE_ALL or _REMOVE_EMOJI payload."""
    emoji = data.get("emoji")
    guild_id = data.get("guild_id")
    emoji_id = emoji.get("id") if emoji else None
    return Clear(
        int(data["message_id"]),
        int(guild_id) if guild_id else None,
        int(emoji_id) if emoji_id else None,
        emoji.get("name") if emoji else None,
        emoji is None,
    )


class Taker(Protocol):
    """What the intake hands each reaction event on an open poll to (the filter)."""

    def added(self, ref: OpenPollRef, seen: Reaction) -> None:
        """Take a reaction added."""

    def removed(self, ref: OpenPollRef, seen: Reaction) -> None:
        """Take a reaction removed."""

    def cleared(self, ref: OpenPollRef, seen: Clear) -> None:
        """Take a moderator's clear."""


class VoteIntake:
    """Take reaction events on open polls off the gateway, inline: adds, removes and clears."""

    def __init__(self, polls: OpenPolls, taker: Taker) -> None:
        self._polls = polls
        self._taker = taker
        self._uninstall: Callable[[], None] | None = None

    def install(self, parsers: MutableMapping[str, Parser]) -> None:
        """Put our parsers in discord.py's table (``client._connection.parsers``)."""
        self.stop()
        taker = self._taker
        self._uninstall = install(
            parsers,
            self._polls.get,
            {
                ADD: (reaction, taker.added),
                REMOVE: (reaction, taker.removed),
                CLEAR_ALL: (clear, taker.cleared),
                CLEAR_EMOJI: (clear, taker.cleared),
            },
        )

    def stop(self) -> None:
        """Stop taking reaction events, at once: discord.py's own parsers are back."""
        if self._uninstall is not None:
            self._uninstall()
            self._uninstall = None


def install(
    parsers: MutableMapping[str, Parser],
    lookup: Callable[[int], OpenPollRef | None],
    routes: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[OpenPollRef, Any], None]]],
) -> Callable[[], None]:
    """Route each event of `routes` on an open poll to its reader, then its handler.

    `parsers` is discord.py's table; events on other messages go to its parsers as before.
    Returns a function that puts discord.py's own parsers back.
    """
    original = {event: parsers[event] for event in routes}

    def lean(
        event: str,
        read: Callable[[dict[str, Any]], Any],
        handler: Callable[[OpenPollRef, Any], None],
    ) -> Parser:
        fallback = original[event]

        def parse(data: dict[str, Any]) -> None:
            try:
                ref = lookup(int(data["message_id"]))
            except (KeyError, TypeError, ValueError):
                ref = None
            if ref is None:
                fallback(data)
                return
            try:
                seen = read(data)
            except Exception:  # a malformed payload must not drop the gateway connection
                log.warning("unreadable %s on message %s", event, data.get("message_id"))
                return
            try:
                handler(ref, seen)
            except Exception:  # a vote handler's bug must not drop the gateway connection
                log.exception("handling %s on message %s failed", event, ref.message_id)

        return parse

    for event, (read, handler) in routes.items():
        parsers[event] = lean(event, read, handler)

    def uninstall() -> None:
        parsers.update(original)

    return uninstall
