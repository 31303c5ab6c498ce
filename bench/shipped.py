"""The shipped process and the plain reference, each as a subprocess, for the benchmarks.

``ShippedBot`` runs ``python -m bot run`` as an operator does (its settings in the
environment, stopped with SIGTERM); ``BareClient`` runs ``bench/bare_client.py``, a plain
discord.py client that only counts reaction events. Both talk to the emulator over loopback.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from discord_emulator.remote import Remote
from harness import REPO, TOKEN
from sqlalchemy import select

from db.models import Poll
from db.session import Database


class ShippedBot:
    """`python -m bot run` as a subprocess pointed at the emulator."""

    def __init__(self, info: dict[str, Any], db_url: str, log: Path, **env: str) -> None:
        self.env = {
            **os.environ,
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE": info["api_base"],
            "DISCORD_GATEWAY_URL": info["gateway_url"],
            "DATABASE_URL": db_url,
            "DEV_GUILD_ID": "",
            "WEB_PORT": "",
            "METRICS_PORT": "",
            "LOG_LEVEL": os.environ.get("BENCH_BOT_LOG_LEVEL", "WARNING"),
            **env,
        }
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the process; its output goes to the log file."""
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=REPO, env=self.env, stdout=out, stderr=out
            )

    def pid(self) -> int:
        """Return the process id."""
        assert self.proc is not None
        return self.proc.pid

    def returncode(self) -> int | None:
        """Return the exit status, None while it runs."""
        assert self.proc is not None
        return self.proc.returncode

    async def stop(self) -> int | None:
        """Stop it with SIGTERM, as an operator does (SIGKILL if it lingers); return its status."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode


class BareClient:
    """`bench/bare_client.py`: the reference, a plain discord.py client counting reactions."""

    def __init__(self, info: dict[str, Any], expect: int) -> None:
        self.info = info
        self.expect = expect
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Start it and wait until discord.py says it is ready."""
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(REPO / "bench" / "bare_client.py"),
            self.info["api_base"],
            self.info["gateway_url"],
            str(self.expect),
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
        )
        await asyncio.wait_for(self._line("ready"), timeout)

    async def done_at(self, timeout: float) -> float:  # noqa: ASYNC109
        """Return the monotonic time at which it had received every expected event."""
        return float(await asyncio.wait_for(self._line("done"), timeout))

    async def _line(self, word: str) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        while line := (await self.proc.stdout.readline()).decode():
            if line.startswith(word):
                return line[len(word) :].strip()
        raise RuntimeError(f"the bare client exited before {word!r}")

    def pid(self) -> int:
        """Return the process id."""
        assert self.proc is not None
        return self.proc.pid

    async def stop(self) -> None:
        """Stop it with SIGTERM."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), 30)


async def wait_for(
    check: Callable[[], Awaitable[bool]],
    what: str,
    bot: ShippedBot,
    timeout: float = 120.0,  # noqa: ASYNC109
    step: float = 0.05,
) -> None:
    """Poll an async check until it is true; fail with the bot's log otherwise."""
    end = time.monotonic() + timeout
    while not await check():
        if bot.proc is not None and bot.proc.returncode is not None:
            raise SystemExit(f"the bot exited while waiting for {what}:\n{tail(bot.log)}")
        if time.monotonic() > end:
            raise SystemExit(f"{what}: not within {timeout:.0f}s\n{tail(bot.log)}")
        await asyncio.sleep(step)


def tail(log: Path) -> str:
    """Return the end of a log file."""
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def memory_mb(pid: int) -> tuple[float, float]:
    """Return a process's resident memory now and at its peak, in MB (from /proc)."""
    now = peak = float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            now = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return now, peak


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system, every thread) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def open_poll(
    remote: Remote,
    guild_id: int | str,
    owner_id: int | str,
    channel_id: int | str,
    number: int,
    **options: Any,
) -> int:
    """Open a poll through /poll open as the owner, in `channel_id`; return its message id."""
    answer = await remote.post(
        "/commands/run",
        {
            "guild_id": str(guild_id),
            "user_id": str(owner_id),
            "channel_id": str(channel_id),
            "command": "/poll open",
            "options": {"prediction": str(number), "hours": 24, **options},
        },
    )
    content = (answer.get("message") or {}).get("content", "")
    found = re.search(r"/(\d+)$", content)
    if found is None:
        raise SystemExit(f"/poll open #{number} did not open a poll: {content!r}")
    return int(found[1])


async def poll_id_of(database: Database, message_id: int) -> int:
    """Return the id of the poll posted as a message."""
    async with database.read() as session:
        poll_id = await session.scalar(select(Poll.id).where(Poll.message_id == message_id))
    assert poll_id is not None
    return int(poll_id)
