"""Benchmark: votes/s the bot commits against events/s a bare discord.py client receives.

Run from the repository root::

    .venv/bin/python bench/bench_votes.py                 # 3 rounds of 100,000 reaction adds
    .venv/bin/python bench/bench_votes.py --postgres      # the bot on embedded PostgreSQL
    .venv/bin/python bench/bench_votes.py --members 2000  # 20,000 per burst
    .venv/bin/python bench/bench_votes.py --quick         # a small run that proves it works

One run, against the emulator in its own process (its own core):

* **raw**: a websocket session that only counts frames (``harness.RawReader``) receives a
  flood of ``members x messages`` reaction adds that the emulator makes itself
  (``POST /_emulator/reactions/flood``) and sends as fast as the socket takes them. Its rate is
  the harness's own: how fast the emulator can send.
* **bare**: a bare ``discord.Client`` (the bot's intents, no caches) receives the same-shaped
  flood, counting ``on_raw_reaction_add``: the reference.
* **bot**: ``CalledItBot`` on a fresh database opens ``messages`` polls (posted over REST) and
  the same-shaped flood lands on them; timed until the writer has committed every vote and a
  ``count(*)`` over ``votes`` agrees.
* **probe**: the bot again, while a member runs ``/poll results`` every 250 ms through the same
  gateway (the emulator times each interaction from dispatch to the bot's first callback, and
  to the completed answer).

The emulator holds at most 256 KB beyond one chunk of 500 events, and its gateway socket has a
256 KB kernel send buffer (``--send-buffer``; 0 leaves it to the kernel's autotuning, several
MB): what waits between it and a slower reader is bounded, as on a gateway.

The phases alternate their order by round. A round where the bare client reaches 90% of the
raw rate is reported as invalid: there the emulator, not the client, set the pace. Prints the
table of medians and same-run ratios; writes JSON to ``bench/out/votes[-postgresql].json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import discord
from discord_emulator.remote import Remote
from harness import (
    OUT,
    Databases,
    RawReader,
    Row,
    bare_client,
    common_args,
    emulator,
    percentile,
    print_table,
    start_client,
    stop_client,
)
from sqlalchemy import func, select

from bot.app import CalledItBot
from bot.domain.clock import SystemClock
from bot.services import Services
from db import migrate
from db.models import Vote
from db.session import Database

TIMEOUT = 600.0
INVALID_AT = 0.9
DEADLINE = 3.0


@dataclass(slots=True)
class Phase:
    """One timed flood."""

    kind: str
    round: int
    events: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Return events per second."""
        return self.events / self.seconds


class PhaseClock(SystemClock):
    """The wall clock moved on by a whole minute per bot phase.

    Poll ids restart at 1 in each fresh database, and a poll message's nonce is its id and
    opening second: phases opened within one second would get Discord's answer to a repeated
    nonce (the earlier phase's message) instead of a new post.
    """

    phases = 0

    def __init__(self) -> None:
        PhaseClock.phases += 1
        self._offset = timedelta(minutes=PhaseClock.phases)

    def now(self) -> datetime:
        """Return the current aware UTC datetime, moved on."""
        return super().now() + self._offset


@dataclass(slots=True)
class World:
    """The emulator, its guild, channel and members."""

    remote: Remote
    guild_id: int
    channel_id: int
    members: list[str]


async def flood(world: World, message_ids: list[str], rnd: int, **extra: Any) -> int:
    """Start a flood of each member's reaction on each message; return its id."""
    body = {"message_ids": message_ids, "member_ids": world.members, "shift": rnd, **extra}
    return int((await world.remote.post("/reactions/flood", body))["id"])


async def flood_report(world: World, flood_id: int) -> dict[str, Any]:
    """Wait for a flood (and its probe) to finish; return its report."""
    while True:
        report = await world.remote.get(f"/reactions/flood/{flood_id}")
        if report["finished"]:
            if report["error"]:
                raise RuntimeError(f"flood failed: {report['error']}")
            return report
        await asyncio.sleep(0.05)


