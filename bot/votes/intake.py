"""Reaction adds and removes read straight from the gateway's JSON: the vote path's intake.

For every reaction add discord.py builds a PartialEmoji, a RawReactionActionEvent and a Member
with its User, then dispatches the event through the client; the bot reads six fields of it,
and only for its own poll messages. ``install`` puts a parser of ours in discord.py's table of
gateway parsers for MESSAGE_REACTION_ADD and MESSAGE_REACTION_REMOVE: an event on a message
the bot is watching becomes a small ``Reaction`` for the vote handler; any other reaction goes
to discord.py's own parser as before, so ``on_raw_reaction_*`` listeners still see those.

This relies on two discord.py internals, pinned by tests/bot/test_reaction_intake.py so an
upgrade that changes them fails there, by name: ``ConnectionState.parsers`` (event name to
parser, built once per client) and the gateway calling ``parsers[event](data)`` for dispatches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

ADD = "MESSAGE_REACTION_ADD"
REMOVE = "MESSAGE_REACTION_REMOVE"

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


def install(
    parsers: MutableMapping[str, Parser],
    watching: Callable[[int], bool],
    on_add: Callable[[Reaction], None],
    on_remove: Callable[[Reaction], None],
) -> Callable[[], None]:
    """Route reaction adds and removes on watched messages to `on_add` / `on_remove`.

    `parsers` is discord.py's table (``client._connection.parsers``). Returns a function that
    puts discord.py's own parsers back.
    """
    original = {ADD: parsers[ADD], REMOVE: parsers[REMOVE]}

    def lean(event: str, handler: Callable[[Reaction], None]) -> Parser:
        fallback = original[event]

        def parse(data: dict[str, Any]) -> None:
            try:
                mine = watching(int(data["message_id"]))
            except (KeyError, TypeError, ValueError):
                mine = False
            if not mine:
                fallback(data)
                return
            try:
                seen = reaction(data)
            except Exception:  # a malformed payload must not drop the gateway connection
                log.warning("unreadable %s on message %s", event, data.get("message_id"))
                return
            try:
                handler(seen)
            except Exception:  # a vote handler's bug must not drop the gateway connection
                log.exception("handling %s on message %s failed", event, seen.message_id)

        return parse

    parsers[ADD] = lean(ADD, on_add)
    parsers[REMOVE] = lean(REMOVE, on_remove)

    def uninstall() -> None:
        parsers.update(original)

    return uninstall
