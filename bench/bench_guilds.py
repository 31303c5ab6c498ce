"""Benchmark: the bot in 1,000 guilds: time to ready, resident memory, and a vote soak.

Run from the repository root::

    .venv/bin/python bench/bench_guilds.py                 # 1,000 guilds, 3 rounds, 1,000,000 votes
    .venv/bin/python bench/bench_guilds.py --postgres      # the bot on embedded PostgreSQL
    .venv/bin/python bench/bench_guilds.py --quick         # 50 guilds, 20,000 votes (CI)

What it does, in one run:

1. Starts the emulator out of process and creates ``--guilds`` realistic guilds in one call
   (``POST /_emulator/guilds/bulk``: categories, text and voice channels with overwrites,
   roles, emojis, a member_count), and ``--voters`` members in each of ``--poll-guilds`` of them.
2. Builds the database (``db.migrate.upgrade``) and runs the bot once (rate limits off): it
   seeds every guild with the shipped predictions, and opens 10 polls in each poll guild through
   ``bot.workflows.opening.open`` (posted to the emulator). That bot is stopped.
3. With the emulator's rate limits on, per round, each in a fresh process (so its resident
   memory is its own): a bare discord.py client (the bot's intents and caches) connects to
   the same guilds; then a fresh ``CalledItBot`` starts. Timed from the IDENTIFY each sends to
   "ready": for the bare client discord.py's ready, for the bot discord.py's ready plus its
   start-up work (the moment its read-back of the open polls begins; that read-back is rate
   limited, so it is timed apart, with the 429s the emulator answered meanwhile). Both use the
   ``guild_ready_timeout`` the bot uses in production. RSS (``/proc``) is taken at ready.
4. In the last round the bot, once settled, takes ``--soak`` reaction events (cast, retract,
   cast another option, ...: real vote changes on ``--voters`` members x the open polls) in
   control calls of ``--chunk``; its RSS is sampled every ``--every`` committed events.

Prints the tables and writes the JSON to ``bench/out/guilds[-postgresql].json``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
from discord.gateway import DiscordWebSocket
from harness import (
    EMOJI,
    OUT,
    REPO,
    Databases,
    Remote,
    Row,
    common_args,
    emulator,
    print_table,
    rss_mb,
    start_client,
    stop_client,
    until,
)

POLLS_PER_GUILD = 10
Op = list[str]


# -- in a fresh process: one client, measured --------------------------------------------------


class Marks:
    """Perf-counter times of the moments measured, and the RSS at some of them."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.rss: dict[str, float] = {}

    def mark(self, name: str, *, rss: bool = False) -> None:
        """Record the first time `name` happens (and the RSS then, with `rss`)."""
        if name not in self.at:
            self.at[name] = time.perf_counter()
            if rss:
                self.rss[name] = round(rss_mb(), 1)

    def since(self, name: str, start: str = "identify") -> float | None:
        """Return seconds from `start` to `name`, None if either did not happen."""
        if name not in self.at or start not in self.at:
            return None
        return round(self.at[name] - self.at[start], 3)


class Tracer:
    """With --trace: tracemalloc from ready on, each snapshot compared with the one before.

    Tracing starts at the first snapshot (ready), so the start-up runs at full speed.
    """

    def __init__(self) -> None:
        self._last: Any = None

    def take(self, label: str) -> None:
        """Print the 15 biggest growths since the last snapshot (to stderr)."""
        import tracemalloc

        if self._last is None:
            tracemalloc.start(12)
            self._last = tracemalloc.take_snapshot()
            return
        snap = tracemalloc.take_snapshot()
        stats = snap.compare_to(self._last, "traceback")
        total = sum(s.size_diff for s in stats) / 1e6
        print(f"\n-- tracemalloc {label}: {total:+.1f} MB traced", file=sys.stderr)
        for stat in stats[:15]:
            frames = [
                f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in stat.traceback
            ]
            print(
                f"{stat.size_diff / 1e6:+7.2f} MB {stat.count_diff:+8d}  {' < '.join(frames[-4:][::-1])}",
                file=sys.stderr,
            )
        self._last = snap


def watch_identify(marks: Marks) -> None:
    """Mark when discord.py sends its IDENTIFY."""
    original = DiscordWebSocket.identify

    async def identify(self: DiscordWebSocket) -> None:
        marks.mark("identify", rss=True)
        await original(self)

    DiscordWebSocket.identify = identify  # type: ignore[method-assign]