async def plain_messages(world: World, n: int, tag: str) -> list[str]:
    """Post `n` plain messages as the guild owner."""
    path = f"/channels/{world.channel_id}/messages"
    return [(await world.remote.post(path, {"content": f"{tag} {i}"}))["id"] for i in range(n)]


async def raw_phase(world: World, args: argparse.Namespace, rnd: int) -> Phase:
    """Time the raw reader: the emulator's own send rate."""
    reader = RawReader()
    await reader.start()
    try:
        mids = await plain_messages(world, args.messages, f"raw {rnd}")
        expected = len(world.members) * len(mids)
        reader.expect(expected)
        start = time.perf_counter()
        fid = await flood(world, mids, rnd)
        await asyncio.wait_for(reader.done.wait(), TIMEOUT)
        elapsed = time.perf_counter() - start
        report = await flood_report(world, fid)
    finally:
        await reader.stop()
    return Phase("raw", rnd, expected, elapsed, {"emulator_rate": report["rate"]})


async def bare_phase(world: World, args: argparse.Namespace, rnd: int) -> Phase:
    """Time how fast a bare discord.py client receives the flood."""
    client = bare_client()
    count, expected = 0, len(world.members) * args.messages
    done = asyncio.Event()

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        nonlocal count
        count += 1
        if count >= expected:
            done.set()

    client.event(on_raw_reaction_add)
    task = await start_client(client)
    try:
        mids = await plain_messages(world, args.messages, f"bare {rnd}")
        start = time.perf_counter()
        fid = await flood(world, mids, rnd)
        await asyncio.wait_for(done.wait(), TIMEOUT)
        elapsed = time.perf_counter() - start
        report = await flood_report(world, fid)
    finally:
        await stop_client(client, task)
    return Phase("bare", rnd, expected, elapsed, {"emulator_rate": report["rate"]})


async def bot_phase(
    world: World, args: argparse.Namespace, rnd: int, dbs: Databases, *, probe: bool = False
) -> Phase:
    """Time how fast the bot commits the flood as votes (with `probe`: and answers commands)."""
    kind = "probe" if probe else "bot"
    db = Database(await dbs.fresh(f"votes_{kind}_{rnd}"))
    await migrate.upgrade(db)
    services = Services.build(db, PhaseClock())
    for i in range(args.messages):
        await services.predictions.add(
            world.guild_id, title=f"Bench {rnd}.{i}", statement=f"Benchmark prediction {rnd}.{i}."
        )
    bot = CalledItBot(services, seed=None, scheduler_interval=3600)
    # A channel of its own: poll ids restart in each fresh database, and the bot's check for
    # a post that already landed would otherwise adopt an earlier phase's poll message.
    path = f"/guilds/{world.guild_id}/channels"
    channel_id = int((await world.remote.post(path, {"name": f"{kind}-{rnd}"}))["id"])
    expected = len(world.members) * args.messages
    extra: dict[str, Any] = {}
    task = await start_client(bot)
    try:
        await asyncio.wait_for(bot.settled.wait(), 30)
        mids: list[str] = []
        for number in range(1, args.messages + 1):
            opened = await bot.workflows.opening.open(
                world.guild_id,
                number,
                channel_id=world.channel_id,
                here=None,
                hours=None,
                actor=None,
            )
            mids.append(str(opened.message_id))
        writer = bot.workflows.writer
        await writer.flush()
        base, batches = writer.committed, writer.batches
        spec: dict[str, Any] = {}
        if probe:
            spec["probe"] = {
                "guild_id": world.guild_id,
                "user_id": world.members[0],
                "channel_id": channel_id,
                "command": "/poll results",
                "options": {"prediction": 1},
                "every": args.probe_every,
            }
        start = time.perf_counter()
        fid = await flood(world, mids, rnd, **spec)
        intake: dict[str, float] = {}
        rows = await asyncio.wait_for(
            committed(bot, db, base + expected, expected, intake), TIMEOUT
        )
        elapsed = time.perf_counter() - start
        report = await flood_report(world, fid)
        if rows != expected:
            raise RuntimeError(f"{rows} votes stored for {expected} reactions")
        extra = {
            "emulator_rate": report["rate"],
            "batches": writer.batches - batches,
            "intake_rate": expected / (intake.get("at", time.perf_counter()) - start),
        }
        if probe:
            extra["probe"] = report["probe"]
    finally:
        await stop_client(bot, task)
        await db.dispose()
    return Phase(kind, rnd, expected, elapsed, extra)


