"""REST plumbing shared by the route modules, and the user, application and gateway routes."""

from __future__ import annotations

from typing import Any

from . import permissions as P
from .models import Channel, Guild, Message, snowflake
from .rest import ApiRequest, Result
from .rules import (
    UNKNOWN_CHANNEL,
    UNKNOWN_GUILD,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    missing_access,
    missing_permissions,
    not_found,
)
from .state import EmulatorState

# -- helpers -----------------------------------------------------------------


def get_channel(emu: EmulatorState, api: ApiRequest) -> Channel:
    """Return the channel of the request, or raise Unknown Channel / Missing Access."""
    ch = emu.channels.get(api.int_param("channel_id"))
    if ch is None:
        raise not_found(UNKNOWN_CHANNEL, "Channel")
    if ch.guild_id is not None and not emu.permissions_for(ch, emu.bot) & P.VIEW_CHANNEL:
        raise missing_access()
    return ch


def get_message(emu: EmulatorState, ch: Channel, api: ApiRequest) -> Message:
    """Return the message of the request in a channel, or raise Unknown Message.

    An ephemeral message is not in the channel: only its interaction's webhook reaches it.
    """
    msg = emu.messages_by_id.get(api.int_param("message_id"))
    if msg is None or msg.deleted or msg.ephemeral or msg.channel_id != ch.id:
        raise not_found(UNKNOWN_MESSAGE, "Message")
    return msg


def get_guild(emu: EmulatorState, api: ApiRequest) -> Guild:
    """Return the guild of the request or raise Unknown Guild."""
    g = emu.guilds.get(api.int_param("guild_id"))
    if g is None:
        raise not_found(UNKNOWN_GUILD, "Guild")
    return g


def require(emu: EmulatorState, ch: Channel, *bits: int) -> None:
    """Raise 403 50013 unless the bot has every permission bit in the channel."""
    perms = emu.permissions_for(ch, emu.bot)
    for bit in bits:
        if not perms & bit:
            raise missing_permissions()


def channel_dict(emu: EmulatorState, ch: Channel) -> dict[str, Any]:
    """Serialize a channel (DMs include their recipients)."""
    data = ch.to_dict()
    if ch.type == 1:
        data.pop("name", None)
        data.pop("position", None)
        data.pop("permission_overwrites", None)
        data.pop("parent_id", None)
        data.pop("rate_limit_per_user", None)
        data.pop("nsfw", None)
        rid = int(ch.name) if ch.name.isdigit() else None
        data["recipients"] = [emu.users[rid].to_dict()] if rid in emu.users else []
    return data


# -- users, application, gateway ---------------------------------------------


async def get_me(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return the bot user."""
    return 200, emu.bot.to_dict() | {
        "verified": True,
        "mfa_enabled": False,
        "email": None,
        "locale": "en-US",
        "premium_type": 0,
    }


async def get_user(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return a user."""
    user = emu.users.get(api.int_param("user_id"))
    if user is None:
        raise not_found(UNKNOWN_USER, "User")
    return 200, user.to_dict()


def _application(emu: EmulatorState) -> dict[str, Any]:
    return {
        "id": str(emu.application_id),
        "name": emu.bot.username,
        "icon": None,
        "description": "",
        "type": None,
        "bot": emu.bot.to_dict(),
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "flags_new": "0",
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": emu.owner.to_dict(),
        "approximate_guild_count": len(emu.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": [],
        "summary": "",
        "rpc_origins": [],
        "tags": [],
    }


async def get_oauth_app(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return the bot's application."""
    return 200, _application(emu)


async def get_app(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return the bot's application."""
    return 200, _application(emu)


async def get_gateway(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return the gateway URL."""
    return 200, {"url": emu.gateway_url.rstrip("/")}


async def get_gateway_bot(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return the gateway URL with shard advice and session start limits."""
    policy = emu.shard_policy
    return 200, {
        "url": emu.gateway_url.rstrip("/"),
        "shards": policy.recommended_shards(len(emu.guilds)),
        "session_start_limit": policy.session_start_limit(),
    }


async def create_dm(emu: EmulatorState, api: ApiRequest) -> Result:
    """Open a DM channel with a user."""
    rid = int((api.body or {}).get("recipient_id", 0))
    if rid not in emu.users:
        raise not_found(UNKNOWN_USER, "User")
    for ch in emu.channels.values():
        if ch.type == 1 and ch.name == str(rid):
            return 200, channel_dict(emu, ch)
    ch = Channel(snowflake(), None, str(rid), type=1)
    emu.channels[ch.id] = ch
    return 200, channel_dict(emu, ch)
