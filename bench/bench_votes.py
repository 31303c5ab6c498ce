"""Benchmark: votes/s the shipped bot commits against events/s a plain discord.py client receives.

Run from the repository root::

    .venv/bin/python bench/bench_votes.py                 # 5,000 members x 10 polls x 4 steps
    .venv/bin/python bench/bench_votes.py --postgres      # the bot on embedded PostgreSQL
    .venv/bin/python bench/bench_votes.py --quick         # a small run that proves it works

Four processes, as an operator and Discord would have them: the emulator (its own process),
the shipped bot (``python -m bot run`` on a fresh database, stopped with SIGTERM), the
reference (``bench/bare_client.py``: a plain ``discord.Client`` with the bot's intents and
discord.py's defaults, counting ``on_raw_reaction_add`` and ``_remove``), and this driver,
which only asks the emulator to send and reads the bot's database.

Each flood is made by the emulator itself (``POST /_emulator/reactions/flood``) from
``members x messages`` in four passes (``STEPS``): every member votes, changes the vote (adds
another option beside it: the bot also takes the older reaction off, within the rate limits),
retracts it, and votes again. Every event carries what Discord sends: reaction adds the whole
member object. Per round:

* **raw**: a websocket session that only counts frames (``harness.RawReader``): how fast the
  emulator can send.
* **bare**: the plain client, from the flood's start to its last event received.
* **bot**: from the flood's start until the last event's vote is committed, counted in the
  database by a separate connection; the bot commits in arrival order, so then every vote is,
  and the whole table is checked against what the flood leaves (each member's last choice).
* **probe**: the bot again, while a member runs ``/poll results`` every 250 ms (the emulator
  times each from its dispatch to the bot's first callback: Discord's 3 s deadline).

Two senders (``--modes``): **unbounded**, where nothing but the kernel's socket buffers (left to
its autotuning, several MB each way) holds the flood back, as a server's would; and **bounded**,
where the emulator keeps at most 256 KB beyond a chunk of 500 events and its gateway socket has
a 256 KB send buffer. The phases alternate their order by round; a round where the plain client
reaches 90% of the raw rate is invalid (the emulator set the pace). Prints a table per sender
and writes JSON to ``bench/out/votes[-postgresql].json``.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from discord_emulator.remote import Remote
from harness import (
    EMOJI,
    OUT,
    Databases,
    RawReader,
    Row,
    common_args,
    emulator,
    percentile,
    print_table,
)
from shipped import BareClient, ShippedBot, cpu_seconds, memory_mb, open_poll, poll_id_of, wait_for
from sqlalchemy import func, select

from bot.domain.outcomes import Choice
from db.models import Prediction, Vote
from db.session import Database

TIMEOUT = 600.0
INVALID_AT = 0.9
DEADLINE = 3.0
#: A vote, a change (a second option beside the first), a retraction, a vote again.
STEPS = ("add", "add", "remove", "add")
BOUNDED_BUFFER = 256 * 1024
GOALS = {"unbounded": (0.9, 1000.0), "bounded": (0.9, 500.0)}


@dataclass(slots=True)
class Phase:
    """One timed flood."""

    kind: str
    mode: str
    round: int
    events: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Return events per second."""
        return self.events / self.seconds


@dataclass(slots=True)
class World:
    """The emulator, its guild and members, and where the bot's databases come from."""

    remote: Remote
    info: dict[str, Any]
    guild_id: int
    owner_id: int
    general_id: int
    members: list[str]
    dbs: Databases
    log: Path


def final_choice(i: int, j: int, shift: int) -> int:
    """Return the ordinal of member `i`'s last vote on message `j` after the STEPS."""
    turn = STEPS.count("add") - 1
    choice = Choice.from_emoji(EMOJI[(i + j + shift + turn) % 3])
    assert choice is not None
    return choice.ordinal


async def flood(world: World, message_ids: list[str], shift: int, **extra: Any) -> int:
    """Start a flood of the STEPS on the messages; return its id."""
    body = {
        "message_ids": message_ids,
        "member_ids": world.members,
        "shift": shift,
        "steps": list(STEPS),
        **extra,
    }
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
    path = f"/channels/{world.general_id}/messages"
    return [(await world.remote.post(path, {"content": f"{tag} {i}"}))["id"] for i in range(n)]


def expected(world: World, args: argparse.Namespace) -> int:
    """Return the events in one flood."""
    return len(world.members) * args.messages * len(STEPS)


