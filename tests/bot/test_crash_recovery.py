"""Proof: votes survive a kill -9 of the real bot process in the middle of a reaction burst.

The emulator runs in this process; the bot runs as ``python -m bot run`` in a subprocess, so
SIGKILL stops it with no chance to flush anything. Members keep reacting while it is down.
After a restart, the database (read with the driver alone, as an outsider would: sqlite3 for
the SQLite file, asyncpg for PostgreSQL) must equal the emulator's true reaction state exactly.
It runs on both backends.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from discord_emulator import Emulator
from discord_emulator.models import Channel
from sqlalchemy.engine import make_url

from bot.domain.outcomes import POLL_EMOJI, Choice
from bot.domain.votes import votes_from_reactions
from tests.bot.conftest import ON_BOTH_BACKENDS

pytestmark = ON_BOTH_BACKENDS

REPO = Path(__file__).resolve().parents[2]
SEED = 20251103
MEMBERS = 1_000
HOT = 200  # members who react a lot, so the burst has many changes and removals
BURST = 5_000
KILL_AFTER = 2_500
OFFLINE = 1_000
CHUNK = 250

Op = tuple[int, int, str, str]
Votes = dict[int, dict[int, Choice]]  # poll message id -> member -> choice


class BotProcess:
    """The bot as a separate OS process (``python -m bot run``) pointed at the emulator."""

    def __init__(self, emu: Emulator, db_url: str, log_dir: Path) -> None:
        self.env = {
            **os.environ,
            "DISCORD_TOKEN": "emulator.bot.token",
            "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url,
            "DATABASE_URL": db_url,
            "DEV_GUILD_ID": "",
            "LOG_LEVEL": "INFO",
        }
        self.log_dir = log_dir
        self.logs: list[Path] = []
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start a new bot process; its stdout and stderr go to a log file."""
        log = self.log_dir / f"bot-{len(self.logs) + 1}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=str(REPO),
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )

    def alive(self) -> bool:
        """Tell whether the current process is still running."""
        return self.proc is not None and self.proc.returncode is None

    async def kill9(self) -> int:
        """SIGKILL the process and return its exit status."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        return await asyncio.wait_for(self.proc.wait(), 10)

    async def stop(self) -> None:
        """Stop the process (SIGINT, then SIGKILL if it lingers)."""
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    def tails(self, lines: int = 40) -> str:
        """Return the last lines of every run's log."""
        out = []
        for log in self.logs:
            text = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {log.name} (last {len(text)} lines) ---\n" + "\n".join(text))
        return "\n".join(out)


class Store:
    """Read the bot's database from outside with the bare driver (reads never block the bot)."""

    def __init__(self, db_url: str) -> None:
        url = make_url(db_url)
        self.sqlite = Path(url.database or "") if url.get_backend_name() == "sqlite" else None
        self.url = url

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        """Return a query's rows; none while the table does not exist yet."""
        if self.sqlite is not None:
            if not self.sqlite.exists():
                return []
            conn = sqlite3.connect(self.sqlite, timeout=10)
            try:
                return [tuple(r) for r in conn.execute(sql)]
            except sqlite3.OperationalError:
                return []
            finally:
                conn.close()
        with ThreadPoolExecutor(max_workers=1) as pool:  # the test's loop is running
            return pool.submit(asyncio.run, self._pg_rows(sql)).result()

    async def _pg_rows(self, sql: str) -> list[tuple[object, ...]]:
        import asyncpg

        conn = await asyncpg.connect(
            host=self.url.query["host"], user=self.url.username, database=self.url.database
        )
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        except asyncpg.UndefinedTableError:
            return []
        finally:
            await conn.close()

    def count(self, table: str) -> int:
        """Return the number of rows in a table (0 while it does not exist yet)."""
        found = self.rows(f"SELECT count(*) FROM {table}")
        return int(found[0][0]) if found else 0  # type: ignore[call-overload]

    def votes(self) -> Votes:
        """Return every posted poll's votes as stored: message id -> member -> choice."""
        result: Votes = {}
        for (message_id,) in self.rows("SELECT message_id FROM polls WHERE message_id IS NOT NULL"):
            result[int(message_id)] = {}  # type: ignore[call-overload]
        for message_id, member_id, ordinal in self.rows(
            "SELECT p.message_id, v.member_id, v.choice FROM votes v JOIN polls p ON p.id = v.poll_id"
        ):
            result[int(message_id)][int(member_id)] = Choice.from_ordinal(int(ordinal))  # type: ignore[call-overload]
        return result

    def intact(self) -> bool:
        """Tell whether the database's own integrity check passes."""
        if self.sqlite is None:
            return self.rows(
                "SELECT count(*) FROM votes v LEFT JOIN polls p ON p.id = v.poll_id WHERE p.id IS NULL"
            ) == [(0,)]
        return self.rows("PRAGMA integrity_check") == [("ok",)]


