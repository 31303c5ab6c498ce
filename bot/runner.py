"""Start the bot for real, and build its invite URL."""

from __future__ import annotations

import base64
import binascii
import logging

import discord

from bot.app import PERMISSIONS, CalledItBot, default_seed
from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import InvalidInput
from bot.endpoints import apply_endpoints
from bot.services import Services
from db.migrate import upgrade
from db.session import Database

log = logging.getLogger(__name__)

NO_TOKEN = (
    "DISCORD_TOKEN is not set: create an application at https://discord.com/developers/applications, "
    "add a bot, copy its token into .env (see README, 'Run it in your server'), or try `calledit demo`."
)


async def run_bot(settings: Settings) -> int:
    """Apply migrations, connect, and run until stopped."""
    token = settings.token
    if not token:
        raise InvalidInput(NO_TOKEN)
    apply_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        services = Services.build(database, SystemClock())
        bot = CalledItBot(services, dev_guild_id=settings.dev_guild_id, seed=default_seed())
        async with bot:
            try:
                await bot.start(token)
            except discord.LoginFailure:
                raise InvalidInput(
                    "Discord rejected DISCORD_TOKEN: reset it in the developer portal and update .env."
                ) from None
            except discord.PrivilegedIntentsRequired:
                raise InvalidInput(
                    "Discord refused an intent; Called It needs no privileged intent."
                ) from None
    finally:
        await database.dispose()
    return 0


def client_id_from_token(token: str) -> int:
    """Read the bot's application id from its token (its first part is the id in base64)."""
    first = token.split(".", 1)[0]
    try:
        return int(base64.b64decode(first + "=" * (-len(first) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("DISCORD_TOKEN doesn't look like a bot token.") from None


async def invite_url(settings: Settings) -> str:
    """Return the OAuth2 URL with scopes bot + applications.commands and exactly our permissions."""
    if not settings.token:
        raise InvalidInput(NO_TOKEN)
    return discord.utils.oauth_url(
        client_id_from_token(settings.token),
        permissions=PERMISSIONS,
        scopes=("bot", "applications.commands"),
    )
