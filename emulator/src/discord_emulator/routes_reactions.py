"""REST handlers for reactions: the bot's own, others', listing and clears."""

from __future__ import annotations

from typing import Any

from . import permissions as P
from .models import Channel, Message, emoji_key, parse_emoji
from .rest import ApiRequest, Result
from .routes import get_channel, get_message, require
from .rules import DiscordError, form_error
from .state import EmulatorState


def _reaction_target(
    emu: EmulatorState, api: ApiRequest
) -> tuple[Channel, Message, dict[str, Any]]:
    ch = get_channel(emu, api)
    if ch.guild_id is not None:
        require(emu, ch, P.READ_MESSAGE_HISTORY)
    msg = get_message(emu, ch, api)
    emoji = parse_emoji(api.params["emoji_name"])
    if not emoji.get("name") and not emoji.get("id"):
        raise DiscordError(400, 10014, "Unknown Emoji")
    return ch, msg, emoji


def _dispatch_reaction(emu: EmulatorState, msg: Message, djson: str | None, add: bool) -> None:
    if djson is not None:
        event = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
        emu.gateway.dispatch_many([(event, djson, msg.guild_id)])


async def add_own_reaction(emu: EmulatorState, api: ApiRequest) -> Result:
    """Add the bot's reaction (a new emoji needs Add Reactions)."""
    ch, msg, emoji = _reaction_target(emu, api)
    if not msg.reactions.get(emoji_key(emoji)) and ch.guild_id is not None:
        require(emu, ch, P.ADD_REACTIONS)
    _dispatch_reaction(emu, msg, emu.apply_reaction(emu.bot.id, msg, emoji, True), True)
    return 204, None


async def remove_own_reaction(emu: EmulatorState, api: ApiRequest) -> Result:
    """Remove the bot's reaction."""
    _ch, msg, emoji = _reaction_target(emu, api)
    _dispatch_reaction(emu, msg, emu.apply_reaction(emu.bot.id, msg, emoji, False), False)
    return 204, None


async def remove_user_reaction(emu: EmulatorState, api: ApiRequest) -> Result:
    """Remove someone's reaction (needs Manage Messages)."""
    ch, msg, emoji = _reaction_target(emu, api)
    uid = api.int_param("user_id")
    if uid != emu.bot.id and ch.guild_id is not None:
        require(emu, ch, P.MANAGE_MESSAGES)
    _dispatch_reaction(emu, msg, emu.apply_reaction(uid, msg, emoji, False), False)
    return 204, None


async def list_reaction_users(emu: EmulatorState, api: ApiRequest) -> Result:
    """List users who reacted with an emoji, by ascending id, paginated with after/limit."""
    _ch, msg, emoji = _reaction_target(emu, api)
    limit = int(api.query.get("limit", 25))
    if not 1 <= limit <= 100:
        raise form_error("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
    after = int(api.query.get("after", 0))
    ids = sorted(u for u in msg.reactions.get(emoji_key(emoji), {}) if u > after)[:limit]
    return 200, [emu.users[u].to_dict() for u in ids if u in emu.users]


async def clear_emoji(emu: EmulatorState, api: ApiRequest) -> Result:
    """Remove all reactions of one emoji (needs Manage Messages)."""
    ch, msg, emoji = _reaction_target(emu, api)
    require(emu, ch, P.MANAGE_MESSAGES)
    emu.apply_clear(msg, emoji_key(emoji))
    return 204, None


async def clear_reactions(emu: EmulatorState, api: ApiRequest) -> Result:
    """Remove all reactions (needs Manage Messages)."""
    ch = get_channel(emu, api)
    require(emu, ch, P.MANAGE_MESSAGES)
    emu.apply_clear(get_message(emu, ch, api), None)
    return 204, None