async def raw_phase(world: World, args: argparse.Namespace, mode: str, rnd: int) -> Phase:
    """Time the raw reader: the emulator's own send rate."""
    reader = RawReader()
    await reader.start()
    try:
        mids = await plain_messages(world, args.messages, f"raw {mode} {rnd}")
        reader.expect(expected(world, args))
        start = time.monotonic()
        fid = await flood(world, mids, rnd)
        await asyncio.wait_for(reader.done.wait(), TIMEOUT)
        elapsed = time.monotonic() - start
        report = await flood_report(world, fid)
    finally:
        await reader.stop()
    return Phase("raw", mode, rnd, expected(world, args), elapsed, {"sent": report["rate"]})


async def bare_phase(world: World, args: argparse.Namespace, mode: str, rnd: int) -> Phase:
    """Time how fast the plain discord.py client receives the flood, in its own process."""
    client = BareClient(world.info, expected(world, args))
    await client.start()
    try:
        mids = await plain_messages(world, args.messages, f"bare {mode} {rnd}")
        cpu = cpu_seconds(client.pid())
        start = time.monotonic()
        fid = await flood(world, mids, rnd)
        elapsed = await client.done_at(TIMEOUT) - start
        cpu = cpu_seconds(client.pid()) - cpu
        report = await flood_report(world, fid)
        extra = {"sent": report["rate"], "rss_peak_mb": memory_mb(client.pid())[1], "cpu_s": cpu}
    finally:
        await client.stop()
        await world.remote.post("/sessions/expire", {})
    return Phase("bare", mode, rnd, expected(world, args), elapsed, extra)


async def bot_phase(
    world: World, args: argparse.Namespace, mode: str, rnd: int, *, probe: bool = False
) -> Phase:
    """Time how fast the shipped bot commits the flood (with `probe`: and answers commands)."""
    kind = "probe" if probe else "bot"
    url = await world.dbs.fresh(f"votes_{kind}_{mode}_{rnd}")
    database = Database(url)
    # A channel of its own: poll ids restart in each fresh database.
    path = f"/guilds/{world.guild_id}/channels"
    channel = int((await world.remote.post(path, {"name": f"{kind}-{mode}-{rnd}"}))["id"])
    bot = ShippedBot(world.info, url, world.log)
    await bot.start()
    try:

        async def seeded() -> bool:
            try:
                async with database.read() as session:
                    n = await session.scalar(
                        select(func.count()).where(Prediction.guild_id == world.guild_id)
                    )
            except Exception:  # not migrated yet
                return False
            return bool(n and n >= args.messages)

        await wait_for(seeded, "the server seeded", bot)
        mids = [
            await open_poll(world.remote, world.guild_id, world.owner_id, channel, number)
            for number in range(1, args.messages + 1)
        ]
        polls = [await poll_id_of(database, mid) for mid in mids]
        # Discord's rate limits from here on: the bot takes superseded reactions off at their pace.
        await world.remote.post("/settings", {"ratelimits": True})
        spec: dict[str, Any] = {}
        if probe:
            spec["probe"] = {
                "guild_id": world.guild_id,
                "user_id": world.members[0],
                "channel_id": channel,
                "command": "/poll results",
                "options": {"prediction": 1},
                "every": args.probe_every,
            }
        last = (polls[-1], int(world.members[-1]))
        want = final_choice(len(world.members) - 1, len(mids) - 1, rnd)

        async def last_committed() -> bool:
            async with database.read() as session:
                choice = await session.scalar(
                    select(Vote.choice).where(Vote.poll_id == last[0], Vote.member_id == last[1])
                )
            return choice == want

        cpu = cpu_seconds(bot.pid())
        start = time.monotonic()
        fid = await flood(world, [str(m) for m in mids], rnd, **spec)
        await wait_for(last_committed, "the flood committed", bot, TIMEOUT, step=0.01)
        elapsed = time.monotonic() - start
        cpu = cpu_seconds(bot.pid()) - cpu
        report = await flood_report(world, fid)
        wrong = await differences(database, polls, world.members, rnd)
        if wrong:
            raise SystemExit(f"{wrong} votes differ from what the flood left")
        extra: dict[str, Any] = {
            "sent": report["rate"],
            "rss_peak_mb": memory_mb(bot.pid())[1],
            "cpu_s": cpu,
        }
        if probe:
            extra["probe"] = report["probe"]
    finally:
        extra_exit = await bot.stop()
        await world.remote.post("/settings", {"ratelimits": False})
        await world.remote.post("/sessions/expire", {})
        await database.dispose()
    if extra_exit != 0:
        raise SystemExit(f"the bot exited with {extra_exit} on SIGTERM; see {world.log}")
    return Phase(kind, mode, rnd, expected(world, args), elapsed, extra)


