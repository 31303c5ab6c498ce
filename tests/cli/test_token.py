"""The token never shows: not in settings' text, output, logs at DEBUG, errors or exports."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from discord_emulator import Emulator
from discord_emulator.connect import connect_client

from bot.app import CalledItBot
from bot.config import ConfigError, load_settings
from bot.domain.clock import FrozenClock
from bot.services import Services
from db.migrate import upgrade
from db.session import Database

REPO = Path(__file__).resolve().parents[2]
GOOD = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GoodToken.s3cr3t-value-never-shown"
BAD = "MTIzNDU2Nzg5MDEyMzQ1Njc4.BadToken.an0ther-s3cr3t-value"


def environment(workdir: Path, emu: Emulator | None = None, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "DATABASE_", "DEV_GUILD", "LOG_LEVEL"))
    }
    env |= {"LOG_LEVEL": "DEBUG", "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}"}
    if emu is not None:
        env |= {"DISCORD_API_BASE": emu.api_base, "DISCORD_GATEWAY_URL": emu.gateway_url}
    return env | extra


async def calledit(
    workdir: Path, env: dict[str, str], *args: str, stop_when: object = None
) -> tuple[int, str]:
    """Run the CLI as a subprocess (the emulator keeps serving meanwhile); return code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    # Read as it comes: at DEBUG the bot writes more than a pipe holds, and would block.
    reading = asyncio.create_task(process.stdout.read())
    try:
        if stop_when is not None:
            await stop_when  # type: ignore[misc]
    finally:
        if stop_when is not None and process.returncode is None:
            process.send_signal(signal.SIGINT)
        output = await asyncio.wait_for(reading, 60)
        await asyncio.wait_for(process.wait(), 60)
    assert process.returncode is not None
    return process.returncode, output.decode()


def test_settings_text_never_shows_the_token() -> None:
    settings = load_settings(discord_token=GOOD)
    assert settings.token == GOOD
    for text in (
        repr(settings),
        str(settings),
        str(settings.model_dump()),
        repr(settings.discord_token),
    ):
        assert GOOD not in text
    assert "**********" in repr(settings)
    with pytest.raises(ConfigError) as error:
        load_settings(discord_token=GOOD, log_level="LOUD")
    assert GOOD not in str(error.value) and "LOG_LEVEL" in str(error.value)


async def test_cli_run_check_seed_and_export_never_show_the_token(
    emulator: Emulator, tmp_path: Path
) -> None:
    guild = emulator.create_guild("Forecasters", channels=("general",))
    member = emulator.add_member(guild, "member")
    emulator.valid_tokens = {GOOD}

    code, bad_run = await calledit(
        tmp_path, environment(tmp_path, emulator, DISCORD_TOKEN=BAD), "run"
    )
    assert code == 2, bad_run
    assert "Discord rejected DISCORD_TOKEN" in bad_run
    assert any(r.status == 401 for r in emulator.requests)

    async def ready_and_used() -> None:
        await emulator.wait_until_ready(30)
        await emulator.wait_for(lambda: emulator.registered_commands(), timeout=30)
        for _ in range(100):  # the guild is seeded just after the bot is ready
            shown = await member.run("/prediction show", prediction="1", timeout=15)
            if shown.embeds:
                break
            await asyncio.sleep(0.1)
        assert shown.embeds[0]["title"].startswith("#1 · ")
        broken = await member.run("/prediction show", prediction="x", timeout=15)
        assert "is not a prediction number" in broken.content

    env = environment(tmp_path, emulator, DISCORD_TOKEN=GOOD)
    code, good_run = await calledit(tmp_path, env, "run", stop_when=ready_and_used())
    assert code in (0, 130), good_run
    # Verbose, and connected (a command seeds first, so it may stop before on_ready logs).
    assert "DEBUG" in good_run and "has connected to Gateway" in good_run
    assert GOOD in emulator.tokens  # the bot did use it

    outputs = [bad_run, good_run]
    for args in (
        ["check"],
        ["invite-url"],
        ["seed", "--guild", str(guild.id)],
        ["export", "--guild", str(guild.id), "--out", "out"],
        ["leaderboard", "--guild", str(guild.id), "--month", "2025-13"],
    ):
        code, output = await calledit(tmp_path, env, *args)
        assert code in (0, 2), (args, output)
        outputs.append(output)
    exported = sorted((tmp_path / "out").iterdir())
    assert len(exported) == 5
    for text in outputs + [p.read_text(encoding="utf-8") for p in exported]:
        for secret in (GOOD, BAD, GOOD.split(".", 2)[2], BAD.split(".", 2)[2]):
            assert secret not in text


async def test_bot_log_records_at_debug_never_contain_the_token(
    emulator: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    guild = emulator.create_guild("Forecasters", channels=("general",))
    member = emulator.add_member(guild, "member")
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await upgrade(database)
    bot = CalledItBot(Services.build(database, FrozenClock(datetime(2025, 11, 3, tzinfo=UTC))))
    caplog.set_level(logging.DEBUG)
    # Also discord.py's own loggers: a CLI run earlier in this process (configure_logging)
    # leaves them at INFO, and then this test saw too few records to mean anything.
    caplog.set_level(logging.DEBUG, logger="discord")
    try:
        async with connect_client(emulator, bot, token=GOOD, timeout=20):
            await member.run("/prediction list", timeout=10)
            await member.run("/leaderboard", month="2025-13", timeout=10)
    finally:
        await database.dispose()
    assert len(caplog.records) > 20
    assert any(r.name.startswith("discord.") and r.levelno == logging.DEBUG for r in caplog.records)
    for record in caplog.records:
        assert GOOD not in record.getMessage()
        assert GOOD not in str(record.args) and GOOD not in (record.exc_text or "")
    assert GOOD not in caplog.text


def test_dotenv_is_git_ignored(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is not None and (REPO / ".git").exists():
        result = subprocess.run(
            [git, "check-ignore", "-q", ".env"], cwd=REPO, capture_output=True, timeout=30
        )
        assert result.returncode == 0, ".env is not ignored by git"
        return
    gitignore = REPO / ".gitignore"
    if not gitignore.exists():
        pytest.skip("neither git nor a .gitignore to check")
    lines = {line.strip() for line in gitignore.read_text().splitlines()}
    assert lines & {".env", "/.env", ".env*", "*.env"}
