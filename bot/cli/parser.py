"""The `calledit` arguments: every command and option, with its help."""

from __future__ import annotations

import argparse
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.config import database_url
from bot.domain.errors import InvalidInput
from bot.domain.inputs import parse_date
from bot.domain.months import Month
from bot.shipped import DEFAULT_SEED

MAX_SNOWFLAKE = 2**63 - 1
#: As bot.demo.MEMBER_RANGE (not imported here: it loads the emulator and the bot).
DEMO_MEMBERS = (5, 200)


class _Parser(argparse.ArgumentParser):
    """Print one line and exit 2 on bad arguments."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"calledit: {message} (see {self.prog} --help)\n")


def _date(text: str) -> date:
    """Parse a YYYY-MM-DD option."""
    try:
        return parse_date(text, "date")
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _month(text: str) -> Month:
    """Parse a YYYY-MM option (before anything is opened or written)."""
    try:
        return Month.parse(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def snowflake(text: str) -> int:
    """Parse a Discord id."""
    if not text.isdigit() or not 0 < int(text) <= MAX_SNOWFLAKE:
        raise argparse.ArgumentTypeError(f"'{text}' is not a Discord id (a positive number)")
    return int(text)


def _members(text: str) -> int:
    """Parse the demo's member count, refusing what it can't play."""
    low, high = DEMO_MEMBERS
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number from {low} to {high}")
    return int(text)


def _batch(text: str) -> int:
    """Parse a positive batch size."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of rows (1 or more)")
    return int(text)


def url_argument(text: str) -> str:
    """Parse a database URL."""
    try:
        return database_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{_safe_url_text(text)}' is {exc}") from None


def _safe_url_text(text: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(text).render_as_string(hide_password=True)
    except Exception:
        return "that"


def package_version() -> str:
    """Return the installed version of calledit."""
    try:
        return version("calledit")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """Describe every command and option."""
    parser = _Parser(
        prog="calledit",
        description="Called It: prediction polls for Discord. Settings come from the "
        "environment and ./.env (see .env.example).",
        epilog="Run `calledit COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"calledit {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser(
        "run",
        help="run the bot (needs DISCORD_TOKEN)",
        description="Run the bot until stopped: apply migrations, connect to Discord, serve. "
        "An unreachable PostgreSQL is retried (DATABASE_WAIT bounds the wait).",
    )
    sub.add_parser(
        "web",
        help="serve HTTP alone from the database (needs WEB_PORT)",
        description="Serve the web endpoints (/healthz, /readyz, /metrics) from the database "
        "alone, without Discord, until stopped: for a separate process or machine.",
    )
    _demo_parser(sub)
    sub.add_parser(
        "invite-url",
        help="print the URL that adds the bot to a server",
        description="Print the URL that adds the bot to a server with exactly the permissions "
        "it uses (reads the application id from DISCORD_TOKEN; nothing is sent).",
    )
    check = sub.add_parser(
        "check",
        help="check settings and the database, changing nothing",
        description="Check the settings and that the database exists, is reachable and is "
        "migrated; creates and changes nothing. Exit 1 names what is missing.",
    )
    check.add_argument(
        "--guild", type=snowflake, help="also name the shard and the process serving this guild"
    )
    _db_parser(sub)
    _data_parsers(sub)
    _verify_parser(sub)
    return parser


def _verify_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    verify = sub.add_parser(
        "verify",
        help="check a sealed ballot's receipt (or an export's commitments) offline",
        description="Check a receipt.json from /poll verify against the commitment it names "
        "(exit 0 included, 1 not, 2 unreadable), or with --export recompute every sealed "
        "poll's root from an export's leaves. Needs no database and no network.",
    )
    what = verify.add_mutually_exclusive_group(required=True)
    what.add_argument("receipt", nargs="?", help="the receipt file, or - for stdin")
    what.add_argument("--export", metavar="FILE", help="an export's calledit.json")


def _demo_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    low, high = DEMO_MEMBERS
    demo = sub.add_parser(
        "demo",
        help="run the bot against a local emulated Discord, no token",
        description="Play a scripted season with the real bot against a local emulated "
        "Discord and print what members see. Nothing leaves this machine.",
    )
    demo.add_argument(
        "--members",
        type=_members,
        default=30,
        help=f"simulated members, {low} to {high} (default 30)",
    )
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


def _db_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database commands", description="Migrate or copy the database.")
    db_sub = db.add_subparsers(
        dest="db_command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    db_sub.add_parser(
        "upgrade",
        help="create the database if needed and apply migrations",
        description="Create the database (a SQLite file) if needed and apply every migration; "
        "`calledit run` does this at each start too.",
    )
    copy = db_sub.add_parser(
        "copy",
        help="copy everything into an empty database",
        description="Copy every row from DATABASE_URL into an empty database, then compare "
        "row counts and every guild's all-time board. Progress goes to stderr.",
    )
    copy.add_argument("--to", type=url_argument, required=True, help="the target database URL")
    copy.add_argument("--batch", type=_batch, default=5000, help="rows per batch (default 5000)")


def _data_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    seed = sub.add_parser(
        "seed",
        help="load a prediction set into one or more guilds (idempotent)",
        description="Load a prediction set into guilds; twice changes nothing, a changed text "
        "updates in place (votes kept). The file is checked before anything is written.",
    )
    seed.add_argument(
        "--guild",
        type=snowflake,
        required=True,
        nargs="+",
        metavar="ID",
        help="the guild (server) id, or several",
    )
    seed.add_argument(
        "--file", type=Path, default=DEFAULT_SEED, help=".toml, .md or .csv seed file"
    )
    seed.add_argument("--source", help="who made the predictions, for a file that lacks it")
    seed.add_argument(
        "--made-on", dest="made_on", type=_date, help="YYYY-MM-DD, for a file that lacks it"
    )
    seed.add_argument("--due", type=_date, help="YYYY-MM-DD, for a file that lacks it")

    guild_help = "the guild (server) id; an unknown one is refused with the known ones"
    predictions = sub.add_parser(
        "predictions", help="prediction commands", description="Read a guild's predictions."
    )
    p_sub = predictions.add_subparsers(
        dest="p_command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    listing = p_sub.add_parser(
        "list", help="list a guild's predictions", description="List a guild's predictions."
    )
    listing.add_argument("--guild", type=snowflake, required=True, help=guild_help)
    listing.add_argument(
        "--status",
        default="all",
        choices=("all", "open", "polling", "resolved", "unresolved", "archived"),
        help="which predictions (default all)",
    )

    board = sub.add_parser(
        "leaderboard",
        help="print a guild's leaderboard",
        description="Print a guild's leaderboard with members' names as the bot last saw them.",
    )
    board.add_argument("--guild", type=snowflake, required=True, help=guild_help)
    period = board.add_mutually_exclusive_group()
    period.add_argument("--month", type=_month, help="YYYY-MM (default: this month)")
    period.add_argument("--all-time", action="store_true", help="every month together")
    board.add_argument("--json", action="store_true", help="print JSON")

    export = sub.add_parser(
        "export",
        help="write a guild's data as CSV (and JSON) files",
        description="Write a guild's predictions, votes, resolutions and scores as CSV files "
        "plus one JSON file. Progress goes to stderr.",
    )
    export.add_argument("--guild", type=snowflake, required=True, help=guild_help)
    export.add_argument("--out", type=Path, required=True, help="folder to write into")
