"""The `calledit` command line: run the bot, the demo, migrations, seeds, boards and exports."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, configure_logging, database_url, load_settings
from bot.domain.clock import SystemClock
from bot.domain.errors import CalledItError, InvalidInput, Unavailable
from bot.domain.months import Month
from bot.domain.rules import parse_date
from bot.domain.seedfile import SeedDefaults
from bot.domain.seedfile import load as load_seed_file
from bot.render.texts import peer as peer_text
from bot.shipped import DEFAULT_SEED
from db.faults import describe, outage_of

log = logging.getLogger(__name__)

MAX_SNOWFLAKE = 2**63 - 1


class _Parser(argparse.ArgumentParser):
    """Print one line and exit 2 on bad arguments."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"calledit: {message} (see calledit {self.prog.split()[-1]} --help)\n")


def _date(text: str) -> date:
    """Parse a YYYY-MM-DD option."""
    try:
        return parse_date(text, "date")
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def snowflake(text: str) -> int:
    """Parse a Discord id."""
    if not text.isdigit() or not 0 < int(text) <= MAX_SNOWFLAKE:
        raise argparse.ArgumentTypeError(f"'{text}' is not a Discord id (a positive number)")
    return int(text)


def url_argument(text: str) -> str:
    """Parse a database URL."""
    try:
        return database_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{_safe_url_text(text)}' is {exc}") from None


