"""REST handlers for channels: get, edit and typing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import permissions as P
from .rest import ApiRequest, Result, route
from .routes import channel_dict, get_channel, require

if TYPE_CHECKING:
    from .server import Emulator


@route("GET", "/channels/{channel_id}")
async def get_channel_route(emu: Emulator, api: ApiRequest) -> Result:
    """Return a channel."""
    return 200, channel_dict(emu, get_channel(emu, api))


@route("PATCH", "/channels/{channel_id}")
async def patch_channel(emu: Emulator, api: ApiRequest) -> Result:
    """Edit a channel's name or topic."""
    ch = get_channel(emu, api)
    require(emu, ch, P.MANAGE_CHANNELS)
    body = api.body or {}
    if "name" in body:
        ch.name = body["name"]
    if "topic" in body:
        ch.topic = body["topic"]
    emu.gateway.dispatch("CHANNEL_UPDATE", ch.to_dict(), guild_id=ch.guild_id)
    return 200, ch.to_dict()


@route("POST", "/channels/{channel_id}/typing")
async def typing(emu: Emulator, api: ApiRequest) -> Result:
    """Trigger the typing indicator."""
    ch = get_channel(emu, api)
    if ch.guild_id is not None:
        require(emu, ch, P.SEND_MESSAGES)
    return 204, None
