"""Benchmark /leaderboard, /stats and resolutions on 1M votes: the shipped process, as members use it.

Run from the repository root::

    .venv/bin/python bench/bench_commands.py               # SQLite, 1,000,000 votes
    .venv/bin/python bench/bench_commands.py --postgres    # the same rows in embedded PostgreSQL
    .venv/bin/python bench/bench_commands.py --quick       # 20,000 votes, a few runs (CI)

Three processes, as an operator and Discord would have them: the emulator (its own process),
the shipped bot (``python -m bot run``, a subprocess on the system clock, as an operator runs
it) and this driver, which prepares the database before the bot starts and then only sends
commands through the emulator's control API (``POST /_emulator/commands/run``).

1. The boards benchmark's data (``bench/boarddata.py``) with its months ending at the current
   month (UTC), so that "this month" on the real clock is a month with the data, copied into a
   fresh database (SQLite, or embedded PostgreSQL) relabelled to the emulator's guild and
   channel; the server is marked seeded long ago and its past resolutions announced (history).
2. Starts the bot and waits until it answers a command and has made the previous month's
   monthly post (its first scheduler tick).
3. **As members get it**: each command ``--runs`` times with the options a member gives by
   default (none: this month's board, one's own stats, with the card), a different member each
   run (the bot's 5 s cooldown per member holds on the real clock).
4. **Cold, after a real resolution**: ``--rounds`` rounds on predictions resolved this month,
   each through the admin's slash commands: ``/prediction unresolve`` (not timed),
   ``/prediction resolve`` (a **first resolution**), then the first ``/stats`` and the first
   ``/leaderboard`` after it (their order alternating), then ``/prediction resolve`` with
   another outcome (a **resolution change**) and again the first ``/stats`` and
   ``/leaderboard`` after it. Nothing is cleared in the bot: it is another process.

Every latency is the emulator's: from dispatching the interaction to the bot's final answer
(for /stats and /leaderboard the edit of the deferred reply with the embed and the PNG card;
for a resolution its ephemeral confirmation, sent after the announcement is posted). Prints
p50/p99/max against the goals (p99 150 ms; a change at most 1.5x a first resolution, p50
against p50 in the same run) and writes JSON to ``bench/out/commands[-postgresql].json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import boarddata as data
from discord_emulator.remote import Remote
from harness import OUT, Databases, Row, common_args, emulator, percentile, print_table
from shipped import ShippedBot, tail
from sqlalchemy import func, select, update

from bot.domain.months import Month
from db.models import GuildSettings, LeaderboardPost, ResolutionEvent
from db.session import Database

GOAL_MS = 150.0
CHANGE_GOAL = 1.5
COMMANDS = ("leaderboard", "stats")
WARMUPS = 3
OUTCOMES = ("came_true", "partly", "did_not")


@dataclass(slots=True)
class Timings:
    """The latencies of one kind of command, in milliseconds from the emulator's side."""

    answered: list[float] = field(default_factory=list)
    acknowledged: list[float] = field(default_factory=list)
    cards: int = 0

    def p(self, q: float) -> float:
        """Return the `q` quantile of the answers."""
        return percentile(self.answered, q)

    def value(self) -> str:
        """Return p50, p99 and max as a table cell."""
        return (
            f"p50 {self.p(0.5):.1f} ms, p99 {self.p(0.99):.1f} ms, max {max(self.answered):.1f} ms"
        )