def _safe_url_text(text: str) -> str:
    try:
        return _safe_url(text)
    except Exception:
        return "that"


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand."""
    parser = _Parser(prog="calledit", description="Called It: prediction polls for Discord.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("run", help="run the bot (needs DISCORD_TOKEN)")
    demo = sub.add_parser("demo", help="run the bot against a local emulated Discord, no token")
    demo.add_argument("--members", type=int, default=30, help="simulated members (default 30)")
    demo.add_argument(
        "--cards",
        type=Path,
        default=Path("demo-cards"),
        help="folder to save the cards the bot posted in (default ./demo-cards)",
    )
    demo.add_argument(
        "--database-url",
        type=url_argument,
        default=None,
        help="an empty database to play in (default: a throwaway SQLite file)",
    )
    sub.add_parser("invite-url", help="print the URL that adds the bot to a server")
    check = sub.add_parser("check", help="check settings and that the database is reachable")
    check.add_argument("--guild", type=int, help="name the shard and the process serving a guild")

    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    db_sub.add_parser("upgrade", help="apply migrations")
    copy = db_sub.add_parser("copy", help="copy everything into an empty database")
    copy.add_argument("--to", type=url_argument, required=True, help="the target database URL")
    copy.add_argument("--batch", type=int, default=5000, help="rows per batch (default 5000)")

    seed = sub.add_parser("seed", help="load a prediction set into a guild (idempotent)")
    seed.add_argument("--guild", type=snowflake, required=True, help="the guild (server) id")
    seed.add_argument(
        "--file", type=Path, default=DEFAULT_SEED, help=".toml, .md or .csv seed file"
    )
    seed.add_argument("--source", help="who made the predictions, for a file that lacks it")
    seed.add_argument(
        "--made-on", dest="made_on", type=_date, help="YYYY-MM-DD, for a file that lacks it"
    )
    seed.add_argument("--due", type=_date, help="YYYY-MM-DD, for a file that lacks it")

    predictions = sub.add_parser("predictions", help="prediction commands")
    p_sub = predictions.add_subparsers(dest="p_command", required=True, parser_class=_Parser)
    listing = p_sub.add_parser("list", help="list a guild's predictions")
    listing.add_argument("--guild", type=snowflake, required=True)
    listing.add_argument(
        "--status", default="all", help="all, open, polling, resolved, unresolved, archived"
    )

    board = sub.add_parser("leaderboard", help="print a guild's leaderboard")
    board.add_argument("--guild", type=snowflake, required=True)
    period = board.add_mutually_exclusive_group()
    period.add_argument("--month", help="YYYY-MM (default: this month)")
    period.add_argument("--all-time", action="store_true")
    board.add_argument("--json", action="store_true", help="print JSON")

    export = sub.add_parser("export", help="write a guild's data as CSV (and JSON) files")
    export.add_argument("--guild", type=snowflake, required=True)
    export.add_argument("--out", type=Path, required=True, help="folder to write into")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input, 1 failure)."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"calledit: {exc}", file=sys.stderr)
        return 2
    quiet = args.command != "run" and settings.log_level != "DEBUG"
    configure_logging("WARNING" if quiet else settings.log_level)
    handler = _HANDLERS[_command_name(args)]
    try:
        return asyncio.run(handler(settings, args))
    except CalledItError as exc:
        print(f"calledit: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the one place that turns a crash into a line and exit 1
        outage = outage_of(exc)
        if outage is not None:  # the database as a whole, not this command: one line
            unavailable = Unavailable(outage.value)
            print(f"calledit: {unavailable.message} ({describe(exc)})", file=sys.stderr)
            return unavailable.exit_code
        log.exception("command failed")
        print(f"calledit: failed: {exc}", file=sys.stderr)
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


async def _open(settings: Settings):  # type: ignore[no-untyped-def]
    """Open the database, apply migrations and wire the services."""
    from bot.services import Services
    from db.migrate import upgrade
    from db.session import Database

    database = Database(settings.database_url)
    await upgrade(database)
    services = Services.build(database, SystemClock())
    await services.boards.ensure_ledger()
    return services


async def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from db.migrate import upgrade
    from db.session import Database

    database = Database(settings.database_url)
    try:
        revision = await upgrade(database)
    finally:
        await database.dispose()
    print(f"Database is at revision {revision}.")
    return 0


async def _db_copy(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.copying import copy_database
    from db.migrate import upgrade
    from db.session import Database

    if args.batch < 1:
        raise InvalidInput("--batch must be at least 1.")
    if args.to == settings.database_url:
        raise InvalidInput("--to names the configured database itself; give another one.")
    source, target = Database(settings.database_url), Database(args.to)
    print(f"Copying {_safe_url(settings.database_url)} to {_safe_url(args.to)}.")

    def progress(table: str, done: int, total: int) -> None:
        print(f"  {table}: {done:,}/{total:,} rows", flush=True)

    try:
        await upgrade(source)
        report = await copy_database(
            source, target, SystemClock(), batch=args.batch, progress=progress
        )
    finally:
        await source.dispose()
        await target.dispose()
    print(
        f"Copied {report.total:,} rows in {len(report.rows)} tables; row counts match and "
        f"{report.guilds} guild(s)' all-time boards are identical."
    )
    return 0


async def _seed(settings: Settings, args: argparse.Namespace) -> int:
    defaults = SeedDefaults(args.source, args.made_on, args.due)
    seed = load_seed_file(args.file, defaults)  # validated before anything is written
    services = await _open(settings)
    try:
        report = await services.predictions.load_seed(args.guild, seed)
    finally:
        await services.db.dispose()
    print(
        f"Seeded '{seed.name}' into guild {args.guild}: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged."
    )
    return 0


async def _predictions_list(settings: Settings, args: argparse.Namespace) -> int:
    services = await _open(settings)
    try:
        page_number, lines = 1, []
        while True:
            page = await services.predictions.list(args.guild, args.status, page_number)
            for p in page.items:
                detail = (
                    p.resolution.outcome.label
                    if p.resolution
                    else f"✅ {p.tally.came_true} · 🌓 {p.tally.partly} · ❌ {p.tally.did_not}"
                )
                lines.append(f"#{p.number:<3} {p.status:<9} {p.title}  [{detail}]")
            if page.page >= page.pages:
                break
            page_number += 1
    finally:
        await services.db.dispose()
    print("\n".join(lines) if lines else f"No {args.status} predictions in guild {args.guild}.")
    return 0


async def _leaderboard(settings: Settings, args: argparse.Namespace) -> int:
    services = await _open(settings)
    try:
        if args.all_time:
            board = await services.boards.all_time(args.guild)
        else:
            board = await services.boards.month(
                args.guild, Month.parse(args.month) if args.month else None
            )
    finally:
        await services.db.dispose()
    if args.json:
        print(json.dumps(_board_json(board), indent=1))
        return 0
    print(f"Leaderboard: {board.label}")
    if not board.rows:
        print("No scored votes yet.")
    for row in board.rows:
        print(
            f"{row.rank:>4}. {row.member_id:<20} {row.points:>6.1f} pts  "
            f"peer {peer_text(row.peer)}  {row.scored} scored  {row.accuracy:.0%} exact"
        )
    return 0


def _board_json(board: Any) -> dict[str, Any]:
    return {
        "guild_id": str(board.guild_id),
        "period": str(board.month) if board.month else "all-time",
        "rows": [
            {
                "rank": r.rank,
                "member_id": str(r.member_id),
                "points": r.points,
                "peer_score": r.peer,
                "scored_votes": r.scored,
                "accuracy": round(r.accuracy, 4),
            }
            for r in board.rows
        ],
        "resolved": [
            {
                "number": i.number,
                "title": i.title,
                "outcome": i.outcome.value,
                "resolved_at": i.resolved_at.isoformat(),
            }
            for i in board.resolved
        ],
    }


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"{out} exists and is not a folder.")
    services = await _open(settings)
    try:
        files = await services.export.csv_files(args.guild)
        document = await services.export.json_document(args.guild)
    finally:
        await services.db.dispose()
    out.mkdir(parents=True, exist_ok=True)
    for name, data in {**files, "calledit.json": document}.items():
        (out / name).write_bytes(data)
    print(f"Wrote {len(files) + 1} files to {out}.")
    return 0


async def _check(settings: Settings, args: argparse.Namespace) -> int:
    from db.migrate import current_revision, head_revision
    from db.session import Database

    database = Database(settings.database_url)
    try:
        revision = await current_revision(database)
    finally:
        await database.dispose()
    head = head_revision()
    print(f"Settings OK. Database reachable ({_safe_url(settings.database_url)}).")
    print(f"Schema revision {revision or 'none'}; code expects {head}.")
    if not settings.token:
        print("DISCORD_TOKEN is not set: `calledit run` needs it (`calledit demo` does not).")
    if revision is not None:  # the shard rows live in the schema
        await _check_shards(settings, args.guild)
    return 0


async def _check_shards(settings: Settings, guild_id: int | None) -> None:
    from bot.domain.shards import shard_of
    from bot.services.shard_state import ShardStateService
    from db.session import Database

    database = Database(settings.database_url)
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


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    return await run_bot(settings)


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return await run_demo(members=args.members, cards=args.cards, database_url=args.database_url)


async def _invite_url(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runner import invite_url

    print(await invite_url(settings))
    return 0


_HANDLERS: dict[str, Callable[[Settings, argparse.Namespace], Awaitable[int]]] = {
    "run": _run,
    "demo": _demo,
    "invite-url": _invite_url,
    "check": _check,
    "db upgrade": _db_upgrade,
    "db copy": _db_copy,
    "seed": _seed,
    "predictions list": _predictions_list,
    "leaderboard": _leaderboard,
    "export": _export,
}
