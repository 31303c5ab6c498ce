"""Benchmark: the shipped bot reading back every open poll after a restart, against the limits.

Run from the repository root::

    .venv/bin/python bench/bench_read_back.py                 # 100 polls x 1,000 voters, 1 channel
    .venv/bin/python bench/bench_read_back.py --channels 4     # the polls spread over 4 channels
    .venv/bin/python bench/bench_read_back.py --speed 4        # rate limit windows 4x shorter
    .venv/bin/python bench/bench_read_back.py --postgres       # the bot on embedded PostgreSQL
    .venv/bin/python bench/bench_read_back.py --quick          # a small run that proves it works

Three processes: the emulator, the shipped bot (``python -m bot run``, as an operator runs
it, stopped with SIGTERM) and this driver, which only uses the emulator's control API and
reads the bot's database through a connection of its own.

1. The emulator has a guild with ``--channels`` poll channels and ``--voters`` members; rate
   limits are off while setting up. The bot starts on a fresh database and seeds the server;
   the missing predictions are added with ``/prediction add`` and ``--polls`` polls opened
   with ``/poll open`` (round robin over the channels). Then the bot is stopped.
2. While it is down, every voter reacts to every poll message (a random option each, through
   ``/reactions/burst``). Its session is expired first, so the events reach no session (the
   emulator says it delivered none, or the bench stops): a fresh IDENTIFY gets none of them,
   and the table shows the bot made no RESUME and how few gateway frames it was sent.
3. Discord's rate limits go on (reaction routes: 1 request per 0.25 s per channel, shared by
   every reaction route of the channel; 50 requests/s globally); the buckets are fresh, as
   no request counted against them while they were off. The bot starts again and is timed
   from its process start, and from its IDENTIFY (the emulator's count, polled every 10 ms),
   until the ``votes`` table holds one vote per voter and poll; then the table is compared
   with the reactions per poll, member and choice. Requests and 429s are the emulator's
   counts from the restart on: the bot's start-up, one read of each poll message (its
   reaction counts) and the reaction pages.
4. The minimum the limits allow: a channel needs ``sum(ceil(users / 100))`` reaction-user
   requests over its polls' options (users include the bot's own reaction; an option nobody
   else holds needs none), and with one request per window the last one can start
   ``(n - 1)`` windows after the first. Channels run side by side, so the minimum is the
   largest channel's. The goal: measured (from the process start) / minimum <= 1.2.

Prints a table and writes the result as JSON to ``bench/out/read_back-<backend>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from discord_emulator.ratelimit import ROUTE_LIMITS
from discord_emulator.remote import Remote
from harness import OUT, Databases, Row, common_args, emulator, print_table
from shipped import ShippedBot, cpu_seconds, memory_mb, open_poll, wait_for
from sqlalchemy import func, select

from bot.domain.outcomes import Choice
from db.models import Poll, Prediction, Vote
from db.session import Database

EMOJI = [c.emoji for c in Choice]
GOAL = 1.2


def reaction_window() -> tuple[int, float]:
    """Return the emulator's (limit, window) for reaction routes."""
    for _method, pattern, limit, window in ROUTE_LIMITS:
        if "/reactions" in pattern:
            return limit, window
    raise RuntimeError("no reaction route limit in the emulator")


async def count(database: Database, what: Any) -> int:
    """Return a count from the bot's database (0 before its schema exists)."""
    try:
        async with database.read() as session:
            return int(await session.scalar(what) or 0)
    except Exception:  # not migrated yet
        return 0


async def command(remote: Remote, guild: dict[str, Any], name: str, **options: Any) -> str:
    """Run a slash command as the guild's owner in #general; return the reply's text."""
    answer = await remote.post(
        "/commands/run",
        {
            "guild_id": guild["id"],
            "user_id": guild["owner_id"],
            "channel_id": guild["channels"]["general"],
            "command": name,
            "options": options,
        },
    )
    return str((answer.get("message") or {}).get("content", ""))


