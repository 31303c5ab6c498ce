"""Benchmark: a burst of button clicks on a sealed poll, beside the same burst as reactions.

Run from the repository root::

    .venv/bin/python bench/bench_sealed.py                 # 5,000 members within 60 s
    .venv/bin/python bench/bench_sealed.py --postgres      # the bot on embedded PostgreSQL
    .venv/bin/python bench/bench_sealed.py --quick         # a small run that proves it works

Three processes, as an operator and Discord would have them: the emulator (its own process
and core), the shipped bot (``python -m bot run``, a subprocess on a fresh database) and this
driver, which only asks the emulator to send and reads the database.

* **clicks, paced**: ``members`` members each press one option's button of one sealed poll,
  spread evenly over ``seconds`` (``POST /_emulator/clicks/burst`` with a rate). The emulator
  times each click from its dispatch to the bot's first callback (Discord's 3 s deadline) and
  marks any click left unanswered as failed ("This interaction failed").
* **reactions, paced (reference)**: the same members add the same choices as reactions to a
  reaction poll at the same rate (``POST /_emulator/reactions/burst`` in slices).
* **clicks / reactions, all at once**: the same two with every event sent as fast as the
  gateway socket takes it (a click burst without a rate; ``POST /_emulator/reactions/flood``).

For every burst the driver counts what users would see last: the rows in ``votes`` of that
poll (and distinct members, so a vote stored twice would show), and times from the first event
sent until they are all there. Prints the table and writes JSON to
``bench/out/sealed[-postgresql].json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from discord_emulator.remote import Remote
from harness import OUT, Databases, Row, common_args, emulator, print_table
from shipped import ShippedBot, memory_mb, open_poll, poll_id_of, wait_for
from sqlalchemy import func, select

from db.models import Prediction, Vote
from db.session import Database

CHOICES = ("came_true", "partly", "did_not")
EMOJI = {"came_true": "✅", "partly": "🌓", "did_not": "❌"}
P99_GOAL_MS = 500.0
DEADLINE_MS = 3000.0


async def stored(database: Database, poll_id: int) -> tuple[int, int]:
    """Return the votes stored on a poll and the distinct members among them."""
    async with database.read() as session:
        rows, members = (
            await session.execute(
                select(func.count(), func.count(func.distinct(Vote.member_id))).where(
                    Vote.poll_id == poll_id
                )
            )
        ).one()
    return int(rows), int(members)


async def drain(database: Database, poll_id: int, want: int, started: float) -> dict[str, Any]:
    """Wait until `want` votes are stored on a poll; return the count and the time it took."""
    end = time.perf_counter() + 600
    rows, members = await stored(database, poll_id)
    while rows < want and time.perf_counter() < end:
        await asyncio.sleep(0.02)
        rows, members = await stored(database, poll_id)
    took = time.perf_counter() - started
    await asyncio.sleep(1.0)  # anything stored twice or late would show now
    rows, members = await stored(database, poll_id)
    return {"stored": rows, "members": members, "all_stored_s": took}


async def click_burst(
    remote: Remote, database: Database, message_id: int, poll_id: int, n: int, rate: float | None
) -> dict[str, Any]:
    """Run a click burst on a sealed poll; return the answers' report and what was stored."""
    custom_ids = [f"calledit:vote:{poll_id}:{c}" for c in CHOICES]
    counting = asyncio.ensure_future(drain(database, poll_id, n, time.perf_counter()))
    report = await remote.click_burst(
        message_id, members=n, custom_ids=custom_ids, rate=rate, timeout=600
    )
    if report.get("error"):
        raise SystemExit(f"click burst failed: {report['error']}")
    firsts = [c["first_answer_ms"] for c in report["clicks"] if c["first_answer_ms"] is not None]
    counted = await counting
    return {
        "clicks": len(report["clicks"]),
        "answered": len(firsts),
        "failed": report["failed"],
        "late": sum(1 for ms in firsts if ms > DEADLINE_MS),
        "p50_ms": pct(firsts, 0.50),
        "p99_ms": pct(firsts, 0.99),
        "max_ms": max(firsts) if firsts else None,
        "send_s": report["send_seconds"],
        **counted,
    }


async def reaction_burst(
    remote: Remote,
    database: Database,
    message_id: int,
    poll_id: int,
    members: list[str],
    rate: float | None,
) -> dict[str, Any]:
    """Send the same burst as reactions (paced in slices, or one flood); return what was stored."""
    started = time.perf_counter()
    counting = asyncio.ensure_future(drain(database, poll_id, len(members), started))
    if rate is None:
        flood = await remote.post(
            "/reactions/flood", {"message_ids": [str(message_id)], "member_ids": members}
        )
        while not (await remote.get(f"/reactions/flood/{flood['id']}"))["finished"]:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    else:
        step = 0.1
        per = max(1, round(rate * step))
        for i in range(0, len(members), per):
            ops = [
                [m, str(message_id), EMOJI[CHOICES[(i + k) % 3]], "add"]
                for k, m in enumerate(members[i : i + per])
            ]
            await remote.post("/reactions/burst", {"ops": ops})
            wait = started + (i + per) / rate - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
    sent_in = time.perf_counter() - started
    return {"send_s": sent_in, **(await counting)}


