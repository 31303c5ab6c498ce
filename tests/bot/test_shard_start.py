"""Starting sharded: settings, SQLite refused for a partial SHARD_IDS, shard 0 alone syncs.

/setup show names the shard and the process serving the server.

Also pins the discord.py pieces sharding leans on, so an upgrade that changes them fails here
with a clear message rather than in production.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import sys
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord_emulator import Emulator

from bot import runner
from bot.app import CalledItBot
from bot.config import ConfigError, load_settings
from bot.domain.shards import ShardScope, shard_of
from bot.endpoints import apply_endpoints
from bot.runner import SQLITE_SHARDS, refuse_sqlite, shard_scope
from bot.services import Services
from bot.sharded import GatewayAdvice, IdentifyGate, ShardedCalledItBot, gateway_advice
from tests.bot.conftest import World

REPO = Path(__file__).resolve().parents[2]


def test_shard_settings_parse_and_explain_mistakes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SHARD_COUNT", "SHARD_IDS"):
        monkeypatch.delenv(name, raising=False)
    plain = load_settings(_env_file=None)
    assert (plain.shard_count, plain.shard_ids, plain.sharded) == (None, None, False)
    assert shard_scope(plain, None) == ShardScope()
    split = load_settings(_env_file=None, shard_count="4", shard_ids=" 2-3 ")
    assert shard_scope(split, None) == ShardScope.of(4, [2, 3])
    auto = load_settings(_env_file=None, shard_count="AUTO", shard_ids="4,5")
    assert shard_scope(auto, GatewayAdvice(8, 1, 1000, 0)) == ShardScope.of(8, [4, 5])
    for bad, says in (
        ({"shard_count": "0"}, "Bad setting SHARD_COUNT: must be a number of shards"),
        ({"shard_count": "two"}, "Bad setting SHARD_COUNT"),
        ({"shard_ids": "0"}, "Bad setting SHARD_IDS: needs SHARD_COUNT"),
        ({"shard_count": "2", "shard_ids": "1-2"}, "shard 2 does not exist with SHARD_COUNT=2"),
    ):
        with pytest.raises(ConfigError, match=says):
            load_settings(_env_file=None, **bad)


def test_sqlite_is_refused_only_when_other_processes_hold_shards(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    every = load_settings(_env_file=None, database_url=url, shard_count="2")
    refuse_sqlite(every, shard_scope(every, None))  # one process, all shards: fine
    part = load_settings(_env_file=None, database_url=url, shard_count="2", shard_ids="1")
    with pytest.raises(Exception, match="use PostgreSQL"):
        refuse_sqlite(part, shard_scope(part, None))


async def test_calledit_run_refuses_sqlite_for_part_of_the_shards(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DISCORD_TOKEN": "emulator.bot.token",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
        "SHARD_COUNT": "2",
        "SHARD_IDS": "0",
        "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",  # never reached
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "run"),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    lines = [line for line in err.decode().splitlines() if line.startswith("calledit:")]
    assert lines == [f"calledit: {SQLITE_SHARDS}"]
    assert not (tmp_path / "c.db").exists()  # refused before touching the database


async def test_only_the_process_holding_shard_0_syncs_commands(world: World) -> None:
    async with world.running(scope=ShardScope.of(2, [1])) as bot:
        assert bot.synced == "elsewhere"
    assert world.emu.registered_commands() == []
    assert world.emu.requests_to("PUT", "/applications/{application_id}/commands") == []
    async with world.running(scope=ShardScope.of(2, [0])) as bot:
        assert bot.synced == "global"
        shown = await world.run(world.admin, "/setup show")
        fields = {f["name"]: f["value"] for f in shown.messages[-1].embeds[0]["fields"]}
        shard = shard_of(world.guild.id, 2)
        assert (
            fields["Served by"]
            == f"shard {shard} of 2, process {socket.gethostname()}:{os.getpid()}"
        )
    assert world.emu.registered_commands() != []


# -- discord.py internals sharding relies on ------------------------------------------------


def test_discord_py_sharding_pieces_are_as_relied_on(services: Services) -> None:
    hook = inspect.signature(discord.Client.before_identify_hook)
    assert list(hook.parameters) == ["self", "shard_id", "initial"], (
        "discord.py changed before_identify_hook; bot.sharded.ShardedCalledItBot overrides it"
    )
    assert hook.parameters["initial"].kind is inspect.Parameter.KEYWORD_ONLY
    called = inspect.getsource(discord.Client._call_before_identify_hook)
    assert "before_identify_hook(shard_id, initial=initial)" in called and (
        "before_identify" in inspect.getsource(DiscordWebSocket.identify)
    ), (
        "discord.py no longer calls before_identify_hook before IDENTIFY: the identify gate "
        "in bot.sharded would never run"
    )
    gate = IdentifyGate(services.shards, 2, "test")
    bot = ShardedCalledItBot(services, gate=gate, scope=ShardScope.of(4, [1, 3]))
    assert isinstance(bot, discord.AutoShardedClient) and isinstance(bot, CalledItBot)
    assert (bot.shard_count, bot.shard_ids) == (4, [1, 3])
    assert [gate.bucket(s) for s in (0, 1, 2, 3)] == [0, 1, 0, 1]


@pytest.mark.emulator(shards=3, max_concurrency=2)
async def test_gateway_advice_reads_get_gateway_bot(emulator: Emulator) -> None:
    apply_endpoints(emulator.api_base, emulator.gateway_url)
    try:
        advice = await gateway_advice("emulator.bot.token")
    finally:
        apply_endpoints(None, None)
    assert (advice.shards, advice.max_concurrency) == (3, 2)
    assert advice.remaining > 0 and advice.reset_after > 0


async def test_a_crash_loop_backs_off_and_says_so(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(runner.asyncio, "sleep", sleep)
    scope, advice = ShardScope.of(2, [1]), GatewayAdvice(2, 1, 1000, 3600)
    for _ in range(3):  # three starts that never connected
        await runner.spare_identifies(services, scope, advice)
    assert slept == []
    with caplog.at_level(logging.WARNING, logger="bot.runner"):
        await runner.spare_identifies(services, scope, advice)
        await runner.spare_identifies(services, scope, advice)
    assert len(slept) == 2 and 4 < slept[0] <= 5 and 9 < slept[1] <= 10
    assert "3 failed start(s) in a row for shard(s) 1/2: waiting 5s" in caplog.text
    assert "spare the token's daily identifies" in caplog.text

    slept.clear()
    await services.shards.started("1/2")  # connected: forgiven
    await runner.spare_identifies(services, scope, GatewayAdvice(2, 1, 0, 3600))
    assert slept == [3600]  # no session starts left today: wait for the reset