async def set_up(
    remote: Remote, guild: dict[str, Any], database: Database, bot: ShippedBot, polls: int
) -> list[tuple[int, int, int]]:
    """Seed, add the missing predictions and open the polls; return (poll, channel, message)."""
    gid = int(guild["id"])
    predictions = select(func.count()).where(Prediction.guild_id == gid)

    async def seeded() -> bool:
        return await count(database, predictions) > 0

    await wait_for(seeded, "the server seeded", bot)
    for n in range(await count(database, predictions), polls):
        reply = await command(
            remote, guild, "/prediction add", title=f"Bench {n + 1}", statement=f"Bench {n + 1}."
        )
        if not reply.startswith("Added prediction"):
            raise SystemExit(f"/prediction add: {reply!r}")
    channels = [cid for name, cid in guild["channels"].items() if name != "general"]
    for n in range(polls):
        await open_poll(remote, gid, guild["owner_id"], channels[n % len(channels)], n + 1)
    async with database.read() as session:
        rows = await session.execute(select(Poll.id, Poll.channel_id, Poll.message_id))
        opened = sorted((int(p), int(c), int(m)) for p, c, m in rows)
    if len(opened) != polls:
        raise SystemExit(f"{len(opened)} polls opened, not {polls}")
    return opened


async def react(
    remote: Remote, opened: list[tuple[int, int, int]], voters: list[str], rng: random.Random
) -> int:
    """Give every poll message a reaction from every voter; return the events dispatched."""
    dispatched = 0
    for _poll, _channel, message in opened:
        ops = [[voter, str(message), rng.choice(EMOJI), "add"] for voter in voters]
        dispatched += int((await remote.post("/reactions/burst", {"ops": ops}))["dispatched"])
    return dispatched


async def reactions(
    remote: Remote, opened: list[tuple[int, int, int]], bot_id: str
) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    """Return the reactions as votes per poll, and the reaction requests needed per channel."""
    truth: dict[int, dict[int, int]] = {}
    needed: dict[int, int] = {}
    for poll, channel, message in opened:
        state = await remote.get(f"/messages/{message}/reactions")
        truth[poll] = {}
        for emoji, users in state.items():
            choice = Choice.from_emoji(emoji)
            assert choice is not None, emoji
            truth[poll].update((int(u), choice.ordinal) for u in users if u != bot_id)
            if len(users) > 1:  # someone besides the bot
                needed[channel] = needed.get(channel, 0) + math.ceil(len(users) / 100)
    return truth, needed


