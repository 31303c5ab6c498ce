"""Run a `calledit` command: settings, logging, and every failure as one line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable

from bot.cli import data, ops, verify
from bot.cli.common import database_problem
from bot.cli.parser import build_parser
from bot.config import ConfigError, Settings, configure_logging, load_settings
from bot.domain.errors import CalledItError
from db.faults import outage_of

log = logging.getLogger(__name__)

EX_TEMPFAIL = 75

Handler = Callable[[Settings, argparse.Namespace], Awaitable[int]]

_HANDLERS: dict[str, Handler] = {
    "run": ops.run,
    "web": ops.web,
    "demo": ops.demo,
    "invite-url": ops.invite_url,
    "check": ops.check,
    "db upgrade": ops.db_upgrade,
    "db copy": ops.db_copy,
    "seed": data.seed,
    "predictions list": data.predictions_list,
    "leaderboard": data.leaderboard,
    "export": data.export,
    "verify": verify.verify,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input, 1 failure)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `calledit` alone: what it can do
        parser.print_help()
        return 2
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"calledit: {exc}", file=sys.stderr)
        return 2
    debug = settings.log_level == "DEBUG"
    quiet = args.command not in ("run", "web") and not debug
    configure_logging("WARNING" if quiet else settings.log_level, settings.log_sql)
    handler = _HANDLERS[_command_name(args)]
    try:
        code = asyncio.run(handler(settings, args))
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        return _broken_pipe()
    except CalledItError as exc:
        print(f"calledit: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the one place that turns a crash into one line and exit 1
        log.debug("command failed", exc_info=True)
        print(f"calledit: {describe(exc, settings)}", file=sys.stderr)
        # The database as a whole is out (down, full, locked): EX_TEMPFAIL, try again later.
        return EX_TEMPFAIL if outage_of(exc) is not None else 1


def describe(exc: Exception, settings: Settings) -> str:
    """Say in one line what failed and which setting to look at."""
    problem = database_problem(exc, settings.database_url)
    if problem is not None and not _is_discord(exc):
        return problem
    if _is_discord(exc):
        where = settings.discord_api_base or "discord.com"
        return f"can't reach Discord at {where} ({exc}); check the network or DISCORD_API_BASE"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"can't use {exc.filename} ({exc.strerror or exc})"
    first = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return f"failed: {first} (LOG_LEVEL=DEBUG shows where)"


def _is_discord(exc: Exception) -> bool:
    """Tell whether a failure came from talking to Discord (aiohttp or discord.py)."""
    module = type(exc).__module__.split(".")[0]
    return module in ("aiohttp", "discord")


def _broken_pipe() -> int:
    """Exit quietly when the reader of stdout went away (`calledit ... | head`)."""
    # The Python docs' recipe: point stdout at devnull so the flush at exit can't fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def _command_name(args: argparse.Namespace) -> str:
    return " ".join(
        str(part)
        for part in (
            args.command,
            getattr(args, "db_command", None),
            getattr(args, "p_command", None),
        )
        if part
    )