async def child_bare(spec: dict[str, Any]) -> dict[str, Any]:
    """Connect a bare client to every guild; return its time to ready and RSS."""
    from harness import bare_client

    marks = Marks()
    watch_identify(marks)
    marks.mark("start", rss=True)
    client = bare_client()

    async def on_ready() -> None:
        marks.mark("ready", rss=True)

    client.event(on_ready)
    task = await start_client(client, 120, guild_ready_timeout=spec["guild_ready_timeout"])
    try:
        await until(lambda: _true("ready" in marks.at), 10)
        guilds = len(client.guilds)
    finally:
        await stop_client(client, task)
    return {"ready_s": marks.since("ready"), "rss": marks.rss, "guilds": guilds}


async def _true(value: bool) -> bool:
    return value


async def child_bot(spec: dict[str, Any], remote: Remote) -> dict[str, Any]:
    """Start the bot on the prepared database; time it to ready, then soak it with votes."""
    from bot.app import CalledItBot, default_seed
    from bot.domain.clock import SystemClock
    from bot.services import Services
    from db.session import Database

    marks = Marks()
    watch_identify(marks)
    marks.mark("start", rss=True)
    tracer = Tracer() if spec.get("trace") else None
    db = Database(spec["db_url"])
    bot = CalledItBot(Services.build(db, SystemClock()), seed=default_seed())
    production_timeout = bot._connection.guild_ready_timeout
    read_back = bot.workflows.read_back
    original_all = read_back.all

    async def all_polls(guild_id: int | None = None) -> Any:
        marks.mark("startup", rss=True)  # on_ready's work up to the read-back is done
        if tracer is not None:
            tracer.take("at ready")
        try:
            return await original_all(guild_id)
        finally:
            marks.mark("read_back", rss=True)
            if tracer is not None:
                tracer.take("after the read-back")

    read_back.all = all_polls  # type: ignore[method-assign]

    async def on_ready() -> None:
        marks.mark("ready")

    bot.add_listener(on_ready, "on_ready")
    task = await start_client(bot, 300, guild_ready_timeout=production_timeout)
    soak: list[dict[str, float]] = []
    try:
        await asyncio.wait_for(bot.settled.wait(), 600)
        marks.mark("settled", rss=True)
        if tracer is not None:
            tracer.take("at settled")
        polls = bot.discord_io.polls.all()
        result: dict[str, Any] = {
            "guild_ready_timeout": production_timeout,
            "guilds": len(bot.guilds),
            "open_polls": len(polls),
            "ready_s": marks.since("ready"),
            "startup_s": marks.since("startup"),
            "read_back_s": marks.since("read_back", "startup"),
        }
        if tracer is not None:
            tracer.take("before the soak")
        if spec["soak"]:
            soak = await run_soak(spec, bot, remote, polls)
            if tracer is not None:
                tracer.take("after the soak")
    finally:
        await stop_client(bot, task)
        await db.dispose()
    return result | {"rss": marks.rss, "soak": soak}