async def committed(
    bot: CalledItBot, db: Database, target: int, rows: int, intake: dict[str, float]
) -> int:
    """Wait until the writer has committed `target` events and `votes` holds `rows` rows.

    Notes in `intake` when the writer had received them all (the bot's intake, before the
    database).
    """
    writer = bot.workflows.writer
    while True:
        if "at" not in intake and writer.received >= target:
            intake["at"] = time.perf_counter()
        if writer.committed >= target:
            async with db.read() as session:
                count = int(await session.scalar(select(func.count()).select_from(Vote)) or 0)
            if count >= rows:
                return count
        await asyncio.sleep(0.005)


async def run(args: argparse.Namespace) -> list[Phase]:
    """Run every round and return the phases."""
    dbs = Databases(args.postgres)
    phases: list[Phase] = []
    async with emulator() as (remote, _):
        await remote.post("/settings", {"gateway_send_buffer": args.send_buffer or None})
        guild = await remote.post("/guilds", {"name": "Bench", "channels": ["polls"]})
        gid = int(guild["id"])
        members = await remote.post(
            f"/guilds/{gid}/members", {"count": args.members, "prefix": "m"}
        )
        world = World(remote, gid, int(guild["channels"]["polls"]), members["ids"])
        for rnd in range(args.rounds):
            order: list[Callable[[], Awaitable[Phase]]] = [
                lambda r=rnd: raw_phase(world, args, r),
                lambda r=rnd: bare_phase(world, args, r),
                lambda r=rnd: bot_phase(world, args, r, dbs),
                lambda r=rnd: bot_phase(world, args, r, dbs, probe=True),
            ]
            if rnd % 2:
                order.reverse()
            for make in order:
                phase = await make()
                phases.append(phase)
                print(
                    f"  round {rnd + 1} {phase.kind:<5} {phase.events:>9,} in "
                    f"{phase.seconds:7.3f}s = {phase.rate:>9,.0f}/s",
                    flush=True,
                )
    return phases


def summarize(args: argparse.Namespace, phases: list[Phase]) -> dict[str, Any]:
    """Return medians, same-run ratios, validity and the probe's latencies."""

    def median(kind: str) -> float:
        return statistics.median(p.rate for p in phases if p.kind == kind)

    rounds = []
    for rnd in range(args.rounds):
        by = {p.kind: p for p in phases if p.round == rnd}
        rounds.append(
            {
                "round": rnd + 1,
                "raw": by["raw"].rate,
                "bare": by["bare"].rate,
                "bot": by["bot"].rate,
                "bare_over_raw": by["bare"].rate / by["raw"].rate,
                "bot_over_bare": by["bot"].rate / by["bare"].rate,
                "valid": by["bare"].rate < INVALID_AT * by["raw"].rate,
            }
        )
    answered = [s for p in phases if p.kind == "probe" for s in p.extra["probe"]["answered_s"]]
    completed = [s for p in phases if p.kind == "probe" for s in p.extra["probe"]["completed_s"]]
    sent = sum(p.extra["probe"]["sent"] for p in phases if p.kind == "probe")
    late = sent - sum(s <= DEADLINE for s in answered)
    valid = [r for r in rounds if r["valid"]]
    return {
        "backend": "postgresql" if args.postgres else "sqlite",
        "events": args.members * args.messages,
        "rounds": rounds,
        "raw": median("raw"),
        "bare": median("bare"),
        "bot": median("bot"),
        "probe_bot": median("probe"),
        "intake": statistics.median(p.extra["intake_rate"] for p in phases if p.kind == "bot"),
        "ratio": statistics.median(r["bot_over_bare"] for r in valid) if valid else None,
        "valid_rounds": len(valid),
        "probe": {
            "sent": sent,
            "p50_ms": percentile(answered, 0.5) * 1000,
            "p99_ms": percentile(answered, 0.99) * 1000,
            "max_ms": max(answered, default=float("nan")) * 1000,
            "late": late,
            "completed_p50_ms": percentile(completed, 0.5) * 1000,
            "completed_p99_ms": percentile(completed, 0.99) * 1000,
        },
        "phases": [asdict(p) for p in phases],
        "discord.py": discord.__version__,
    }


