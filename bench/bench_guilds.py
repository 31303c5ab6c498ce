"""Benchmark: the shipped bot in 1,000 guilds: time to ready, resident memory, and a vote soak.

Run from the repository root::

    .venv/bin/python bench/bench_guilds.py                 # 1,000 guilds, 3 rounds, 1,000,000 events
    .venv/bin/python bench/bench_guilds.py --postgres      # the bot on embedded PostgreSQL
    .venv/bin/python bench/bench_guilds.py --quick         # 50 guilds, 20,000 events (CI)

Three kinds of process, as an operator and Discord would have them: the emulator (its own
process), the bot as it ships (``python -m bot run``, its settings in the environment, stopped
with SIGTERM) or the reference (``bench/bare_ready.py``: a plain ``discord.Client`` with the
bot's intents and discord.py's defaults), and this driver, which only asks the emulator to act,
reads the bot's log and database, and reads each process's memory from ``/proc``.

1. The emulator makes ``--guilds`` realistic guilds (``POST /_emulator/guilds/bulk``: 25
   channels, 15 roles, 10 emojis each) and ``--voters`` members who belong to each of
   ``--poll-guilds`` of them.
2. The bot runs once on a fresh database (rate limits off): it migrates and seeds every guild
   (counted in the database); each poll guild's owner opens 10 polls with ``/poll open``; the
   bot is stopped.
3. With the emulator's rate limits on, per round: the plain client connects, is timed to
   ready and its RSS read, and stops; so does the stack floor (the same client with the rest
   of the fixed stack's libraries imported and unused: the least any bot on this stack holds
   here); then the bot starts on the prepared database. Both are
   timed from their session's READY (discord.py logs it at INFO; the emulator answers IDENTIFY
   with it at once) to discord.py's ready, the bot also to the end of its start-up work (every
   open poll read back over REST, paced by the rate limits). RSS is read at ready and once
   the start-up work is done.
4. In the last round the bot takes ``--soak`` reaction events from one emulator flood over
   every open poll (``POST /_emulator/reactions/flood``, cycles with ``remove``: every voter
   votes on every poll, retracts, votes for the next option, ...; each add carries the whole
   member object, as Discord's do), then one marker vote. Its progress is read from the votes
   stored (the bot commits in arrival order): the flood is in once the marker is stored and
   every other vote retracted. The bot's RSS is sampled every ``--every`` events, 2 s after
   the soak and ``--later`` s after it (35: past the bot's 30 s scheduler tick).

Prints the tables and writes the JSON to ``bench/out/guilds[-postgresql].json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from discord_emulator.remote import Remote
from guilds_procs import PlainClient, bot_start, soak
from harness import OUT, TOKEN, Databases, Row, common_args, emulator, print_table
from shipped import ShippedBot, memory_mb, open_poll, wait_for
from sqlalchemy import text

from db.session import Database

POLLS_PER_GUILD = 10
#: Seconds a process is left quiet before the memory it keeps is read.
SETTLE = 2.0
READY_GOAL_S = 10.0
RSS_GOAL_MB = 100.0


class World:
    """The emulator, the database and what the rounds share."""

    def __init__(self, args: argparse.Namespace, remote: Remote, info: dict[str, Any]) -> None:
        self.args = args
        self.remote = remote
        self.info = info
        self.dbs = Databases(args.postgres)
        self.url = ""
        self.voters: list[str] = []
        #: The open polls' message ids (as the flood takes them) and their poll ids.
        self.polls: dict[str, int] = {}

    def bot(self, name: str, level: str = "INFO") -> ShippedBot:
        """Return the shipped bot on the prepared database, logging to bench/out."""
        log = OUT / f"guilds-{self.dbs.backend}-{name}.log"
        log.write_bytes(b"")
        return ShippedBot(self.info, self.url, log, LOG_LEVEL=level)


async def seeded_guilds(database: Database) -> int:
    """Return how many servers the database has seeded (0 before the schema exists)."""
    try:
        async with database.read() as session:
            sql = "SELECT count(*) FROM guild_settings WHERE seeded_at IS NOT NULL"
            return int(await session.scalar(text(sql)) or 0)
    except Exception:  # not migrated yet
        return 0


async def owner_of(info: dict[str, Any], guild_id: str) -> str:
    """Return a guild's owner, read as the bot reads it (GET /guilds/{id})."""
    headers = {"Authorization": f"Bot {TOKEN}"}
    url = f"{info['api_base'].rstrip('/')}/guilds/{guild_id}"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        answer.raise_for_status()
        return str((await answer.json())["owner_id"])