def expected_votes(emu: Emulator, message_ids: list[int], stored: Votes) -> Votes:
    """Return the votes the reactions say, members with several options decided by the rule."""
    humans = {u.id for u in emu.users.values() if not u.bot}
    result: Votes = {}
    for message_id in message_ids:
        reactions: dict[Choice, set[int]] = {}
        for emoji, users in emu.reactions(message_id).items():
            choice = Choice.from_emoji(emoji)
            if choice is not None:
                reactions[choice] = users & humans
        result[message_id] = votes_from_reactions(reactions, stored.get(message_id, {}))
    return result


def difference(expected: Votes, stored: Votes) -> str:
    """Summarize how stored votes differ from the expected ones."""
    lines = []
    for message_id, want in expected.items():
        have = stored.get(message_id, {})
        missing = [m for m in want if m not in have]
        stale = [m for m in have if m not in want]
        wrong = [m for m in want if m in have and have[m] is not want[m]]
        if missing or stale or wrong:
            lines.append(
                f"poll message {message_id}: {len(missing)} missing, {len(stale)} stale, "
                f"{len(wrong)} wrong choice (e.g. {(missing + stale + wrong)[:3]})"
            )
    return "\n".join(lines) or "no difference"


def reaction_ops(
    rng: random.Random,
    members: list[int],
    polls: list[int],
    n: int,
    held: dict[tuple[int, int], set[str]],
) -> list[Op]:
    """Return about `n` reaction ops: adds, changes (add another, remove the old), removals.

    `held` is what the ops believe each member holds; the bot removing superseded reactions
    may make it stale, which only turns some ops into no-ops: the truth is the emulator's.
    """
    ops: list[Op] = []
    while len(ops) < n:
        member = rng.choice(members[:HOT] if rng.random() < 0.6 else members)
        poll = rng.choice(polls)
        mine = held.setdefault((member, poll), set())
        others = [e for e in POLL_EMOJI if e not in mine]
        roll = rng.random()
        if not mine:
            emoji = rng.choice(POLL_EMOJI)
            ops.append((member, poll, emoji, "add"))
            mine.add(emoji)
        elif roll < 0.5 and others:  # change of mind: the new option, then the old one off
            emoji = rng.choice(others)
            ops.append((member, poll, emoji, "add"))
            ops.extend((member, poll, old, "remove") for old in sorted(mine))
            mine.clear()
            mine.add(emoji)
        elif roll < 0.85:  # retraction
            emoji = rng.choice(sorted(mine))
            ops.append((member, poll, emoji, "remove"))
            mine.discard(emoji)
        elif others:  # a second option without removing the first
            emoji = rng.choice(others)
            ops.append((member, poll, emoji, "add"))
            mine.add(emoji)
    return ops


