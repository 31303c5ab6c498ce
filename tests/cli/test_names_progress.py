"""The command line shows the names the bot stored beside ids, and progress on stderr."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from bot.domain.clock import FrozenClock
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from tests.cli.test_cli import calledit
from tests.services.test_polls_votes import GUILD, NO, YES, open_poll, seeded

__all__ = ["seeded"]

#: A formula-looking name stays text in the CSV; escape codes don't reach the terminal.
NAMES = {1: "Ada L.", 2: "=Жанна 🦊", 4: "\x1b[2JEve\nNewline"}


async def test_board_json_and_export_name_members(
    seeded: Services, clock: FrozenClock, tmp_path: Path
) -> None:
    await open_poll(seeded, 1, 1001)
    at = clock.now()
    await seeded.votes.apply(
        [
            VoteEvent(EventKind.CAST, 1001, 1, YES, at, NAMES[1], GUILD),
            VoteEvent(EventKind.CAST, 1001, 2, NO, at, NAMES[2], GUILD),
            VoteEvent(EventKind.CAST, 1001, 3, NO, at),  # a member whose name was never seen
            VoteEvent(EventKind.CAST, 1001, 4, NO, at, NAMES[4], GUILD),
        ]
    )
    await seeded.resolution.resolve(GUILD, 1, "came_true", actor_id=1)
    env = {"DATABASE_URL": seeded.db.url}
    guild = str(GUILD)

    def run(*args: str) -> tuple[str, str]:
        result = calledit(tmp_path, *args, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout, result.stderr

    board, _ = await asyncio.to_thread(run, "leaderboard", "--guild", guild, "--all-time")
    first = board.splitlines()[1].split()
    assert first[:5] == ["1.", "Ada", "L.", "1", "1.0"]
    assert "=Жанна 🦊" in board
    assert "\x1b" not in board and " [2JEve Newline " in board
    assert len(board.splitlines()) == 1 + 4
    document, _ = await asyncio.to_thread(
        run, "leaderboard", "--guild", guild, "--all-time", "--json"
    )
    rows = json.loads(document)["rows"]
    assert {(r["member_id"], r["member_name"]) for r in rows} == {
        ("1", "Ada L."),
        ("2", "=Жанна 🦊"),
        ("3", None),
        ("4", NAMES[4]),  # JSON escapes it
    }

    done, progress = await asyncio.to_thread(run, "export", "--guild", guild, "--out", "out")
    assert done == "Wrote 5 files to out.\n"
    assert progress.splitlines() == [
        f"Reading guild {GUILD}'s tables…",
        "  wrote out/predictions.csv (10 rows)",
        "  wrote out/votes.csv (4 rows)",
        "  wrote out/resolutions.csv (1 rows)",
        "  wrote out/scores.csv (4 rows)",
        "  wrote out/calledit.json",
    ]
    votes = list(csv.DictReader(io.StringIO((tmp_path / "out" / "votes.csv").read_text())))
    assert [(v["member_id"], v["member_name"]) for v in votes] == [
        ("1", "Ada L."),
        ("2", "'=Жанна 🦊"),
        ("3", ""),
        ("4", NAMES[4]),
    ]
    scores = list(csv.DictReader(io.StringIO((tmp_path / "out" / "scores.csv").read_text())))
    assert scores[0]["member_name"] == "Ada L."
    resolutions = (tmp_path / "out" / "resolutions.csv").read_text()
    assert "actor_name" in resolutions.splitlines()[0] and ",Ada L.," in resolutions


def test_seeding_many_guilds_shows_progress(tmp_path: Path) -> None:
    result = calledit(tmp_path, "seed", "--guild", "1", "2", "3")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Seeding guild 1 (1/3)…",
        "Seeding guild 2 (2/3)…",
        "Seeding guild 3 (3/3)…",
    ]
    assert result.stdout.count("10 added, 0 updated, 0 unchanged.") == 3