def pct(values: list[float], q: float) -> float | None:
    """Return the nearest-rank `q` quantile, None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the emulator and the bot, open the polls, run the four bursts; return results."""
    dbs = Databases(args.postgres)
    url = await dbs.fresh("sealed")
    rate = args.members / args.seconds
    async with emulator(ratelimits=True) as (remote, info):
        guild = await remote.post("/guilds", {"name": "Bench", "channels": ["general", "polls"]})
        members = await remote.post(
            f"/guilds/{guild['id']}/members", {"count": args.members, "prefix": "reactor"}
        )
        log = OUT / f"sealed-bot-{dbs.backend}.log"
        OUT.mkdir(parents=True, exist_ok=True)
        log.write_bytes(b"")
        bot = ShippedBot(info, url, log)
        database = Database(url)
        await bot.start()
        try:

            async def seeded() -> bool:
                try:
                    async with database.read() as session:
                        n = await session.scalar(
                            select(func.count()).where(Prediction.guild_id == int(guild["id"]))
                        )
                except Exception:  # not migrated yet
                    return False
                return bool(n and n >= 4)

            await wait_for(seeded, "the server seeded", bot)
            polls = {}
            for number, ballot in (
                (1, "sealed"),
                (2, "reactions"),
                (3, "sealed"),
                (4, "reactions"),
            ):
                message_id = await open_poll(
                    remote,
                    guild["id"],
                    guild["owner_id"],
                    guild["channels"]["polls"],
                    number,
                    ballot=ballot,
                )
                polls[number] = (message_id, await poll_id_of(database, message_id))
            results: dict[str, Any] = {"backend": dbs.backend, "members": args.members}
            results["bot_pid_rss_mb_start"] = memory_mb(bot.pid())[0]
            results["clicks_paced"] = await click_burst(
                remote, database, *polls[1], args.members, rate
            )
            results["reactions_paced"] = await reaction_burst(
                remote, database, *polls[2], members["ids"], rate
            )
            results["violations_paced"] = len((await remote.get("/state"))["violations"])
            results["clicks_at_once"] = await click_burst(
                remote, database, *polls[3], args.members, None
            )
            results["reactions_at_once"] = await reaction_burst(
                remote, database, *polls[4], members["ids"], None
            )
            results["bot_rss_mb_end"] = memory_mb(bot.pid())[0]
            state = await remote.get("/state")
            results["violations"] = len(state["violations"])
            results["rate_limited"] = state["rate_limited"]
        finally:
            await bot.stop()
            await database.dispose()
    results["seconds"] = args.seconds
    results["rate"] = rate
    return results


def table(r: dict[str, Any]) -> list[Row]:
    """Return the result rows: each click burst beside the same burst as reactions."""
    n = r["members"]
    rows = []
    for kind, label in (("paced", f"within {r['seconds']:g} s"), ("at_once", "all at once")):
        c, x = r[f"clicks_{kind}"], r[f"reactions_{kind}"]
        ok = c["failed"] == 0 and c["late"] == 0 and c["stored"] == c["members"] == n
        paced = kind == "paced"  # the goal's burst; all at once is reported beside it
        rows += [
            Row(
                f"clicks {label}: answered within 3 s",
                f"{c['answered'] - c['late']}/{c['clicks']} ({c['failed']} failed)",
                goal=f"{n}/{n}" if paced else "",
                verdict=("ok" if ok else "MISSED") if paced else "",
            ),
            Row(
                f"clicks {label}: first answer p50 / p99 / max, ms",
                f"{c['p50_ms']:.0f} / {c['p99_ms']:.0f} / {c['max_ms']:.0f}",
                goal=f"p99 <= {P99_GOAL_MS:.0f}" if kind == "paced" else "",
                verdict=(
                    ("ok" if c["p99_ms"] <= P99_GOAL_MS else "MISSED") if kind == "paced" else ""
                ),
            ),
            Row(
                f"stored once, clicks {label} (rows / members)",
                f"{c['stored']} / {c['members']}",
                f"{x['stored']} / {x['members']} (reactions)",
                goal=f"{n}",
                verdict="ok" if c["stored"] == c["members"] == n else "MISSED",
            ),
            Row(
                f"{label}: sent in, s",
                f"{c['send_s']:.2f}",
                f"{x['send_s']:.2f} (reactions)",
            ),
            Row(
                f"{label}: from the first sent to all stored, s",
                f"{c['all_stored_s']:.2f}",
                f"{x['all_stored_s']:.2f} (reactions)",
                ratio=f"{c['all_stored_s'] / x['all_stored_s']:.2f}x",
            ),
        ]
    rows.append(
        Row(
            "emulator: violations in the paced bursts / in all",
            f"{r['violations_paced']} / {r['violations']}",
            goal="0 / -",
            verdict="ok" if r["violations_paced"] == 0 else "MISSED",
        )
    )
    rows.append(Row("emulator: 429s", f"{r['rate_limited']}", goal="0"))
    rows.append(
        Row(
            "bot RSS start / end, MB",
            f"{r['bot_pid_rss_mb_start']:.0f} / {r['bot_rss_mb_end']:.0f}",
        )
    )
    return rows


def main() -> None:
    """Parse the arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser)
    parser.add_argument("--members", type=int, default=5000, help="members in each burst")
    parser.add_argument("--seconds", type=float, default=60.0, help="the paced bursts' length")
    args = parser.parse_args()
    if args.quick:
        args.members, args.seconds = 150, 2.0
    results = asyncio.run(run(args))
    print_table(
        f"sealed poll: {args.members:,} members' clicks beside the same reactions, "
        f"calledit run as a subprocess, {results['backend']}",
        table(results),
    )
    suffix = "-postgresql" if args.postgres else ""
    out = args.out or OUT / f"sealed{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