def vote_stream(
    messages: Sequence[str], voters: Sequence[Sequence[str]], total: int
) -> Iterator[Op]:
    """Yield `total` reaction ops that each change a vote, over a bounded set of pairs.

    Each (member, message) pair goes cast, retract, cast the next option, retract, ...; odd
    pairs start a pass later, so every stretch of the stream both casts and retracts. Pairs
    are computed, not stored: the stream costs the bot's process nothing but the chunk sent.
    """
    sent = 0
    for rnd in itertools.count():
        for p, message in enumerate(messages):
            for v, member in enumerate(voters[p]):
                n = p * len(voters[p]) + v
                k = rnd - (n % 2)  # this pair's step in this pass
                if k < 0:
                    continue
                emoji = EMOJI[(k // 2 + n) % len(EMOJI)]
                yield [member, message, emoji, "add" if k % 2 == 0 else "remove"]
                sent += 1
                if sent >= total:
                    return
    raise AssertionError("unreachable")


async def run_soak(
    spec: dict[str, Any], bot: Any, remote: Remote, polls: Sequence[Any]
) -> list[dict[str, float]]:
    """Flood the open polls from inside the emulator; sample RSS every `every` committed votes.

    One flood per poll guild (its polls x its voters; cycles that cast, then retract, then
    cast the next option), sent as fast as the bot reads: the bot's process spends nothing on
    sending, and nothing holds the bot back but itself. The backlog is what the bot received
    and has not committed yet.
    """
    if spec["soak_by"] == "burst":
        return await burst_soak(spec, bot, remote, polls)
    voters: dict[str, list[str]] = spec["voters"]
    by_guild: dict[str, list[str]] = {}
    for ref in polls:
        by_guild.setdefault(str(ref.guild_id), []).append(str(ref.message_id))
    pairs = sum(len(messages) * len(voters[g]) for g, messages in by_guild.items())
    cycles = max(1, round(spec["soak"] / pairs))
    total = pairs * cycles
    writer = bot.workflows.writer
    base = writer.committed
    samples = [{"votes": 0, "rss": round(rss_mb(), 1), "s": 0.0, "backlog": 0}]
    started = time.perf_counter()
    floods = [
        (
            await remote.post(
                "/reactions/flood",
                {"message_ids": m, "member_ids": voters[g], "cycles": cycles, "remove": True},
            )
        )["id"]
        for g, m in by_guild.items()
    ]
    next_sample = spec["every"]
    while True:
        done = writer.committed - base
        if done >= next_sample or done >= total:
            next_sample += spec["every"]
            samples.append(
                {
                    "votes": done,
                    "rss": round(rss_mb(), 1),
                    "s": round(time.perf_counter() - started, 1),
                    "backlog": writer.received - writer.committed,
                }
            )
        if done >= total:
            break
        if time.perf_counter() - started > 1800:
            raise TimeoutError(f"the soak committed {done} of {total} votes in 30 minutes")
        await asyncio.sleep(0.02)
    reports = [await remote.get(f"/reactions/flood/{n}") for n in floods]
    sent = sum(int(r["dispatched"]) for r in reports)
    if sent != total or any(r["error"] for r in reports):
        raise RuntimeError(f"the floods sent {sent} of {total} events: {reports[0]}")
    return samples


async def burst_soak(
    spec: dict[str, Any], bot: Any, remote: Remote, polls: Sequence[Any]
) -> list[dict[str, float]]:
    """Post the soak's events in chunks, at most 4 chunks ahead of what the bot committed."""
    voters: dict[str, list[str]] = spec["voters"]
    messages = [str(ref.message_id) for ref in polls]
    holders = [voters[str(ref.guild_id)] for ref in polls]
    writer = bot.workflows.writer
    base = writer.committed
    samples = [{"votes": 0, "rss": round(rss_mb(), 1), "s": 0.0}]
    started = time.perf_counter()
    chunk: list[Op] = []
    sent = 0
    next_sample = spec["every"]

    async def committed(at_least: int) -> None:
        await until(lambda: _true(writer.committed >= base + at_least), 300, 0.01)

    for op in vote_stream(messages, holders, spec["soak"]):
        chunk.append(op)
        if len(chunk) < spec["chunk"] and sent + len(chunk) < spec["soak"]:
            continue
        answer = await remote.post("/reactions/burst", {"ops": chunk})
        if int(answer["dispatched"]) != len(chunk):
            raise RuntimeError(f"emulator dispatched {answer['dispatched']} of {len(chunk)}")
        sent += len(chunk)
        chunk = []
        await committed(max(0, sent - 4 * spec["chunk"]))  # keep a bounded backlog
        if sent >= next_sample or sent == spec["soak"]:
            next_sample += spec["every"]
            await committed(sent)
            seconds = round(time.perf_counter() - started, 1)
            samples.append({"votes": sent, "rss": round(rss_mb(), 1), "s": seconds, "backlog": 0})
            logging.getLogger("bench").info("soak: %s votes, %s MB", sent, samples[-1]["rss"])
    return samples


async def child_main(kind: str, spec: dict[str, Any]) -> None:
    """Run one measured client in this process; print its result as the last line."""
    from bot.endpoints import apply_endpoints

    apply_endpoints(spec["api_base"], spec["gateway_url"])
    if kind == "bare":
        result = await child_bare(spec)
    else:
        async with aiohttp.ClientSession() as session:
            result = await child_bot(spec, Remote(session, spec["url"]))
    print(json.dumps(result), flush=True)


async def child(kind: str, spec: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """Run `kind` ("bare" or "bot") in a fresh process and return what it printed."""
    path = tmp / f"{kind}.json"
    path.write_text(json.dumps(spec))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--child",
        kind,
        "--spec",
        str(path),
        cwd=str(REPO),
        stdout=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the {kind} process failed with {proc.returncode}")
    return json.loads(out.decode().strip().splitlines()[-1])


# -- the run: guilds, database, first bot run, then the measured processes ----------------------


async def prepare(
    remote: Remote, db_url: str, poll_guilds: Sequence[dict[str, Any]]
) -> tuple[int, float]:
    """Run the bot once: it seeds every guild; open 10 polls in each poll guild; stop it."""
    from bot.app import CalledItBot, default_seed
    from bot.domain.clock import SystemClock
    from bot.services import Services
    from db import migrate
    from db.session import Database

    db = Database(db_url)
    await migrate.upgrade(db)
    bot = CalledItBot(Services.build(db, SystemClock()), seed=default_seed())
    task = await start_client(bot, 600)
    started = time.perf_counter()
    try:
        await asyncio.wait_for(bot.settled.wait(), 1800)  # seeding every guild
        gate = asyncio.Semaphore(8)

        async def open_polls(guild: dict[str, Any]) -> None:
            async with gate:
                for number in range(1, POLLS_PER_GUILD + 1):
                    await bot.workflows.opening.open(
                        int(guild["id"]),
                        number,
                        channel_id=int(guild["general"]),
                        here=None,
                        hours=None,
                        actor=None,
                    )

        await asyncio.gather(*(open_polls(g) for g in poll_guilds))
        opened = len(bot.discord_io.polls.all())
    finally:
        await stop_client(bot, task)
        await db.dispose()
    return opened, time.perf_counter() - started


def sizes(args: argparse.Namespace) -> None:
    """Fill in the sizes --quick and the full run differ in."""
    full = {"guilds": 1000, "poll_guilds": 100, "voters": 100, "soak": 1_000_000, "rounds": 3}
    quick = {"guilds": 50, "poll_guilds": 5, "voters": 20, "soak": 20_000, "rounds": 1}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.every is None:
        args.every = max(args.soak // 10, args.chunk)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set everything up, run the rounds, and return the results."""
    dbs = Databases(args.postgres)
    tmp = Path(tempfile.mkdtemp(prefix="bench-guilds-"))
    async with emulator() as (remote, info):
        started = time.perf_counter()
        shape = {"channels": args.channels, "roles": args.roles, "emojis": 10}
        made = (
            await remote.post("/guilds/bulk", shape | {"count": args.guilds, "member_count": 600})
        )["guilds"]
        bulk_s = time.perf_counter() - started
        step = max(1, len(made) // args.poll_guilds)
        poll_guilds = made[::step][: args.poll_guilds]
        voters = {}
        for n, guild in enumerate(poll_guilds):
            body = {"count": args.voters, "prefix": f"voter{n}-"}
            voters[guild["id"]] = (await remote.post(f"/guilds/{guild['id']}/members", body))["ids"]
        db_url = await dbs.fresh("guilds")
        opened, prepare_s = await prepare(remote, db_url, poll_guilds)
        await remote.post("/settings", {"ratelimits": True})
        spec = info | {
            "db_url": db_url,
            "voters": voters,
            "soak": 0,
            "chunk": args.chunk,
            "every": args.every,
            "guild_ready_timeout": args.guild_ready_timeout,
            "trace": args.trace,
            "soak_by": args.soak_by,
        }
        rounds = []
        for rnd in range(args.rounds):
            bare = await child("bare", spec, tmp)
            last = rnd == args.rounds - 1
            before = await remote.get("/state")  # here: the bot's process stays lean
            bot = await child("bot", spec | {"soak": args.soak if last else 0}, tmp)
            after = await remote.get("/state")
            bot |= {
                "requests": after["requests"] - before["requests"],
                "responses_429": after["rate_limited"] - before["rate_limited"],
                "violations": len(after["violations"]) - len(before["violations"]),
            }
            rounds.append({"bare": bare, "bot": bot})
            logging.getLogger("bench").info("round %d: %s", rnd + 1, rounds[-1])
        state = await remote.get("/state")
    return {
        "backend": dbs.backend,
        "guilds": args.guilds,
        "channels_per_guild": args.channels,
        "roles_per_guild": args.roles,
        "poll_guilds": len(poll_guilds),
        "open_polls": opened,
        "voters_per_poll_guild": args.voters,
        "bulk_create_s": round(bulk_s, 2),
        "prepare_s": round(prepare_s, 1),
        "rounds": rounds,
        "violations_total": len(state["violations"]),
    }


def _span(values: Sequence[float]) -> str:
    """Return "median (min-max)" of a few values, or the one value."""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def report(result: dict[str, Any], goal_s: float, goal_mb: float) -> None:
    """Print the start-up table and the soak table."""
    rounds = result["rounds"]
    bot = [r["bot"] for r in rounds]
    bare = [r["bare"] for r in rounds]
    ready = [b["startup_s"] for b in bot]
    bare_ready = [b["ready_s"] for b in bare]
    rss = [b["rss"]["startup"] for b in bot]
    bare_rss = [b["rss"]["ready"] for b in bare]
    ratio = [a / b for a, b in zip(ready, bare_ready, strict=True)]
    rss_ratio = [a / b for a, b in zip(rss, bare_rss, strict=True)]
    timeout = bot[0]["guild_ready_timeout"]
    rows = [
        Row(
            "IDENTIFY -> ready, s (bot: + start-up work)",
            _span(ready),
            _span(bare_ready),
            _span(ratio),
            f"<= {goal_s:g} s",
            "ok" if max(ready) <= goal_s else "OVER",
        ),
        Row(
            "IDENTIFY -> discord.py ready, s",
            _span([b["ready_s"] for b in bot]),
            _span(bare_ready),
        ),
        Row(
            "RSS at ready, MB",
            _span(rss),
            _span(bare_rss),
            _span(rss_ratio),
            f"<= {goal_mb:g} MB",
            "ok" if max(rss) <= goal_mb else "OVER",
        ),
        Row(
            "RSS before IDENTIFY, MB",
            _span([b["rss"]["identify"] for b in bot]),
            _span([b["rss"]["identify"] for b in bare]),
        ),
        Row(
            f"read-back of {bot[0]['open_polls']} open polls after ready, s",
            _span([b["read_back_s"] for b in bot]),
            goal="within the limits",
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
        f"{result['poll_guilds']}, {result['backend']}, {len(rounds)} round(s); "
        f"guild_ready_timeout {timeout:g} s for both"
    )
    print_table(title, rows)
    soak = bot[-1]["soak"]
    if not soak:
        return
    first = soak[0]["rss"]
    base = next((s["rss"] for s in soak if s["votes"] >= 2 * soak[-1]["votes"] // 10), first)
    rows = [
        Row(
            f"after {s['votes']:,} votes ({s['s']:.1f} s, backlog {s.get('backlog', 0):,})",
            f"{s['rss']:.1f} MB",
            f"{s['rss'] - first:+.1f} MB since the start",
        )
        for s in soak
    ]
    growth = soak[-1]["rss"] - base
    rows.append(
        Row(
            "growth after the first 20%",
            f"{growth:+.1f} MB",
            goal="< 5 MB",
            verdict="ok" if growth < 5 else "GROWS",
        )
    )
    rate = soak[-1]["votes"] / soak[-1]["s"] if soak[-1]["s"] else 0.0
    rows.append(Row("votes/s over the soak", f"{rate:,.0f}"))
    print_table(f"soak: RSS of the bot's process ({result['backend']})", rows)


def main() -> None:
    """Parse arguments; run as the coordinator, or as one measured child process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser)
    parser.add_argument("--guilds", type=int, default=None)
    parser.add_argument("--poll-guilds", type=int, default=None)
    parser.add_argument("--voters", type=int, default=None, help="members voting per poll guild")
    parser.add_argument("--channels", type=int, default=25)
    parser.add_argument("--roles", type=int, default=15)
    parser.add_argument("--soak", type=int, default=None, help="reaction events in the soak")
    parser.add_argument("--every", type=int, default=None, help="sample RSS every N events")
    parser.add_argument("--chunk", type=int, default=5000, help="ops per burst call")
    parser.add_argument(
        "--soak-by",
        choices=("flood", "burst"),
        default="flood",
        help="flood: made in the emulator, as fast as the bot reads (default); burst: posted"
        " by the bot's process in --chunk ops, at most 4 chunks ahead of its commits",
    )
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--guild-ready-timeout",
        type=float,
        default=2.0,
        help="the bare client's (the bot keeps its own; discord.py's default is 2 s)",
    )
    parser.add_argument(
        "--trace", action="store_true", help="tracemalloc the bot: what grew, to stderr"
    )
    parser.add_argument("--child", choices=("bare", "bot"), help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # no voice: PyNaCl, davey
    if args.child:
        asyncio.run(child_main(args.child, json.loads(args.spec.read_text())))
        return
    sizes(args)
    logging.getLogger("bench").setLevel(logging.INFO)
    result = asyncio.run(run(args))
    report(result, goal_s=10.0, goal_mb=160.0)
    out = args.out or OUT / f"guilds{'-postgresql' if args.postgres else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
