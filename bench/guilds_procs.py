"""bench_guilds' processes: the shipped bot and the plain client timed from their logs, the soak.

Both processes log what discord.py logs at INFO: the session's READY ("has connected to
Gateway"), which the emulator answers to IDENTIFY at once, stands for IDENTIFY. The bot then
logs "connected as" in its ``on_ready`` and "read back N open poll(s)" when its start-up work
is done; the plain client prints ``ready``. Resident memory is read from ``/proc`` by the
driver, never by the process measured.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from discord_emulator.remote import Remote
from harness import EMOJI, REPO
from shipped import ShippedBot, memory_mb, tail
from sqlalchemy import text

from bot.domain.outcomes import Choice
from db.session import Database

#: What the bot logs at each moment measured (its log lines at LOG_LEVEL=INFO).
BOT_MARKS = {
    "session": "has connected to Gateway",
    "ready": "bot.app: connected as",
    "settled": "bot.workflows.read_back: read back",
}
BOT_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


@dataclass
class Moments:
    """Epoch times of the moments measured, and the RSS first seen after each."""

    started: float
    at: dict[str, float] = field(default_factory=dict)
    rss: dict[str, float] = field(default_factory=dict)

    def since(self, name: str, start: str = "session") -> float | None:
        """Return seconds from `start` to `name` (None if either is missing)."""
        if name not in self.at or (start != "started" and start not in self.at):
            return None
        origin = self.started if start == "started" else self.at[start]
        return round(self.at[name] - origin, 3)


def bot_moments(log: Path, moments: Moments) -> None:
    """Read the bot's log and note the first time of each of BOT_MARKS found."""
    for line in log.read_text(errors="replace").splitlines():
        stamp = BOT_STAMP.match(line)
        if stamp is None:
            continue
        for name, words in BOT_MARKS.items():
            if name not in moments.at and words in line:
                when = datetime.strptime(stamp[1], "%Y-%m-%d %H:%M:%S,%f").astimezone()
                moments.at[name] = when.timestamp()


async def watch(
    moments: Moments, pid: int, until: str, read: Any, alive: Any, limit: float = 900.0
) -> None:
    """Poll the process's marks (`read`) and RSS every 50 ms until `until` is marked."""
    end = time.monotonic() + limit
    while until not in moments.at:
        await read()
        rss = memory_mb(pid)[0]
        for name in moments.at:
            moments.rss.setdefault(name, round(rss, 1))
        if not alive() or time.monotonic() > end:
            raise SystemExit(f"{until!r} not reached (process alive: {alive()})")
        await asyncio.sleep(0.05)


async def bot_start(bot: ShippedBot) -> Moments:
    """Start the shipped bot; return once its start-up work is done (every poll read back)."""
    moments = Moments(time.time())
    await bot.start()

    async def read() -> None:
        bot_moments(bot.log, moments)

    try:
        await watch(moments, bot.pid(), "settled", read, lambda: bot.returncode() is None)
    except SystemExit:
        raise SystemExit(f"the bot did not settle:\n{tail(bot.log)}") from None
    return moments


class PlainClient:
    """``bench/bare_ready.py`` in its own process: discord.py with the bot's intents only.

    With `stack` (a backend) it also holds the rest of the fixed stack's libraries, unused.
    """

    def __init__(self, info: dict[str, Any], stack: str | None = None) -> None:
        self.info = info
        self.stack = stack
        self.proc: asyncio.subprocess.Process | None = None
        self.guilds = 0

    async def start(self) -> Moments:
        """Start it; return once discord.py says it is ready."""
        moments = Moments(time.time())
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(REPO / "bench" / "bare_ready.py"),
            self.info["api_base"],
            self.info["gateway_url"],
            *([self.stack] if self.stack else []),
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
        )
        lines: asyncio.Queue[str] = asyncio.Queue()

        async def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            while line := (await self.proc.stdout.readline()).decode():
                lines.put_nowait(line)

        pumping = asyncio.create_task(pump())

        async def read() -> None:
            while not lines.empty():
                line = lines.get_nowait()
                if line.startswith("ready "):
                    moments.at["ready"] = float(line.split()[1])
                    self.guilds = int(line.split()[2])
                elif "has connected to Gateway" in line and "session" not in moments.at:
                    moments.at["session"] = float(line.split()[0])

        try:
            await watch(moments, self.proc.pid, "ready", read, lambda: self.running)
        finally:
            pumping.cancel()
        return moments

    @property
    def running(self) -> bool:
        """Return whether the process runs."""
        return self.proc is not None and self.proc.returncode is None

    def pid(self) -> int:
        """Return the process id."""
        assert self.proc is not None
        return self.proc.pid

    async def stop(self) -> None:
        """Stop it with SIGTERM."""
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), 30)


# -- the soak: one flood over every open poll, its progress read from the database ---------------


