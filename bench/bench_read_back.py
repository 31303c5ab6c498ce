"""Benchmark: reading back every open poll's reactions, against the rate limits' minimum.

Run from the repository root::

    .venv/bin/python bench/bench_read_back.py                 # 100 polls x 1,000 voters, 1 channel
    .venv/bin/python bench/bench_read_back.py --channels 4     # the polls spread over 4 channels
    .venv/bin/python bench/bench_read_back.py --speed 4        # rate limit windows 4x shorter
    .venv/bin/python bench/bench_read_back.py --postgres       # the bot on embedded PostgreSQL
    .venv/bin/python bench/bench_read_back.py --quick          # a small run that proves it works

What it does:

1. Starts the local Discord emulator with Discord's rate limits (reaction routes: 1 request
   per 0.25 s per channel, shared by every reaction route of that channel; 50 requests/s
   globally), a guild with ``--channels`` poll channels and ``--voters`` members, and the bot
   on a fresh SQLite file.
2. Opens ``--polls`` polls (rate limits off while setting up, so only the read-back is timed)
   and gives each poll message a reaction from every voter (a random option each), as if the
   bot had been offline: no gateway event reaches it.
3. With rate limits on and fresh buckets, times ``Publisher.read_back_all()`` - what the bot
   does after every fresh session - and checks the database then equals the reactions.
4. The minimum the limits allow: a channel needs ``sum(ceil(users / 100))`` reaction-user
   requests over its polls' options (users include the bot's own reaction; an option nobody
   else holds needs none), and with one request per window the last one can start
   ``(n - 1)`` windows after the first. Channels run side by side, so the minimum is the
   largest channel's. The goal: measured / minimum <= 1.2.

Prints a table and writes the result as JSON to ``bench/out/read_back[-postgresql].json``.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from discord_emulator import Emulator
from discord_emulator.connect import connect_client
from discord_emulator.ratelimit import ROUTE_LIMITS
from harness import OUT, Databases, Row, common_args, print_table

from bot.app import CalledItBot
from bot.domain.clock import SystemClock
from bot.domain.outcomes import Choice
from bot.services import Services
from db.migrate import upgrade
from db.session import Database

EMOJI = [c.emoji for c in Choice]


def reaction_window() -> tuple[int, float]:
    """Return the emulator's (limit, window) for reaction routes."""
    for _method, pattern, limit, window in ROUTE_LIMITS:
        if "/reactions" in pattern:
            return limit, window
    raise RuntimeError("no reaction route limit in the emulator")


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Set up, time one full read-back, check it, and return the numbers."""
    rng = random.Random(args.seed)
    emu = Emulator(ratelimits=False, ratelimit_speed=args.speed, validate_spec=False)
    async with emu:
        names = tuple(f"polls-{n}" for n in range(args.channels))
        guild = emu.create_guild("Bench", channels=names)
        channels = [c for c in guild.channels.values() if c.name in names]
        voters = [emu.add_member(guild, f"v{n:05d}").id for n in range(args.voters)]
        database = Database(await Databases(args.postgres).fresh("read_back"))
        await upgrade(database)
        services = Services.build(database, SystemClock())
        for n in range(args.polls):
            await services.predictions.add(
                guild.id, title=f"Prediction {n + 1}", statement=f"Statement {n + 1}."
            )
        bot = CalledItBot(services, scheduler_interval=3600)
        try:
            async with connect_client(emu, bot, timeout=60):
                await asyncio.wait_for(bot.settled.wait(), 60)
                messages: list[tuple[int, int]] = []
                for n in range(args.polls):
                    channel = channels[n % len(channels)]
                    opened = await bot.workflows.opening.open(
                        guild.id,
                        n + 1,
                        channel_id=channel.id,
                        here=None,
                        hours=None,
                        actor=None,
                    )
                    message_id = opened.message_id
                    messages.append((channel.id, message_id))
                emu.lose_reactions(
                    [
                        (voter, message_id, rng.choice(EMOJI), "add")
                        for _, message_id in messages
                        for voter in voters
                    ]
                )
                limit, window = reaction_window()
                window /= args.speed
                needed: dict[int, int] = {}
                for channel_id, message_id in messages:
                    for users in emu.reactions(message_id).values():
                        if len(users) > 1:  # someone besides the bot
                            needed[channel_id] = needed.get(channel_id, 0) + math.ceil(
                                len(users) / 100
                            )
                minimum = max(math.ceil(n / limit - 1) * window for n in needed.values())

                emu.ratelimiter.buckets.clear()
                emu.ratelimiter.enabled = True
                emu.clear_records()
                started = time.perf_counter()
                results = await bot.workflows.read_back.all()
                seconds = time.perf_counter() - started
                emu.ratelimiter.enabled = False

                reads = [r for r in emu.requests if "/reactions/" in r.route and r.method == "GET"]
                limited = sum(1 for r in emu.requests if r.status == 429)
                added = sum(r.report.added for r in results if r.report is not None)
                exact = True
                for ref in bot.discord_io.polls.all():
                    stored = await services.votes.votes_of_poll(ref.poll_id)
                    truth = {
                        user: Choice.from_emoji(emoji)
                        for emoji, users in emu.reactions(ref.message_id).items()
                        for user in users
                        if user != emu.bot.id
                    }
                    exact = exact and stored == truth
        finally:
            await database.dispose()
    return {
        "backend": "postgresql" if args.postgres else "sqlite",
        "polls": args.polls,
        "voters_per_poll": args.voters,
        "channels": args.channels,
        "speed": args.speed,
        "reaction_requests": len(reads),
        "requests_needed": sum(needed.values()),
        "responses_429": limited,
        "votes_added": added,
        "db_equals_reactions": exact,
        "seconds": round(seconds, 2),
        "minimum_seconds": round(minimum, 2),
        "ratio": round(seconds / minimum, 3) if minimum else None,
    }


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
    ratio = result["ratio"]
    print_table(
        f"read-back: {result['polls']} polls x {result['voters_per_poll']:,} voters, "
        f"{result['channels']} channel(s), {result['backend']}",
        [
            Row(
                "read-back of every open poll",
                f"{result['seconds']:.2f} s",
                f"{result['minimum_seconds']:.2f} s the limits allow",
                "-" if ratio is None else f"{ratio:.3f}x",
                "<= 1.2x",
                "OK" if ratio is not None and ratio <= 1.2 else "MISSED",
            ),
            Row("reaction requests", f"{result['reaction_requests']:,}",
                f"{result['requests_needed']:,} needed"),
            Row("429 answers", str(result["responses_429"]), "", "", "0",
                "OK" if result["responses_429"] == 0 else "MISSED"),
            Row("database equals the reactions", str(result["db_equals_reactions"]), "", "",
                "True", "OK" if result["db_equals_reactions"] else "MISSED"),
        ],
    )  # fmt: skip
    out = args.out or OUT / f"read_back-{result['backend']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
