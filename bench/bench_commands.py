"""Benchmark /leaderboard and /stats as members get them: the real bot, the emulator, 1M votes.

Run from the repository root::

    .venv/bin/python bench/bench_commands.py               # SQLite, 1,000,000 votes
    .venv/bin/python bench/bench_commands.py --postgres    # the same rows in embedded PostgreSQL
    .venv/bin/python bench/bench_commands.py --quick       # 20,000 votes, a few runs (CI)

What it does:

1. Starts the emulator in its own process (``harness.emulator``), creates a guild with a
   channel, and copies the boards benchmark's data (``bench/boarddata.py``) into a fresh
   database relabelled to that guild and channel (a SQLite copy, or embedded PostgreSQL).
2. Adds some of the data's members to the guild with their own ids (the callers), and starts
   ``CalledItBot`` on the data with a clock frozen on the last day of the benchmark's month,
   so "this month" is the month with the data; waits until it settled and its first
   scheduler tick (that month's predecessor's monthly post) is done.
3. Runs each command ``--runs`` times through the emulator's control API (``POST
   /_emulator/commands/run``), callers taking turns, with the options a member gives by
   default (none: this month's board, one's own stats, with the card), and takes each
   latency from the emulator's side: from dispatching the interaction to the bot's final
   answer (the edit of the deferred reply, carrying the embed and the PNG card).
4. The same again with the boards' cache cleared before each run: the first command after a
   resolution. Prints p50/p99/max per command and mode against the goal (p99 150 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import tempfile
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import boarddata as data
from discord_emulator.remote import Remote
from harness import (
    OUT,
    Databases,
    Row,
    common_args,
    emulator,
    percentile,
    print_table,
    start_client,
    stop_client,
)

from bot.app import CalledItBot
from bot.domain.clock import FrozenClock
from bot.services import Services
from db.session import Database

GOAL_MS = 150.0
COMMANDS = ("leaderboard", "stats")
WARMUPS = 3


@dataclass(frozen=True, slots=True)
class Result:
    """The latencies of one command in one mode, in milliseconds from the emulator's side."""

    command: str
    mode: str
    answered: list[float]
    acknowledged: list[float]
    cards: int

    def line(self) -> Row:
        """Return this result's line of the table."""
        p99 = percentile(self.answered, 0.99)
        value = (
            f"p50 {percentile(self.answered, 0.5):.1f} ms, p99 {p99:.1f} ms,"
            f" max {max(self.answered):.1f} ms"
        )
        reference = (
            f"deferred after p50 {percentile(self.acknowledged, 0.5):.1f} ms;"
            f" {self.cards}/{len(self.answered)} with the card"
        )
        return Row(
            f"/{self.command}, {self.mode} ({len(self.answered)} runs)",
            value,
            reference,
            goal=f"p99 <= {GOAL_MS:.0f} ms",
            verdict="OK" if p99 <= GOAL_MS else "OVER",
        )


async def prepare(
    args: argparse.Namespace, databases: Databases, relabel: data.Relabel, tmp: Path
) -> tuple[str, Path]:
    """Return the URL of the data relabelled to the emulator's guild, and its source file."""
    params = data.Params(args.votes, args.members, args.predictions, args.months, args.seed)
    source, _ = await data.ensure_sqlite(params)
    if args.postgres:
        url = await databases.fresh("commands")
        seconds = await data.copy_to_postgres(source, url, relabel)
        print(f"copied into PostgreSQL in {seconds:.1f} s", flush=True)
        return url, source
    copy = tmp / "commands.sqlite"
    shutil.copyfile(source, copy)
    data.relabel_sqlite(copy, relabel)
    return f"sqlite+aiosqlite:///{copy}", source


def callers(source: Path, count: int) -> list[int]:
    """Return members spread over the all-time board: each has votes and a rank."""
    with sqlite3.connect(source) as conn:
        members = [
            m
            for (m,) in conn.execute(
                "SELECT member_id FROM member_scores WHERE guild_id = ? AND period = 'all'"
                " ORDER BY points DESC, member_id",
                (data.GUILD_ID,),
            )
        ]
    step = max(1, len(members) // count)
    return members[::step][:count]


async def measure(
    remote: Remote,
    bot: CalledItBot,
    guild_id: int,
    channel_id: int,
    members: list[int],
    command: str,
    runs: int,
    *,
    cold: bool,
) -> Result:
    """Run a command `runs` times (after a few warm-ups), callers taking turns."""
    answered: list[float] = []
    acknowledged: list[float] = []
    cards = 0
    for n in range(WARMUPS + runs):
        if cold:
            bot.services.boards.clear_cache()
        body = {
            "guild_id": str(guild_id),
            "user_id": str(members[n % len(members)]),
            "command": command,
            "options": {},
            "channel_id": str(channel_id),
        }
        answer = await remote.post("/commands/run", body)
        latency = answer["latency_ms"]
        message = answer["message"] or {}
        if not message.get("embeds"):
            raise SystemExit(f"/{command} gave no embed: {answer}")
        if n >= WARMUPS:
            answered.append(latency["answered"])
            acknowledged.append(latency["acknowledged"])
            cards += bool(message.get("attachments"))
    return Result(
        command,
        "first after a resolution" if cold else "as members get it",
        answered,
        acknowledged,
        cards,
    )


async def run(args: argparse.Namespace) -> list[Result]:
    """Start the emulator and the bot on the data, run the commands, return the latencies."""
    databases = Databases(args.postgres)
    month = data.nth_month(min(5, args.months - 1))
    clock = FrozenClock(data.month_start(month.next()) - timedelta(hours=12))
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as tmp:
        async with emulator() as (remote, _info):
            guild = await remote.post("/guilds", {"name": "Bench", "channels": ["boards"]})
            guild_id, channel_id = int(guild["id"]), int(guild["channels"]["boards"])
            url, source = await prepare(
                args, databases, data.Relabel(guild_id, channel_id), Path(tmp)
            )
            members = callers(source, args.callers)
            await remote.post(f"/guilds/{guild_id}/members", {"ids": members, "prefix": "m"})
            database = Database(url)
            services = Services.build(database, clock)
            # No per-member cooldown: callers take turns faster than it allows on a frozen clock.
            bot = CalledItBot(services, seed=None, scheduler_interval=3600, cooldown=timedelta(0))
            task = await start_client(bot)
            try:
                await asyncio.wait_for(bot.settled.wait(), 120)
                await bot.scheduler.tick()  # after the first one: the monthly post is made
                for cold in (False, True):
                    for command in COMMANDS:
                        result = await measure(
                            remote,
                            bot,
                            guild_id,
                            channel_id,
                            members,
                            command,
                            args.runs,
                            cold=cold,
                        )
                        results.append(result)
                        print(f"  {result.line().measure}: {result.line().value}", flush=True)
            finally:
                await stop_client(bot, task)
                await database.dispose()
    return results


def main() -> None:
    """Run the benchmark, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    common_args(parser)
    parser.add_argument("--runs", type=int, default=200, help="timed runs per command and mode")
    parser.add_argument("--callers", type=int, default=20, help="members taking turns")
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--predictions", type=int, default=1_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=20250601)
    args = parser.parse_args()
    if args.quick:
        args.votes, args.members, args.predictions, args.runs = 20_000, 1_000, 100, 5
    results = asyncio.run(run(args))
    backend = "postgresql" if args.postgres else "sqlite"
    print_table(
        f"/leaderboard and /stats on {backend}, {args.votes:,} votes, latency at the emulator",
        [r.line() for r in results],
    )
    out = args.out or OUT / f"commands{'-postgresql' if args.postgres else ''}.json"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