def position(counts: Sequence[int], voters: int, dispatched: int) -> int:
    """Return how many of the flood's events the stored votes show committed.

    The flood goes cycle by cycle over every message (in `counts`' order) and every member:
    even cycles add, odd ones take back what the cycle before added; the bot commits in
    arrival order, so the rows show a prefix of it. An adding cycle fills the messages from
    the first, a removing one empties them from the first, so the first and last message say
    which is under way, and `dispatched` (what the emulator sent) which cycle: the latest one
    that fits. That is exact while the bot is less than a cycle behind (in the full run a
    cycle is 100,000 events); the end is known apart, by a marker vote sent after the flood.
    """
    pairs = len(counts) * voters
    rows = sum(counts)
    if 0 < rows < pairs:
        adding = counts[0] > counts[-1]
        done = rows if adding else pairs - rows
    else:
        adding = rows == pairs  # the last complete cycle added (else: removed, or none yet)
        done = pairs
    cycle = dispatched // pairs
    while cycle >= 0 and (cycle % 2 != (0 if adding else 1) or cycle * pairs + done > dispatched):
        cycle -= 1
    return max(0, cycle * pairs + done)


def marker_choice() -> int:
    """Return the ordinal of the marker's vote (the first option: a one-cycle flood's first)."""
    choice = Choice.from_emoji(EMOJI[0])
    assert choice is not None
    return choice.ordinal


async def vote_counts(database: Database, polls: Sequence[int]) -> list[int]:
    """Return the stored votes on each poll, in the order given."""
    async with database.read() as session:
        rows = await session.execute(text("SELECT poll_id, count(*) FROM votes GROUP BY poll_id"))
        found = {int(poll): int(n) for poll, n in rows}
    return [found.get(poll, 0) for poll in polls]


async def stored(database: Database) -> list[tuple[int, int, int]]:
    """Return every stored vote: (poll, member, choice)."""
    async with database.read() as session:
        rows = await session.execute(text("SELECT poll_id, member_id, choice FROM votes"))
        return [(int(p), int(m), int(c)) for p, m, c in rows]


async def soak(
    remote: Remote,
    database: Database,
    pid: int,
    polls: dict[str, int],
    voters: list[str],
    total: int,
    every: int,
    later: float,
) -> dict[str, Any]:
    """Flood about `total` reaction events over the polls; sample RSS by events committed.

    RSS is read 2 s after the last vote is stored, and again `later` seconds after it (past
    a scheduler tick: what the process keeps once its periodic work ran).
    """
    messages = list(polls)
    order = [polls[m] for m in messages]
    pairs = len(messages) * len(voters)
    cycles = max(2, 2 * round(total / pairs / 2))  # even: every vote is retracted at the end
    total = cycles * pairs
    body = {"message_ids": messages, "member_ids": voters, "cycles": cycles, "remove": True}
    samples = [{"votes": 0, "rss": round(memory_mb(pid)[0], 1), "s": 0.0, "backlog": 0}]
    started = time.monotonic()
    flood = (await remote.post("/reactions/flood", body))["id"]
    done, backlog, next_sample, marker = 0, 0, every, None
    while True:
        await asyncio.sleep(0.25)
        counts = await vote_counts(database, order)
        report = await remote.get(f"/reactions/flood/{flood}")
        if report["error"]:
            raise RuntimeError(f"the flood failed: {report['error']}")
        sent = int(report["dispatched"])
        if marker is None and report["finished"]:
            if sent != total:
                raise RuntimeError(f"the flood sent {sent} of {total} events")
            # One vote more, sent after the flood: once it is stored, the flood is committed.
            last = {"message_ids": messages[-1:], "member_ids": voters[:1], "cycles": 1}
            marker = (await remote.post("/reactions/flood", last))["id"]
        finished = (
            marker is not None
            and sum(counts)
            and await stored(database) == [(order[-1], int(voters[0]), marker_choice())]
        )
        position_now = total if finished else position(counts, len(voters), sent)
        done = max(done, min(position_now, total if finished else total - 1))
        backlog = max(backlog, sent - done)
        if done >= next_sample or finished:
            rss = round(memory_mb(pid)[0], 1)
            seconds = round(time.monotonic() - started, 1)
            samples.append({"votes": done, "rss": rss, "s": seconds, "backlog": sent - done})
            next_sample = (done // every + 1) * every
        if finished:
            break
        if time.monotonic() - started > 1800:
            raise TimeoutError(f"the soak committed {done} of {total} events in 30 minutes")
    await asyncio.sleep(2.0)  # quiet: what it keeps, not what it was doing
    now, peak = memory_mb(pid)
    await asyncio.sleep(max(0.0, later - 2.0))
    kept = memory_mb(pid)[0]
    return {
        "events": total,
        "cycles": cycles,
        "samples": samples,
        "max_backlog": backlog,
        "rss_after_mb": round(now, 1),
        "later_s": later,
        "rss_later_mb": round(kept, 1),
        "rss_peak_mb": round(peak, 1),
    }
