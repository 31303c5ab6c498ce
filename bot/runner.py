"""Start the bot for real, and build its invite URL."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import logging
import signal
from collections.abc import Iterator
from datetime import UTC, datetime

import discord

from bot.app import PERMISSIONS, CalledItBot, default_seed
from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import InvalidInput
from bot.domain.shards import ShardScope, parse_shard_ids
from bot.endpoints import apply_endpoints
from bot.metrics import shard_states
from bot.services import Services
from bot.services.shard_state import backoff
from bot.sharded import GatewayAdvice, IdentifyGate, ShardedCalledItBot, gateway_advice
from bot.wiring import process_name
from bot.workflows.startup import start_key
from db.migrate import upgrade
from db.session import Database

log = logging.getLogger(__name__)

NO_TOKEN = (
    "DISCORD_TOKEN is not set: create an application at https://discord.com/developers/applications, "
    "add a bot, copy its token into .env (see README, 'Run it in your server'), or try `calledit demo`."
)


SQLITE_SHARDS = (
    "SHARD_IDS leaves shards to other processes, and they can't share a SQLite file: "
    "use PostgreSQL (DATABASE_URL=postgresql+asyncpg://..., see docs/operators.md, 'Running at scale')."
)


async def run_bot(settings: Settings) -> int:
    """Apply migrations, connect, and run until stopped."""
    token = settings.token
    if not token:
        raise InvalidInput(NO_TOKEN)
    apply_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    if settings.shard_count not in (None, "auto"):  # refuse before any network call
        refuse_sqlite(settings, shard_scope(settings, None))
    advice = await gateway_advice(token) if settings.sharded else None
    scope = shard_scope(settings, advice)
    refuse_sqlite(settings, scope)
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        clock = SystemClock()
        services = Services.build(database, clock)
        options = {
            "dev_guild_id": settings.dev_guild_id,
            "seed": default_seed(),
            "scheduler_interval": settings.scheduler_interval,
            "web_public_url": settings.web_public_url,
        }
        if advice is None:  # one shard, as always: the plain commands.Bot
            bot: CalledItBot = CalledItBot(services, **options)  # type: ignore[arg-type]
        else:
            await spare_identifies(services, scope, advice)
            gate = IdentifyGate(services.shards, advice.max_concurrency, process_name())
            bot = ShardedCalledItBot(services, gate=gate, scope=scope, **options)
        # HTTP only when WEB_PORT or METRICS_PORT is set: the operator endpoints and the pages.
        http = http_servers(settings, bot, database, clock, services)
        async with bot, http:
            with stopping_on_signals(bot):
                await start(bot, token)
    finally:
        await database.dispose()
    return 0


def http_servers(
    settings: Settings,
    bot: CalledItBot,
    database: Database,
    clock: SystemClock,
    services: Services,
) -> contextlib.AbstractAsyncContextManager[object]:
    """Return what serves HTTP for the run: nothing without WEB_PORT or METRICS_PORT.

    aiohttp's server, the endpoints and the pages' templates are imported only when served.
    """
    if settings.web_port is None and settings.metrics_port is None:
        return contextlib.nullcontext()
    from bot.web.ops import Ops, web_servers
    from bot.web.server import Installer, serving

    ops = Ops(database, bot.metrics, shards=lambda: shard_states(bot, bot.scope.shard_ids))
    pages: list[Installer] = []
    if settings.web_port is not None:  # else the pages' templates are never even loaded
        from bot.web.pages import install as install_pages

        pages.append(
            functools.partial(
                install_pages,
                database=database,
                clock=clock,
                services=services,  # the boards the bot keeps cached
                guild_name=lambda guild_id: getattr(bot.get_guild(guild_id), "name", None),
            )
        )
    return serving(web_servers(settings, ops, pages))


#: The signals that stop the bot cleanly: `docker stop` and systemd send SIGTERM, Ctrl-C SIGINT.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def stopping_on_signals(bot: CalledItBot) -> Iterator[None]:
    """Stop the bot cleanly on SIGTERM or SIGINT while the block runs (bot.stop_on).

    Without a handler SIGTERM kills the process at once (and as PID 1 in a container it is
    ignored, so `docker stop` waits and kills): no vote flushed, no clean gateway close.
    """
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, bot.stop_on, sig.name)
    try:
        yield
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


async def start(bot: CalledItBot, token: str) -> None:
    """Log in and run until closed; a rejected token or intent is the admin's to fix."""
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
    except Exception as exc:
        if not bot.stopping:
            raise
        # A stop signal while logging in or setting up closes what start() was using.
        log.info("stopped while starting (%s)", type(exc).__name__)


def refuse_sqlite(settings: Settings, scope: ShardScope) -> None:
    """Refuse a SQLite database when other processes serve some of the shards."""
    if not scope.everything and settings.database_url.startswith("sqlite"):
        raise InvalidInput(SQLITE_SHARDS)


def shard_scope(settings: Settings, advice: GatewayAdvice | None) -> ShardScope:
    """Return this process's shards from SHARD_COUNT (a number or Discord's advice) and SHARD_IDS."""
    if settings.shard_count is None:
        return ShardScope()
    count = settings.shard_count
    if count == "auto":
        assert advice is not None
        count = advice.shards
        log.info("Discord advises %d shard(s)", count)
    ids = parse_shard_ids(settings.shard_ids, count) if settings.shard_ids else None
    return ShardScope.of(count, ids)


async def spare_identifies(services: Services, scope: ShardScope, advice: GatewayAdvice) -> None:
    """Wait before connecting after repeated failed starts, or when the day's starts run out.

    A token has 1,000 identifies a day; a crash loop must not burn them. Each start is counted
    in the database until its shards connect, so a loop shows as a growing count and waits
    longer each time (capped).
    """
    key = start_key(scope)
    failed, last = await services.shards.start_attempt(key)
    wait = backoff(failed)
    if last is not None:
        wait -= (datetime.now(UTC) - last).total_seconds()
    if wait > 0:
        log.warning(
            "%d failed start(s) in a row for shard(s) %s: waiting %.0fs before identifying "
            "(to spare the token's daily identifies)",
            failed,
            key,
            wait,
        )
        await asyncio.sleep(wait)
    if advice.remaining < len(scope.shard_ids):
        log.warning(
            "Discord allows %d more session start(s) today; waiting %.0fs for the reset",
            advice.remaining,
            advice.reset_after,
        )
        await asyncio.sleep(advice.reset_after)


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