async def prepare(world: World) -> float:
    """Make the guilds and voters; run the bot once to seed them and open the polls."""
    args, remote = world.args, world.remote
    loop = asyncio.get_running_loop()
    started = loop.time()
    shape = {"count": args.guilds, "channels": args.channels, "roles": args.roles, "emojis": 10}
    made = (await remote.post("/guilds/bulk", shape | {"member_count": 600}))["guilds"]
    poll_guilds = made[:: max(1, len(made) // args.poll_guilds)][: args.poll_guilds]
    first = poll_guilds[0]["id"]
    body = {"count": args.voters, "prefix": "voter"}
    world.voters = (await remote.post(f"/guilds/{first}/members", body))["ids"]
    for guild in poll_guilds[1:]:  # the same people in every poll guild
        await remote.post(f"/guilds/{guild['id']}/members", {"ids": world.voters})
    world.url = await world.dbs.fresh("guilds")
    database = Database(world.url)
    bot = world.bot("prepare", level="WARNING")
    await bot.start()
    try:

        async def all_seeded() -> bool:
            return await seeded_guilds(database) >= args.guilds

        await wait_for(all_seeded, "every guild seeded", bot, timeout=600)
        gate = asyncio.Semaphore(8)

        async def open_polls(guild: dict[str, Any]) -> list[int]:
            owner = await owner_of(world.info, guild["id"])
            async with gate:
                return [
                    await open_poll(remote, guild["id"], owner, guild["general"], number)
                    for number in range(1, POLLS_PER_GUILD + 1)
                ]

        opened = await asyncio.gather(*(open_polls(g) for g in poll_guilds))
        async with database.read() as session:
            rows = await session.execute(text("SELECT message_id, id FROM polls"))
            by_message = {int(m): int(p) for m, p in rows}
        world.polls = {str(m): by_message[m] for ids in opened for m in ids}
    finally:
        status = await bot.stop()
        await database.dispose()
    if status != 0:
        raise SystemExit(f"the preparing bot exited with {status}; see {bot.log}")
    return loop.time() - started


async def bare_round(world: World, stack: str | None = None) -> dict[str, Any]:
    """Time the plain client (with `stack`: the stack floor) to ready; read its RSS then and quiet."""
    client = PlainClient(world.info, stack)
    try:
        moments = await client.start()
        await asyncio.sleep(SETTLE)
        quiet = round(memory_mb(client.pid())[0], 1)
    finally:
        await client.stop()
    return {
        "ready_s": moments.since("ready"),
        "start_to_ready_s": moments.since("ready", "started"),
        "rss_ready_mb": moments.rss["ready"],
        "rss_quiet_mb": quiet,
        "guilds": client.guilds,
    }


async def bot_round(world: World, rnd: int, soak_events: int) -> dict[str, Any]:
    """Start the shipped bot on the prepared database; time it, read its RSS, maybe soak it."""
    database = Database(world.url)
    bot = world.bot(f"round{rnd}")
    before = await world.remote.get("/state")
    try:
        moments = await bot_start(bot)
        after = await world.remote.get("/state")
        seeded = await seeded_guilds(database)
        await asyncio.sleep(SETTLE)
        result: dict[str, Any] = {
            "ready_s": moments.since("ready"),
            "start_to_ready_s": moments.since("ready", "started"),
            "read_back_s": moments.since("settled", "ready"),
            "rss_ready_mb": moments.rss["ready"],
            "rss_settled_mb": round(memory_mb(bot.pid())[0], 1),
            "seeded": seeded,
            "requests": after["requests"] - before["requests"],
            "responses_429": after["rate_limited"] - before["rate_limited"],
            "violations": len(after["violations"]) - len(before["violations"]),
        }
        if soak_events:
            result["soak"] = await soak(
                world.remote,
                database,
                bot.pid(),
                world.polls,
                world.voters,
                soak_events,
                world.args.every,
                world.args.later,
            )
    finally:
        status = await bot.stop()
        await database.dispose()
    if status != 0:
        raise SystemExit(f"the bot exited with {status} on SIGTERM; see {bot.log}")
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set everything up, run the rounds, and return the results."""
    OUT.mkdir(parents=True, exist_ok=True)
    async with emulator() as (remote, info):
        world = World(args, remote, info)
        prepare_s = await prepare(world)
        await remote.post("/settings", {"ratelimits": True})
        rounds = []
        for rnd in range(args.rounds):
            bare = await bare_round(world)
            floor = await bare_round(world, world.dbs.backend)
            last = rnd == args.rounds - 1
            bot = await bot_round(world, rnd + 1, args.soak if last else 0)
            rounds.append({"bare": bare, "floor": floor, "bot": bot})
            logging.getLogger("bench").info("round %d: %s", rnd + 1, rounds[-1])
        state = await remote.get("/state")
    return {
        "backend": world.dbs.backend,
        "guilds": args.guilds,
        "channels_per_guild": args.channels,
        "roles_per_guild": args.roles,
        "poll_guilds": args.poll_guilds,
        "open_polls": len(world.polls),
        "voters": len(world.voters),
        "prepare_s": round(prepare_s, 1),
        "rounds": rounds,
        "violations_total": len(state["violations"]),
    }


def _span(values: Sequence[float]) -> str:
    """Return "median (min-max)" of a few values, or the one value."""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def _ratio(ours: Sequence[float], theirs: Sequence[float]) -> str:
    return _span([a / b for a, b in zip(ours, theirs, strict=True)])


def report(result: dict[str, Any]) -> None:
    """Print the start-up table and the soak table."""
    bot = [r["bot"] for r in result["rounds"]]
    bare = [r["bare"] for r in result["rounds"]]

    def both(key: str) -> tuple[list[float], list[float]]:
        return [b[key] for b in bot], [b[key] for b in bare]

    ready, bare_ready = both("ready_s")
    started, bare_started = both("start_to_ready_s")
    rss, bare_rss = both("rss_ready_mb")
    floor = [r["floor"]["rss_ready_mb"] for r in result["rounds"]]
    seeded = all(b["seeded"] == result["guilds"] for b in bot)
    rows = [
        Row(
            "session READY -> ready, s (every server seeded)",
            _span(ready),
            _span(bare_ready),
            _ratio(ready, bare_ready),
            f"<= {READY_GOAL_S:g} s",
            "ok" if max(ready) <= READY_GOAL_S and seeded else "OVER",
        ),
        Row("process start -> ready, s", _span(started), _span(bare_started)),
        Row("RSS at ready, MB", _span(rss), _span(bare_rss), _ratio(rss, bare_rss)),
        Row("  the stack floor's RSS at ready, MB", "", _span(floor)),
        Row(
            f"ready -> {result['open_polls']} open polls read back, s",
            _span([b["read_back_s"] for b in bot]),
            goal="within the limits",
        ),
        Row(
            "RSS once settled, MB",
            _span([b["rss_settled_mb"] for b in bot]),
            _span([b["rss_quiet_mb"] for b in bare]),
        ),
        Row(
            "  REST requests / 429s / violations",
            " / ".join(
                f"{sum(b[k] for b in bot)}" for k in ("requests", "responses_429", "violations")
            ),
            verdict="ok" if not any(b["violations"] for b in bot) else "VIOLATIONS",
        ),
    ]
    title = (
        f"{result['guilds']} guilds ({result['channels_per_guild']} channels, "
        f"{result['roles_per_guild']} roles each), {result['open_polls']} open polls in "
        f"{result['poll_guilds']}, {result['backend']}, {len(bot)} round(s); "
        "calledit run as a subprocess, reference: a plain discord.py client"
    )
    print_table(title, rows)
    if "soak" in bot[-1]:
        report_soak(bot[-1]["soak"], result["backend"], statistics.median(floor))


def report_soak(soak: dict[str, Any], backend: str, floor: float) -> None:
    """Print the soak's RSS samples, its growth and the RSS it ends with."""
    samples = soak["samples"]
    first = samples[0]["rss"]
    fifth = 2 * samples[-1]["votes"] // 10
    base = next((s["rss"] for s in samples if s["votes"] >= fifth), first)
    rows = [
        Row(
            f"after {s['votes']:,} events ({s['s']:.1f} s, {s['backlog']:,} not yet committed)",
            f"{s['rss']:.1f} MB",
            f"{s['rss'] - first:+.1f} MB since the start",
        )
        for s in samples
    ]
    growth = samples[-1]["rss"] - base
    rows += [
        Row(
            "growth after the first 20%",
            f"{growth:+.1f} MB",
            goal="< 5 MB",
            verdict="ok" if growth < 5 else "GROWS",
        ),
        *(
            [Row("RSS 2 s after the soak", f"{soak['rss_after_mb']:.1f} MB")]
            if soak["later_s"] > 2
            else []
        ),
        Row(
            f"RSS {soak['later_s']:g} s after the soak"
            + (" (past a scheduler tick)" if soak["later_s"] > 30 else ""),
            f"{soak['rss_later_mb']:.1f} MB",
            f"stack floor {floor:.1f} MB: {soak['rss_later_mb'] - floor:+.1f}",
            goal=f"<= {RSS_GOAL_MB:g} MB",
            verdict="ok" if soak["rss_later_mb"] <= RSS_GOAL_MB else "OVER",
        ),
        Row("peak RSS (VmHWM)", f"{soak['rss_peak_mb']:.1f} MB"),
        Row("most events sent but not yet committed", f"{soak['max_backlog']:,}"),
    ]
    seconds = samples[-1]["s"]
    rows.append(Row("events committed per s", f"{samples[-1]['votes'] / seconds:,.0f}"))
    title = (
        f"soak: {soak['events']:,} reaction events ({soak['cycles']} passes of votes and "
        f"retractions), RSS of the bot's process ({backend})"
    )
    print_table(title, rows)


def sizes(args: argparse.Namespace) -> None:
    """Fill in the sizes --quick and the full run differ in."""
    full = {"guilds": 1000, "poll_guilds": 100, "voters": 100, "soak": 1_000_000, "rounds": 3}
    quick = {"guilds": 50, "poll_guilds": 5, "voters": 20, "soak": 20_000, "rounds": 1}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.every is None:
        args.every = max(args.soak // 10, 1)
    if args.later is None:
        args.later = 2.0 if args.quick else 35.0


def main() -> None:
    """Parse the arguments, run, print the tables and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser)
    parser.add_argument("--guilds", type=int, default=None)
    parser.add_argument("--poll-guilds", type=int, default=None)
    parser.add_argument("--voters", type=int, default=None, help="members voting in each")
    parser.add_argument("--channels", type=int, default=25)
    parser.add_argument("--roles", type=int, default=15)
    parser.add_argument("--soak", type=int, default=None, help="reaction events in the soak")
    parser.add_argument("--every", type=int, default=None, help="sample RSS every N events")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--later", type=float, default=None, help="read RSS again this long after the soak (35 s)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    sizes(args)
    logging.getLogger("bench").setLevel(logging.INFO)
    result = asyncio.run(run(args))
    report(result)
    out = args.out or OUT / f"guilds{'-postgresql' if args.postgres else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
