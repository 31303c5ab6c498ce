"""`calledit run` with WEB_PORT and `calledit web`, as real processes: they answer, and stop clean."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import aiohttp
import pytest
from discord_emulator import Emulator

from tests.bot.test_crash_recovery import BotProcess
from tests.cli.test_cli import COMMAND, clean_env
from tests.cli.test_first_hour import refused_port
from tests.pg import BACKENDS

ON_BOTH_BACKENDS = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def answer(url: str) -> tuple[int, str] | None:
    """GET a URL; None while nothing listens there."""
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        return None


def tail(log: str | Path) -> str:
    """Return the end of a process's log."""
    path = Path(log)
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


async def until(url: str, wanted: tuple[int, str], logs: str | Path, timeout: float = 60) -> None:  # noqa: ASYNC109
    """Poll a URL until it answers `wanted`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    got = None
    while got != wanted:
        if loop.time() > deadline:
            raise AssertionError(f"{url} answered {got!r}, not {wanted!r}\n{tail(logs)}")
        await asyncio.sleep(0.2)
        got = await answer(url)


@ON_BOTH_BACKENDS
async def test_calledit_run_serves_healthz_and_readyz_and_stops_on_sigterm(
    emulator: Emulator, db_url: str, tmp_path: Path
) -> None:
    guild = emulator.create_guild("Forecasters", channels=("general", "polls"))
    admin = emulator.add_admin(guild, "ada")
    general = next(c for c in guild.channels.values() if c.name == "general")
    port = refused_port()
    bot = BotProcess(emulator, db_url, tmp_path)
    bot.env.update({"WEB_PORT": str(port), "WEB_HOST": "", "METRICS_PORT": ""})
    base = f"http://127.0.0.1:{port}"
    try:
        await bot.start()
        await until(f"{base}/healthz", (200, "ok\n"), bot.logs[-1])
        await until(f"{base}/readyz", (200, "ready\n"), bot.logs[-1])
        metrics = await answer(f"{base}/metrics")
        assert metrics is not None and metrics[0] == 200
        assert 'calledit_gateway_connected{shard="0"} 1.0' in metrics[1]
        # The server pages ride on the same port: a 404 until an admin turns them on.
        page = f"{base}/s/{guild.id}"
        assert await answer(page) == (404, "Not found\n")
        turned = await admin.run("/setup web", in_channel=general, options={"mode": "on"})
        assert f"/s/{guild.id}" in turned.content, turned.content
        shown = await answer(page)
        assert shown is not None and shown[0] == 200, shown
        assert (
            "<h1><bdi>Forecasters</bdi></h1>" in shown[1]
        )  # the name from the bot's gateway cache
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.proc.wait(), 30) == 0, bot.tails()
        assert await answer(f"{base}/healthz") is None  # the port is closed with it
        log = bot.logs[-1].read_text()
        assert f"serving HTTP on 127.0.0.1:{port}" in log and "Stopped:" in log
        assert "Traceback" not in log, bot.tails()
    finally:
        await bot.stop()


async def test_calledit_web_serves_from_the_database_alone(tmp_path: Path) -> None:
    port = refused_port()
    log = tmp_path / "web.log"
    env = clean_env(
        {"WEB_PORT": str(port), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}
    )
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            *COMMAND, "web", cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    try:
        base = f"http://127.0.0.1:{port}"
        await until(f"{base}/healthz", (200, "ok\n"), log)
        await until(f"{base}/readyz", (200, "ready\n"), log)  # the database only: no Discord
        assert await answer(f"{base}/nope") == (404, "Not found\n")
        assert await answer(f"{base}/s/1234") == (404, "Not found\n")  # pages, no such server
        css = await answer(f"{base}/static/calledit.css")
        assert css is not None and css[0] == 200  # the pages are served here too
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0, log.read_text()
        assert "Traceback" not in log.read_text()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_calledit_web_without_a_port_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [*COMMAND, "web"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "calledit: WEB_PORT is not set: `calledit web` has nothing to serve (e.g. WEB_PORT=8080)."
    )
