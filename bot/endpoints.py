"""Point discord.py at Discord, a REST proxy, or the local emulator."""

from __future__ import annotations

import logging

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

log = logging.getLogger(__name__)

DEFAULT_API_BASE = Route.BASE
DEFAULT_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def apply_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Set discord.py's REST base and gateway URL (None restores Discord's own)."""
    Route.BASE = api_base or DEFAULT_API_BASE
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url) if gateway_url else DEFAULT_GATEWAY
    if api_base or gateway_url:
        log.info("using Discord endpoints %s and %s", Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


__all__ = ["apply_endpoints", "discord"]