class Driver:
    """Sends commands as the emulator's members and keeps each kind's latencies."""

    def __init__(self, remote: Remote, guild_id: int, channel_id: int, owner: int) -> None:
        self.remote = remote
        self.guild_id, self.channel_id, self.owner = guild_id, channel_id, owner
        self.timings: dict[str, Timings] = {}
        self._turn: dict[str, int] = {}

    async def run(
        self, user: int, command: str, options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run one slash command as `user`; return the emulator's answer."""
        body = {
            "guild_id": str(self.guild_id),
            "user_id": str(user),
            "command": command,
            "options": options or {},
            "channel_id": str(self.channel_id),
        }
        return await self.remote.post("/commands/run", body)

    async def member_command(
        self, command: str, members: list[int], kind: str | None
    ) -> dict[str, Any]:
        """Run /`command` as the next member in turn; keep its latency under `kind`."""
        turn = self._turn.get(command, 0)
        self._turn[command] = turn + 1
        answer = await self.run(members[turn % len(members)], command)
        message = answer["message"] or {}
        if not message.get("embeds"):
            raise SystemExit(f"/{command} gave no embed: {answer}")
        if kind is not None:
            self.keep(kind, answer, card=bool(message.get("attachments")))
        return answer

    async def admin(self, command: str, options: dict[str, Any], expect: str, kind: str) -> None:
        """Run an admin's command; fail unless its answer says `expect`."""
        answer = await self.run(self.owner, command, options)
        content = (answer["message"] or {}).get("content") or ""
        if expect not in content:
            raise SystemExit(f"{command} {options}: {answer}")
        self.keep(kind, answer)

    def keep(self, kind: str, answer: dict[str, Any], *, card: bool = False) -> None:
        """Record an answer's latencies under `kind`."""
        timings = self.timings.setdefault(kind, Timings())
        timings.answered.append(answer["latency_ms"]["answered"])
        timings.acknowledged.append(answer["latency_ms"]["acknowledged"] or 0.0)
        timings.cards += card


def this_month() -> Month:
    """Return the current month in UTC (the data's server keeps UTC)."""
    return Month.containing(datetime.now(UTC), UTC)


def params_of(args: argparse.Namespace) -> data.Params:
    """Return the data's shape, its last month the current one."""
    first = this_month()
    for _ in range(args.months - 1):
        first = first.previous()
    return data.Params(
        args.votes, args.members, args.predictions, args.months, args.seed, str(first)
    )


async def prepare(
    args: argparse.Namespace, databases: Databases, relabel: data.Relabel, tmp: Path
) -> tuple[str, Path]:
    """Return the URL of the data relabelled to the emulator's guild, and its source file."""
    source, _ = await data.ensure_sqlite(params_of(args))
    if args.postgres:
        url = await databases.fresh("commands")
        seconds = await data.copy_to_postgres(source, url, relabel)
        print(f"copied into PostgreSQL in {seconds:.1f} s", flush=True)
    else:
        copy = tmp / "commands.sqlite"
        shutil.copyfile(source, copy)
        data.relabel_sqlite(copy, relabel)
        url = f"sqlite+aiosqlite:///{copy}"
    database = Database(url)
    try:
        async with database.write() as session:
            # A server with a year of resolutions was seeded long ago and has announced them.
            await session.execute(
                update(GuildSettings)
                .where(GuildSettings.guild_id == relabel.guild_id)
                .values(seeded_at=GuildSettings.created_at)
            )
            await session.execute(
                update(ResolutionEvent)
                .where(ResolutionEvent.guild_id == relabel.guild_id)
                .values(announced_message_id=0)
            )
    finally:
        await database.dispose()
    return url, source


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


def resolved_this_month(source: Path) -> list[tuple[int, str]]:
    """Return (number, outcome) of the predictions resolved (not void) in the current month."""
    month = this_month()
    start, end = data.month_start(month), data.month_start(month.next())
    with sqlite3.connect(source) as conn:
        rows = conn.execute(
            "SELECT p.number, r.outcome FROM resolutions AS r JOIN predictions AS p"
            " ON p.id = r.prediction_id WHERE r.resolved_at >= ? AND r.resolved_at < ?"
            " AND r.outcome <> 'void' ORDER BY r.resolved_at",
            (data.ts(start), data.ts(end)),
        ).fetchall()
    if not rows:
        raise SystemExit("no prediction of the data is resolved in the current month")
    return [(int(n), str(o)) for n, o in rows]


async def until_ready(driver: Driver, database: Database, bot: ShippedBot) -> float:
    """Wait until the bot answers a command and made the monthly post; return seconds."""
    started = time.perf_counter()
    end = started + 300
    answered = posted = False
    while not (answered and posted):
        if bot.proc is not None and bot.proc.returncode is not None:
            raise SystemExit(f"the bot exited:\n{tail(bot.log)}")
        if time.perf_counter() > end:
            raise SystemExit(f"not ready (answered {answered}, posted {posted})\n{tail(bot.log)}")
        if not posted:  # its first scheduler tick, after it connected and synced its commands
            async with database.read() as session:
                posted = bool(
                    await session.scalar(
                        select(func.count()).where(LeaderboardPost.guild_id == driver.guild_id)
                    )
                )
        elif not answered:
            try:
                answer = await driver.run(driver.owner, "leaderboard")
                answered = bool((answer["message"] or {}).get("embeds"))
            except Exception:  # its commands not synced yet
                answered = False
        await asyncio.sleep(0.5)
    return time.perf_counter() - started


async def cold_commands(driver: Driver, members: list[int], order: int) -> None:
    """Run the first /stats and /leaderboard after a resolution, in alternating order."""
    for command in COMMANDS if order % 2 else reversed(COMMANDS):
        await driver.member_command(command, members, f"{command}, first after a resolution")


async def measure(driver: Driver, args: argparse.Namespace, source: Path) -> None:
    """Run the warm commands, then the rounds of resolutions and the cold commands after them."""
    members = callers(source, args.callers)
    for command in COMMANDS:
        for n in range(WARMUPS + args.runs):
            kind = f"{command}, as members get it" if n >= WARMUPS else None
            await driver.member_command(command, members, kind)
        print(f"  /{command} as members get it: {driver.timings[kind].value()}", flush=True)
    predictions = resolved_this_month(source)
    for n in range(args.rounds):
        number, outcome = predictions[n % len(predictions)]
        changed = OUTCOMES[(OUTCOMES.index(outcome) + 1) % len(OUTCOMES)]
        prediction = {"prediction": str(number)}
        await driver.admin("/prediction unresolve", prediction, "open again", "unresolve")
        await driver.admin(
            "/prediction resolve",
            {**prediction, "outcome": outcome},
            f"Resolved #{number}",
            "resolve, first resolution",
        )
        await cold_commands(driver, members, 2 * n)
        await driver.admin(
            "/prediction resolve",
            {**prediction, "outcome": changed},
            f"Resolved #{number}",
            "resolve, a change of outcome",
        )
        await cold_commands(driver, members, 2 * n + 1)
    for kind in ("resolve, first resolution", "resolve, a change of outcome"):
        print(f"  {kind}: {driver.timings[kind].value()}", flush=True)


async def run(args: argparse.Namespace) -> dict[str, Timings]:
    """Start the emulator and the shipped bot on the data, run the commands, return latencies."""
    databases = Databases(args.postgres)
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as tmp:
        async with emulator() as (remote, info):
            guild = await remote.post("/guilds", {"name": "Bench", "channels": ["boards"]})
            guild_id, channel_id = int(guild["id"]), int(guild["channels"]["boards"])
            url, source = await prepare(
                args, databases, data.Relabel(guild_id, channel_id), Path(tmp)
            )
            members = callers(source, args.callers)
            await remote.post(f"/guilds/{guild_id}/members", {"ids": members, "prefix": "m"})
            driver = Driver(remote, guild_id, channel_id, int(guild["owner_id"]))
            OUT.mkdir(parents=True, exist_ok=True)
            log = OUT / f"commands-bot-{databases.backend}.log"
            log.write_bytes(b"")
            bot = ShippedBot(info, url, log)
            database = Database(url)
            await bot.start()
            try:
                ready = await until_ready(driver, database, bot)
                print(f"the bot answered and made its monthly post {ready:.1f} s after start")
                await measure(driver, args, source)
                violations = (await remote.get("/state"))["violations"]
                if violations:
                    raise SystemExit(f"the emulator recorded violations: {violations[:3]}")
            finally:
                await bot.stop()
                await database.dispose()
    return driver.timings


def table(timings: dict[str, Timings]) -> list[Row]:
    """Return the result rows: the commands against 150 ms, a change against a first one."""
    rows = []
    for mode in ("as members get it", "first after a resolution"):
        for command in COMMANDS:
            t = timings[f"{command}, {mode}"]
            rows.append(
                Row(
                    f"/{command}, {mode} ({len(t.answered)} runs)",
                    t.value(),
                    f"{t.cards}/{len(t.answered)} with the card",
                    goal=f"p99 <= {GOAL_MS:.0f} ms",
                    verdict="OK" if t.p(0.99) <= GOAL_MS else "OVER",
                )
            )
    first, change = timings["resolve, first resolution"], timings["resolve, a change of outcome"]
    ratio = change.p(0.5) / first.p(0.5)
    rows += [
        Row(f"/prediction resolve, first ({len(first.answered)} runs)", first.value()),
        Row(
            f"/prediction resolve, a change of outcome ({len(change.answered)} runs)",
            change.value(),
            "p50 against the first's",
            ratio=f"{ratio:.2f}x",
            goal=f"<= {CHANGE_GOAL}x",
            verdict="OK" if ratio <= CHANGE_GOAL else "OVER",
        ),
        Row("/prediction unresolve (not a goal)", timings["unresolve"].value()),
    ]
    return rows


def main() -> None:
    """Run the benchmark, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    common_args(parser)
    parser.add_argument("--runs", type=int, default=200, help="runs per command, as members")
    parser.add_argument("--rounds", type=int, default=100, help="unresolve/resolve/change rounds")
    parser.add_argument("--callers", type=int, default=250, help="members taking turns")
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--predictions", type=int, default=1_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=20250601)
    args = parser.parse_args()
    if args.quick:
        args.votes, args.members, args.predictions = 20_000, 1_000, 100
        args.runs, args.rounds, args.callers = 5, 3, 20
    timings = asyncio.run(run(args))
    backend = "postgresql" if args.postgres else "sqlite"
    print_table(
        f"/leaderboard, /stats and resolutions on {backend}, {args.votes:,} votes,"
        " calledit run as a subprocess, latency at the emulator",
        table(timings),
    )
    out = args.out or OUT / f"commands{'-postgresql' if args.postgres else ''}.json"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    shown = {kind: t.answered for kind, t in timings.items()}
    Path(out).write_text(json.dumps({"backend": backend, "answered_ms": shown}, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