async def differences(database: Database, polls: list[int], members: list[str], shift: int) -> int:
    """Return how many (poll, member) votes differ from each member's last choice."""
    wrong = 0
    for j, poll_id in enumerate(polls):
        async with database.read() as session:
            rows = await session.execute(
                select(Vote.member_id, Vote.choice).where(Vote.poll_id == poll_id)
            )
            stored = {int(m): int(c) for m, c in rows}
        want = {int(m): final_choice(i, j, shift) for i, m in enumerate(members)}
        wrong += len(set(stored.items()) ^ set(want.items()))
    return wrong


async def run(args: argparse.Namespace) -> list[Phase]:
    """Run every round of every sender and return the phases."""
    dbs = Databases(args.postgres)
    phases: list[Phase] = []
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"votes-bot-{dbs.backend}.log"
    log.write_bytes(b"")
    async with emulator() as (remote, info):
        guild = await remote.post("/guilds", {"name": "Bench", "channels": ["general"]})
        gid = int(guild["id"])
        members = await remote.post(
            f"/guilds/{gid}/members", {"count": args.members, "prefix": "m"}
        )
        world = World(
            remote,
            info,
            gid,
            int(guild["owner_id"]),
            int(guild["channels"]["general"]),
            members["ids"],
            dbs,
            log,
        )
        for mode in args.modes:
            buffer = BOUNDED_BUFFER if mode == "bounded" else None
            await remote.post("/settings", {"gateway_send_buffer": buffer})
            for rnd in range(args.rounds if mode == "unbounded" else args.bounded_rounds):
                order: list[Callable[[], Awaitable[Phase]]] = [
                    lambda r=rnd, m=mode: raw_phase(world, args, m, r),
                    lambda r=rnd, m=mode: bare_phase(world, args, m, r),
                    lambda r=rnd, m=mode: bot_phase(world, args, m, r),
                    lambda r=rnd, m=mode: bot_phase(world, args, m, r, probe=True),
                ]
                if rnd % 2:
                    order.reverse()
                for make in order:
                    phase = await make()
                    phases.append(phase)
                    print(
                        f"  {mode} round {rnd + 1} {phase.kind:<5} {phase.events:>9,} in "
                        f"{phase.seconds:7.3f}s = {phase.rate:>9,.0f}/s",
                        flush=True,
                    )
    return phases


def summarize(args: argparse.Namespace, phases: list[Phase], mode: str) -> dict[str, Any]:
    """Return one sender's medians, same-run ratios, validity and the probe's latencies."""
    mine = [p for p in phases if p.mode == mode]

    def median(kind: str) -> float:
        return statistics.median(p.rate for p in mine if p.kind == kind)

    rounds = []
    for rnd in sorted({p.round for p in mine}):
        by = {p.kind: p for p in mine if p.round == rnd}
        rounds.append(
            {
                "round": rnd + 1,
                **{k: by[k].rate for k in ("raw", "bare", "bot", "probe")},
                "bare_over_raw": by["bare"].rate / by["raw"].rate,
                "bot_over_bare": by["bot"].rate / by["bare"].rate,
                "valid": by["bare"].rate < INVALID_AT * by["raw"].rate,
            }
        )
    probes = [p.extra["probe"] for p in mine if p.kind == "probe"]
    answered = [s for p in probes for s in p["answered_s"]]
    completed = [s for p in probes for s in p["completed_s"]]
    sent = sum(p["sent"] for p in probes)
    valid = [r for r in rounds if r["valid"]]
    return {
        "mode": mode,
        "events": args.members * args.messages * len(STEPS),
        "rounds": rounds,
        **{k: median(k) for k in ("raw", "bare", "bot")},
        "probe_bot": median("probe"),
        "ratio": statistics.median(r["bot_over_bare"] for r in valid) if valid else None,
        "ratios": [r["bot_over_bare"] for r in rounds],
        "valid_rounds": len(valid),
        "cpu_us": {
            k: statistics.median(p.extra["cpu_s"] / p.events * 1e6 for p in mine if p.kind == k)
            for k in ("bare", "bot")
        },
        "bot_peak_mb": max(p.extra["rss_peak_mb"] for p in mine if p.kind in ("bot", "probe")),
        "bare_peak_mb": max(p.extra["rss_peak_mb"] for p in mine if p.kind == "bare"),
        "probe": {
            "sent": sent,
            "p50_ms": percentile(answered, 0.5) * 1000,
            "p99_ms": percentile(answered, 0.99) * 1000,
            "max_ms": max(answered, default=float("nan")) * 1000,
            "late": sent - sum(s <= DEADLINE for s in answered),
            "completed_p50_ms": percentile(completed, 0.5) * 1000,
            "completed_p99_ms": percentile(completed, 0.99) * 1000,
        },
    }