def report(s: dict[str, Any]) -> None:
    """Print the table."""
    ratio = s["ratio"]
    probe = s["probe"]
    rows = [
        Row("raw reader (the emulator's send rate)", f"{s['raw']:,.0f}/s"),
        Row("bare discord.py client", f"{s['bare']:,.0f}/s", f"{s['raw']:,.0f}/s raw",
            f"{s['bare'] / s['raw']:.2f}x", f"< {INVALID_AT}x",
            "valid" if s["valid_rounds"] == len(s["rounds"]) else
            f"{len(s['rounds']) - s['valid_rounds']} round(s) invalid"),
        Row("bot, committed votes", f"{s['bot']:,.0f}/s", f"{s['bare']:,.0f}/s bare",
            "-" if ratio is None else f"{ratio:.2f}x", ">= 0.8x",
            "no valid round" if ratio is None else ("OK" if ratio >= 0.8 else "MISSED")),
        Row("bot intake (received by the writer)", f"{s['intake']:,.0f}/s",
            f"{s['bare']:,.0f}/s bare", f"{s['intake'] / s['bare']:.2f}x"),
        Row("bot with the probe", f"{s['probe_bot']:,.0f}/s", f"{s['bare']:,.0f}/s bare",
            f"{s['probe_bot'] / s['bare']:.2f}x"),
        Row("/poll results acknowledged, p50", f"{probe['p50_ms']:.0f} ms"),
        Row("/poll results acknowledged, p99", f"{probe['p99_ms']:.0f} ms", "", "",
            "<= 500 ms", "OK" if probe["p99_ms"] <= 500 else "MISSED"),
        Row("/poll results acknowledged, max", f"{probe['max_ms']:.0f} ms", "", "",
            "<= 3000 ms", "OK" if probe["max_ms"] <= 3000 else "MISSED"),
        Row("/poll results late or unanswered", f"{probe['late']} of {probe['sent']}", "", "",
            "0", "OK" if probe["late"] == 0 else "MISSED"),
        Row("/poll results completed, p50 / p99",
            f"{probe['completed_p50_ms']:.0f} / {probe['completed_p99_ms']:.0f} ms"),
    ]  # fmt: skip
    print_table(
        f"votes: floods of {s['events']:,} reaction adds, {len(s['rounds'])} round(s), "
        f"{s['backend']}, medians",
        rows,
    )


def main() -> None:
    """Parse arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--probe-every", type=float, default=0.25)
    parser.add_argument(
        "--send-buffer",
        type=int,
        default=256 * 1024,
        help="the emulator's gateway socket send buffer in bytes (0: the kernel's autotuning)",
    )
    common_args(parser)
    args = parser.parse_args()
    if args.quick:
        args.members, args.messages, args.rounds = 300, 4, 1
    out = args.out or OUT / f"votes-{'postgresql' if args.postgres else 'sqlite'}.json"
    logging.basicConfig(level=logging.WARNING)
    summary = summarize(args, asyncio.run(run(args)))
    report(summary)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