async def wait_until(
    condition: object,
    what: str,
    bot: BotProcess,
    timeout: float = 30.0,  # noqa: ASYNC109
) -> None:
    """Poll `condition()` until it holds; fail with the bot's log tail otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if not bot.alive():
            pytest.fail(f"the bot exited while waiting for {what}\n{bot.tails()}")
        if loop.time() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{bot.tails()}")
        await asyncio.sleep(0.1)


def poll_message_ids(emu: Emulator, channel: Channel) -> list[int]:
    """Return the ids of the poll messages the bot posted in a channel."""
    return [
        m.id
        for m in emu.messages(channel.id)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith("Poll ·")
    ]


async def test_votes_survive_kill_9_mid_burst_and_reactions_while_down(
    emulator: Emulator, tmp_path: Path, db_url: str
) -> None:
    emu = emulator
    guild = emu.create_guild("Forecasters", channels=("general", "polls"))
    polls_channel = next(c for c in guild.channels.values() if c.name == "polls")
    admin = emu.add_admin(guild, "ada")
    members = [emu.add_member(guild, f"m{n:04d}", dispatch=False).id for n in range(MEMBERS)]
    store = Store(db_url)
    bot = BotProcess(emu, db_url, tmp_path)
    try:
        await bot.start()
        await wait_until(
            lambda: store.count("predictions") == 10 and emu.registered_commands(guild),
            "the bot to seed its predictions and register its commands",
            bot,
            timeout=60,
        )
        opened = await admin.run("/poll open-all", in_channel=polls_channel, timeout=30)
        assert opened.messages[-1].content == f"Opened 10 polls in <#{polls_channel.id}>."
        polls = poll_message_ids(emu, polls_channel)
        assert len(polls) == 10
        assert all(emu.reactions(p) == {e: {emu.bot.id} for e in POLL_EMOJI} for p in polls)

        rng = random.Random(SEED)
        held: dict[tuple[int, int], set[str]] = {}
        burst = reaction_ops(rng, members, polls, BURST, held)
        offline = reaction_ops(rng, members, polls, OFFLINE, held)
        kinds = {kind: sum(op[3] == kind for op in burst) for kind in ("add", "remove")}
        assert kinds["add"] > 2_000 and kinds["remove"] > 1_000, kinds

        # The burst; once votes are being committed, kill -9 while events are in flight.
        sent = 0
        while sent < KILL_AFTER:
            await emu.burst_reactions(burst[sent : sent + CHUNK])
            sent += CHUNK
            await asyncio.sleep(0.02)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20  # a slow machine may take a while to commit the first batch
        while store.count("votes") == 0:
            assert loop.time() < deadline, f"no vote was committed\n{bot.tails()}"
            if sent < BURST - 2 * CHUNK:  # keep the burst going, leaving some for the kill
                await emu.burst_reactions(burst[sent : sent + CHUNK])
                sent += CHUNK
            await asyncio.sleep(0.05)
        await emu.burst_reactions(burst[sent : sent + CHUNK])
        sent += CHUNK
        await asyncio.sleep(0.01)  # let some of the last chunk reach the socket
        committed_at_kill = store.count("votes")
        status = await bot.kill9()
        assert status == -signal.SIGKILL

        # Members keep reacting while the bot is down: the rest of the burst, and more.
        for ops in (burst[sent:], offline):
            for i in range(0, len(ops), CHUNK):
                await emu.burst_reactions(ops[i : i + CHUNK])
                await asyncio.sleep(0)
        # The restart has work to do: nothing replays what the dead session and the downtime
        # missed, so only reading the reactions back can make the file right.
        before_restart = store.votes()
        assert before_restart != expected_votes(emu, polls, before_restart), (
            f"nothing for the restart to fix ({committed_at_kill} votes at the kill)"
        )

        await bot.start()

        def recovered() -> bool:
            stored = store.votes()
            return stored == expected_votes(emu, polls, stored)

        try:
            await wait_until(
                recovered, "the votes to equal the reactions after restart", bot, timeout=90
            )
        except pytest.fail.Exception:
            stored = store.votes()
            print(difference(expected_votes(emu, polls, stored), stored))
            raise
        await asyncio.sleep(0.5)  # and they stay equal
        stored = store.votes()
        expected = expected_votes(emu, polls, stored)
        assert stored == expected, difference(expected, stored)
        voters = sum(len(v) for v in expected.values())
        assert voters > 2_000, voters  # a real state, not an emptied one
        assert store.intact()
        emu.assert_clean()
    except BaseException:
        print(bot.tails())
        raise
    finally:
        await bot.stop()
