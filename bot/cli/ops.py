"""Commands that run or look after the bot: run, web, demo, invite-url, check and db."""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Awaitable

from bot.cli.common import (
    UPGRADE_HINT,
    Failed,
    database_problem,
    open_database,
    progress,
    safe_url,
    sqlite_file,
    transient,
    where,
)
from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import InvalidInput

log = logging.getLogger(__name__)

#: Seconds between attempts to reach a database that is not up yet (`calledit run`).
RETRY_EVERY = 5.0


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Wait for the database, then run the bot until stopped."""
    from bot.runner import NO_TOKEN, run_bot

    if not settings.token:
        raise InvalidInput(NO_TOKEN)
    await open_database(settings.database_url, create=True).dispose()  # a SQLite file's folder
    if not await unless_stopped(wait_for_database(settings.database_url, settings.database_wait)):
        return 0
    return await run_bot(settings)


async def web(settings: Settings, args: argparse.Namespace) -> int:
    """Serve HTTP alone from the database until stopped."""
    from bot.web.alone import serve_web

    return await serve_web(settings)


async def unless_stopped(work: Awaitable[None]) -> bool:
    """Await work; a stop signal meanwhile cancels it cleanly (False: stopped, exit 0)."""
    from bot.runner import STOP_SIGNALS

    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    stopped: list[str] = []

    def stop(name: str) -> None:
        log.warning("Stopping (%s) while waiting for the database.", name)
        stopped.append(name)
        task.cancel()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop, sig.name)
    try:
        await task
    except asyncio.CancelledError:
        if not stopped:
            raise
        return False
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
    return True


async def wait_for_database(url: str, limit: float) -> None:
    """Retry an unreachable PostgreSQL every few seconds (for ever when limit is 0)."""
    if sqlite_file(url) is not None:  # nothing to wait for; run refuses some setups first
        return
    started = time.monotonic()
    while True:
        database = open_database(url, create=False)
        try:
            async with database.engine.connect():
                return
        except Exception as exc:
            problem = database_problem(exc, url)
            if problem is None or not transient(exc):
                raise
            waited = time.monotonic() - started
            if limit and waited + RETRY_EVERY > limit:
                raise Failed(f"{problem}; gave up after {waited:.0f} s (DATABASE_WAIT)") from None
            log.warning(
                "Waiting for the database: %s; trying again every %.0f s (DATABASE_URL%s)",
                problem.removeprefix("DATABASE_URL: "),
                RETRY_EVERY,
                f", gives up after DATABASE_WAIT={limit:g} s" if limit else "",
            )
        finally:
            await database.dispose()
        await asyncio.sleep(RETRY_EVERY)


async def demo(settings: Settings, args: argparse.Namespace) -> int:
    """Play the demo season against the emulator."""
    from bot.demo import run_demo

    try:
        args.cards.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Failed(f"--cards: can't create {args.cards} ({exc.strerror or exc}).") from None
    if args.database_url:  # its own database: say so if it can't be reached
        database = open_database(args.database_url, create=True, setting="--database-url")
        try:
            async with database.engine.connect():
                pass
        except Exception as exc:
            problem = database_problem(exc, args.database_url, "--database-url")
            if problem is None:
                raise
            raise Failed(problem) from None
        finally:
            await database.dispose()
    return await run_demo(members=args.members, cards=args.cards, database_url=args.database_url)


async def invite_url(settings: Settings, args: argparse.Namespace) -> int:
    """Print the invite URL."""
    from bot.runner import invite_url as url_of

    print(await url_of(settings))
    return 0


async def check(settings: Settings, args: argparse.Namespace) -> int:
    """Check settings and the database without creating or changing anything."""
    from db.migrate import current_revision, head_revision

    database = open_database(settings.database_url, create=False)
    try:
        revision = await current_revision(database)
    finally:
        await database.dispose()
    head = head_revision()
    print(f"Settings OK. Database reachable ({safe_url(settings.database_url)}).")
    if not settings.token:
        print("DISCORD_TOKEN is not set: `calledit run` needs it (`calledit demo` does not).")
    if revision != head:
        state = "was never migrated" if revision is None else f"is at revision {revision}"
        known = revision is None or _known_revision(revision)
        fix = UPGRADE_HINT if known else "it is newer than this code: install the newer calledit"
        print(f"The database {state}; the code expects {head}: {fix}.")
        return 1
    print(f"Schema revision {revision}, as the code expects.")
    await _check_shards(settings, args.guild)
    return 0


def _known_revision(revision: str) -> bool:
    """Tell whether this code ships a migration revision (an older database can upgrade)."""
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises for an unknown revision
        return False


async def _check_shards(settings: Settings, guild_id: int | None) -> None:
    from bot.domain.shards import shard_of
    from bot.services.shard_state import ShardStateService

    database = open_database(settings.database_url, create=False)
    try:
        seen = await ShardStateService(database).seen()
    finally:
        await database.dispose()
    count = settings.shard_count
    print(f"Shards: SHARD_COUNT={count or 1}, SHARD_IDS={settings.shard_ids or 'all'}.")
    for shard in seen:
        print(
            f"  shard {shard.shard_id} of {shard.shard_count}: process {shard.process} "
            f"(connected {shard.at:%Y-%m-%d %H:%M} UTC)"
        )
    if guild_id is None:
        return
    total = seen[0].shard_count if seen else (count if isinstance(count, int) else 1)
    shard = shard_of(guild_id, total)
    process = next((s.process for s in seen if s.shard_id == shard), "no process seen yet")
    print(f"Guild {guild_id}: shard {shard} of {total}, served by {process}.")


async def db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    """Create the database if needed and apply migrations."""
    from db.migrate import upgrade

    database = open_database(settings.database_url, create=True)
    try:
        revision = await upgrade(database)
    finally:
        await database.dispose()
    print(f"Database is at revision {revision}.")
    return 0


async def db_copy(settings: Settings, args: argparse.Namespace) -> int:
    """Copy every row into an empty database, with progress on stderr."""
    from bot.services.copying import copy_database
    from db.migrate import upgrade

    if args.to == settings.database_url:
        raise InvalidInput("--to names the configured database itself; give another one.")
    source = open_database(settings.database_url, create=False)
    try:
        target = open_database(args.to, create=True, setting="--to")
    except BaseException:
        await source.dispose()
        raise
    progress(f"Copying {safe_url(settings.database_url)} to {safe_url(args.to)}.")

    def step(table: str, done: int, total: int) -> None:
        progress(f"  {table}: {done:,}/{total:,} rows")

    try:
        await upgrade(source)
        try:
            report = await copy_database(
                source, target, SystemClock(), batch=args.batch, progress=step
            )
        except Exception as exc:
            problem = database_problem(exc, args.to, "--to")
            if problem is None:
                raise
            raise Failed(problem) from None
    finally:
        await source.dispose()
        await target.dispose()
    print(
        f"Copied {report.total:,} rows in {len(report.rows)} tables into {where(args.to)}; "
        f"row counts match and {report.guilds} guild(s)' all-time boards are identical."
    )
    return 0
