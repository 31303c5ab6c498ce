"""Commands on a guild's data: seed, predictions list, leaderboard and export."""

from __future__ import annotations

import argparse
import json
import unicodedata
from pathlib import Path
from typing import Any

from bot.cli.common import Failed, known_guild, open_services, progress
from bot.config import Settings
from bot.domain.errors import InvalidInput
from bot.domain.seedfile import SeedDefaults
from bot.domain.seedfile import load as load_seed_file
from bot.render.texts import peer as peer_text


async def seed(settings: Settings, args: argparse.Namespace) -> int:
    """Load a seed file into each guild given."""
    defaults = SeedDefaults(args.source, args.made_on, args.due)
    loaded = load_seed_file(args.file, defaults)  # validated before anything is written
    guilds: list[int] = list(dict.fromkeys(args.guild))
    services = await open_services(settings.database_url, create=True)
    try:
        for done, guild_id in enumerate(guilds, 1):
            if len(guilds) > 1:
                progress(f"Seeding guild {guild_id} ({done}/{len(guilds)})…")
            report = await services.predictions.load_seed(guild_id, loaded)
            print(
                f"Seeded '{loaded.name}' into guild {guild_id}: {report.added} added, "
                f"{report.updated} updated, {report.unchanged} unchanged.",
                flush=True,
            )
    finally:
        await services.db.dispose()
    return 0


async def predictions_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print a guild's predictions, one a line."""
    services = await open_services(settings.database_url, create=False)
    try:
        await known_guild(services, args.guild)
        page_number, lines = 1, []
        while True:
            page = await services.predictions.list(args.guild, args.status, page_number)
            for p in page.items:
                detail = (
                    p.resolution.outcome.label
                    if p.resolution
                    else f"🔒 {p.tally.total} sealed"
                    if p.tally.hidden
                    else f"✅ {p.tally.came_true} · 🌓 {p.tally.partly} · ❌ {p.tally.did_not}"
                )
                lines.append(f"#{p.number:<3} {p.status:<9} {_one_line(p.title)}  [{detail}]")
            if page.page >= page.pages:
                break
            page_number += 1
    finally:
        await services.db.dispose()
    which = "" if args.status == "all" else f"{args.status} "
    print("\n".join(lines) if lines else f"No {which}predictions in guild {args.guild}.")
    return 0


async def leaderboard(settings: Settings, args: argparse.Namespace) -> int:
    """Print a guild's board, members named as the bot last saw them."""
    services = await open_services(settings.database_url, create=False)
    try:
        await known_guild(services, args.guild)
        if args.all_time:
            board = await services.boards.all_time(args.guild)
        else:
            board = await services.boards.month(args.guild, args.month)
        names = await services.names.of(args.guild, (r.member_id for r in board.rows))
    finally:
        await services.db.dispose()
    if args.json:
        print(json.dumps(board_json(board, names), indent=1, ensure_ascii=False))
        return 0
    print(f"Leaderboard: {board.label}")
    if not board.rows:
        print("No scored votes yet.")
    for row in board.rows:
        name = _one_line(names.get(row.member_id, "?"))
        print(
            f"{row.rank:>4}. {name:<24} {row.member_id:<20} {row.points:>6.1f} pts  "
            f"peer {peer_text(row.peer)}  {row.scored} scored  {row.accuracy:.0%} exact"
        )
    return 0


def _make_folder(out: Path) -> None:
    """Create the export folder, or say in one line why it can't be."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Failed(f"--out: can't write {out} ({exc.strerror or exc}).") from None


def _one_line(text: str) -> str:
    """Show members' text on one terminal line, without control characters (escape codes)."""
    shown = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return " ".join(shown.split())


def board_json(board: Any, names: dict[int, str]) -> dict[str, Any]:
    """Return a board as JSON-ready data; ids are strings, names as stored (or null)."""
    return {
        "guild_id": str(board.guild_id),
        "period": str(board.month) if board.month else "all-time",
        "rows": [
            {
                "rank": r.rank,
                "member_id": str(r.member_id),
                "member_name": names.get(r.member_id),
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


async def export(settings: Settings, args: argparse.Namespace) -> int:
    """Write a guild's tables as CSV files and one JSON file, with progress on stderr."""
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out: {out} exists and is not a folder.")
    services = await open_services(settings.database_url, create=False)
    try:
        await known_guild(services, args.guild)
        _make_folder(out)
        progress(f"Reading guild {args.guild}'s tables…")
        tables = await services.export.tables(args.guild)
    finally:
        await services.db.dispose()
    files = services.export.files_of(args.guild, tables)
    try:
        for name, data in files.items():
            (out / name).write_bytes(data)
            rows = len(tables.get(name.removesuffix(".csv"), []))
            shown = f" ({rows:,} rows)" if name.endswith(".csv") else ""
            progress(f"  wrote {out / name}{shown}")
    except OSError as exc:
        raise Failed(f"--out: can't write {exc.filename or out} ({exc.strerror or exc}).") from None
    print(f"Wrote {len(files)} files to {out}.")
    return 0