def report(s: dict[str, Any], backend: str) -> None:
    """Print one sender's table."""
    ratio, probe = s["ratio"], s["probe"]
    least, p99_goal = GOALS[s["mode"]]
    span = ", ".join(f"{r:.2f}x" for r in s["ratios"])
    rows = [
        Row("raw reader (the emulator's send rate)", f"{s['raw']:,.0f}/s"),
        Row("plain discord.py client", f"{s['bare']:,.0f}/s", f"{s['raw']:,.0f}/s raw",
            f"{s['bare'] / s['raw']:.2f}x", f"< {INVALID_AT}x",
            "valid" if s["valid_rounds"] == len(s["rounds"]) else
            f"{len(s['rounds']) - s['valid_rounds']} round(s) invalid"),
        Row("bot, committed votes", f"{s['bot']:,.0f}/s", f"{s['bare']:,.0f}/s plain",
            "-" if ratio is None else f"{ratio:.2f}x", f">= {least}x",
            "no valid round" if ratio is None else ("OK" if ratio >= least else "MISSED")),
        Row("bot / plain, each round", span),
        Row("bot with the probe", f"{s['probe_bot']:,.0f}/s", f"{s['bare']:,.0f}/s plain",
            f"{s['probe_bot'] / s['bare']:.2f}x"),
        Row("CPU per event, bot / plain client", f"{s['cpu_us']['bot']:.1f} µs",
            f"{s['cpu_us']['bare']:.1f} µs", f"{s['cpu_us']['bot'] / s['cpu_us']['bare']:.2f}x"),
        Row("peak RSS, bot / plain client", f"{s['bot_peak_mb']:.0f} MB",
            f"{s['bare_peak_mb']:.0f} MB"),
        Row("/poll results acknowledged, p50", f"{probe['p50_ms']:.0f} ms"),
        Row("/poll results acknowledged, p99", f"{probe['p99_ms']:.0f} ms", "", "",
            f"<= {p99_goal:.0f} ms", "OK" if probe["p99_ms"] <= p99_goal else "MISSED"),
        Row("/poll results acknowledged, max", f"{probe['max_ms']:.0f} ms"),
        Row("/poll results late or unanswered", f"{probe['late']} of {probe['sent']}", "", "",
            "0", "OK" if probe["late"] == 0 else "MISSED"),
        Row("/poll results completed, p50 / p99",
            f"{probe['completed_p50_ms']:.0f} / {probe['completed_p99_ms']:.0f} ms"),
    ]  # fmt: skip
    print_table(
        f"votes, {s['mode']} sender: floods of {s['events']:,} reaction events (votes, changes, "
        f"retractions), {len(s['rounds'])} round(s), calledit run as a subprocess, {backend}, "
        "medians",
        rows,
    )


def main() -> None:
    """Parse arguments, run, print the tables and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--messages", type=int, default=10, help="polls (at most 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds with the unbounded sender")
    parser.add_argument("--bounded-rounds", type=int, default=1)
    parser.add_argument("--probe-every", type=float, default=0.25)
    parser.add_argument(
        "--modes", type=lambda v: v.split(","), default=["unbounded", "bounded"],
        help="senders to run, comma-separated: unbounded, bounded",
    )  # fmt: skip
    common_args(parser)
    args = parser.parse_args()
    if args.quick:
        args.members, args.messages, args.rounds, args.bounded_rounds = 300, 4, 1, 1
    if not 1 <= args.messages <= 10:
        parser.error("--messages: the bot seeds 10 predictions; give 1 to 10")
    backend = "postgresql" if args.postgres else "sqlite"
    out = args.out or OUT / f"votes{'-postgresql' if args.postgres else ''}.json"
    logging.basicConfig(level=logging.WARNING)
    phases = asyncio.run(run(args))
    summaries = [summarize(args, phases, mode) for mode in args.modes]
    for summary in summaries:
        report(summary, backend)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"backend": backend, "steps": STEPS, "senders": summaries}
    result["phases"] = [asdict(p) for p in phases]
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
