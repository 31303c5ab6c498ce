"""The shipped process loads at start only what it needs: no Pillow, Alembic, emulator or web.

``python -X importtime -m bot run`` (Python's own record of every module a process imports, on
stderr) runs against the emulator on a database already at the current schema, without
WEB_PORT or METRICS_PORT. Once it is connected, has seeded the server, opened polls and
counted a vote, none of the heavy modules is in that record; the first /stats, which draws a
card, then brings Pillow and the card modules in, as it should.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from discord_emulator import Emulator

from db.migrate import upgrade
from db.session import Database

REPO = Path(__file__).resolve().parents[2]
#: What a start must not import: a card's drawing, migrations, the test Discord, HTTP serving.
HEAVY = (
    "PIL",
    "bot.render.cards.canvas",
    "alembic",
    "discord_emulator",
    "jinja2",
    "aiohttp.web",
    "bot.web.pages",
    "bot.web.ops",
)
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)\s*$")


def imported(log: Path) -> set[str]:
    """Return the modules `python -X importtime` recorded in a log."""
    found = set()
    for line in log.read_text(errors="replace").splitlines():
        match = IMPORTED.match(line)
        if match:
            found.add(match[1])
    return found


def tail(log: Path) -> str:
    """Return the end of the bot's log."""
    return log.read_text(errors="replace")[-3000:]


def heavy(modules: set[str]) -> list[str]:
    """Return the HEAVY modules (or their submodules) among `modules`."""
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


async def until(check: object, what: str, proc: asyncio.subprocess.Process, log: Path) -> None:
    """Wait up to 60 s for `check()`; fail with the log's tail if it never holds."""
    for _ in range(600):
        if check():  # type: ignore[operator]
            return
        assert proc.returncode is None, f"the bot exited:\n{tail(log)}"
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not within 60 s\n{tail(log)}")


async def test_a_start_imports_no_heavy_module(
    emulator: Emulator, db_url: str, tmp_path: Path
) -> None:
    database = Database(db_url)  # at the current schema, as at every start but the first
    await upgrade(database)
    await database.dispose()
    emu = emulator
    guild = emu.create_guild("Forecasters", channels=("general", "polls"))
    polls = next(c for c in guild.channels.values() if c.name == "polls")
    admin = emu.add_admin(guild, "ada")
    member = emu.add_member(guild, "member")
    env = {
        **os.environ,
        "DISCORD_TOKEN": "emulator.bot.token",
        "DISCORD_API_BASE": emu.api_base,
        "DISCORD_GATEWAY_URL": emu.gateway_url,
        "DATABASE_URL": db_url,
        "DEV_GUILD_ID": "",
        "WEB_PORT": "",
        "METRICS_PORT": "",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "bot",
            "run",
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    try:
        await until(
            lambda: (
                "connected as" in log.read_text(errors="replace") and emu.registered_commands(guild)
            ),
            "the bot connected with its commands registered",
            proc,
            log,
        )
        opened = await admin.run("/poll open-all", in_channel=polls, timeout=30)
        assert opened.messages[-1].content == f"Opened 10 polls in <#{polls.id}>."
        poll = next(m for m in emu.messages(polls.id) if m.embeds)
        await member.react(poll, "✅")
        await member.run("/poll results", prediction="1", timeout=30)
        await admin.run("/prediction resolve", prediction="1", outcome="came_true", timeout=30)
        started = imported(log)
        assert "bot.app" in started and "sqlalchemy" in started  # the record is there
        assert heavy(started) == []

        board = await member.run("/leaderboard", timeout=30)
        assert board.messages[-1].attachments  # a card: Pillow and the card modules now
        assert {"PIL", "bot.render.cards.canvas"} <= set(heavy(imported(log)))
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)
    assert proc.returncode == 0, tail(log)