async def differences(database: Database, truth: dict[int, dict[int, int]]) -> int:
    """Return how many (poll, member, choice) votes differ between the database and `truth`."""
    wrong = 0
    async with database.read() as session:
        for poll, want in truth.items():
            rows = await session.execute(
                select(Vote.member_id, Vote.choice).where(Vote.poll_id == poll)
            )
            stored = {int(m): int(c) for m, c in rows}
            wrong += len(set(stored.items()) ^ set(want.items()))
    return wrong


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, restart the bot with the reactions waiting, time it, check it; return numbers."""
    rng = random.Random(args.seed)
    dbs = Databases(args.postgres)
    url = await dbs.fresh("read_back")
    database = Database(url)
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"read_back-bot-{dbs.backend}.log"
    log.write_bytes(b"")
    names = ["general", *(f"polls-{n}" for n in range(args.channels))]
    async with emulator() as (remote, info):
        await remote.post("/settings", {"ratelimit_speed": args.speed})
        guild = await remote.post("/guilds", {"name": "Bench", "channels": names})
        path = f"/guilds/{guild['id']}/members"
        voters = (await remote.post(path, {"count": args.voters, "prefix": "v"}))["ids"]
        bot = ShippedBot(info, url, log)
        await bot.start()
        try:
            opened = await set_up(remote, guild, database, bot, args.polls)
        finally:
            exits = [await bot.stop()]
        await remote.post("/sessions/expire", {})
        state = await remote.get("/state")
        if state["sessions"]:
            raise SystemExit(f"a gateway session outlived the bot: {state['sessions']}")
        dispatched = await react(remote, opened, voters, rng)
        if dispatched:
            raise SystemExit(f"{dispatched} reaction events reached a gateway session")
        truth, needed = await reactions(remote, opened, state["bot_id"])
        expected = sum(len(votes) for votes in truth.values())
        limit, window = reaction_window()
        window /= args.speed
        minimum = max(math.ceil(n / limit - 1) * window for n in needed.values())

        await remote.post("/settings", {"ratelimits": True})
        before = await remote.get("/state")
        bot = ShippedBot(info, url, log)
        started = time.monotonic()
        await bot.start()
        try:

            async def identified() -> bool:
                now = await remote.get("/state")
                return bool(
                    now["identifies"] > before["identifies"] or now["resumes"] > before["resumes"]
                )

            async def read_back() -> bool:
                return await count(database, select(func.count()).select_from(Vote)) >= expected

            await wait_for(identified, "the bot's IDENTIFY", bot, step=0.01)
            identify = time.monotonic()
            cpu = cpu_seconds(bot.pid())
            timeout = max(120.0, 3 * minimum)
            await wait_for(read_back, "the votes read back", bot, timeout, step=0.02)
            done = time.monotonic()
            cpu = cpu_seconds(bot.pid()) - cpu
            after = await remote.get("/state")
            await remote.post("/settings", {"ratelimits": False})
            wrong = await differences(database, truth)
            peak = memory_mb(bot.pid())[1]
        finally:
            exits.append(await bot.stop())
            await database.dispose()
    seconds, from_identify = done - started, done - identify
    return {
        "backend": dbs.backend,
        "polls": args.polls,
        "voters_per_poll": args.voters,
        "channels": args.channels,
        "speed": args.speed,
        "reactions": expected,
        "events_dispatched_while_down": dispatched,
        "seconds": round(seconds, 2),
        "seconds_from_identify": round(from_identify, 2),
        "start_to_identify_s": round(identify - started, 2),
        "minimum_seconds": round(minimum, 2),
        "ratio": round(seconds / minimum, 3) if minimum else None,
        "ratio_from_identify": round(from_identify / minimum, 3) if minimum else None,
        "requests": after["requests"] - before["requests"],
        "reaction_requests_needed": sum(needed.values()),
        "responses_429": after["rate_limited"] - before["rate_limited"],
        "resumes": after["resumes"] - before["resumes"],
        "gateway_frames_to_bot": after["frames_sent"],
        "votes_differing": wrong,
        "db_equals_reactions": wrong == 0,
        "bot_cpu_s": round(cpu, 2),
        "bot_peak_rss_mb": round(peak, 1),
        "exit_status_on_sigterm": exits,
    }


def report(r: dict[str, Any]) -> None:
    """Print the table."""
    minimum = f"{r['minimum_seconds']:.2f} s the limits allow"

    def ratio(key: str) -> str:
        return "-" if r[key] is None else f"{r[key]:.3f}x"

    met = r["ratio"] is not None and r["ratio"] <= GOAL
    exits = " / ".join(str(e) for e in r["exit_status_on_sigterm"])
    print_table(
        f"read-back after a restart: {r['polls']} polls x {r['voters_per_poll']:,} voters, "
        f"{r['channels']} channel(s), calledit run as a subprocess, {r['backend']}",
        [
            Row("process start -> database equals the reactions", f"{r['seconds']:.2f} s",
                minimum, ratio("ratio"), f"<= {GOAL}x", "OK" if met else "MISSED"),
            Row("IDENTIFY -> database equals the reactions", f"{r['seconds_from_identify']:.2f} s",
                minimum, ratio("ratio_from_identify")),
            Row("process start -> IDENTIFY", f"{r['start_to_identify_s']:.2f} s"),
            Row("requests to Discord after the restart", f"{r['requests']:,}",
                f"{r['reaction_requests_needed']:,} reaction pages + {r['polls']} messages"),
            Row("429 answers", str(r["responses_429"]), "", "", "0",
                "OK" if r["responses_429"] == 0 else "MISSED"),
            Row("RESUMEs / gateway frames to the bot",
                f"{r['resumes']} / {r['gateway_frames_to_bot']:,}",
                f"{r['reactions']:,} reactions made while down"),
            Row("bot CPU / peak RSS", f"{r['bot_cpu_s']:.1f} s / {r['bot_peak_rss_mb']:.0f} MB"),
            Row("exit status on SIGTERM (set-up / timed)", exits),
            Row("database equals the reactions (poll, member, choice)",
                str(r["db_equals_reactions"]), f"{r['votes_differing']} differ", "", "True",
                "OK" if r["db_equals_reactions"] else "MISSED"),
        ],
    )  # fmt: skip


def main() -> None:
    """Parse arguments, run once, print and save the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=100)
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--speed", type=float, default=1.0, help="rate limit windows / speed")
    parser.add_argument("--seed", type=int, default=5)
    common_args(parser)
    args = parser.parse_args()
    if args.quick:
        args.polls, args.voters, args.speed = 4, 150, 10.0
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(run(args))
    report(result)
    out = args.out or OUT / f"read_back-{result['backend']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")
    if not result["db_equals_reactions"] or any(result["exit_status_on_sigterm"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
