"""Modals, selects, the control API, the CLI, the spec-absent notice and raw throughput."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from pathlib import Path

import aiohttp
import discord
import pytest
from discord import app_commands
from discord_emulator import Emulator, Guild
from discord_emulator.connect import connect_client
from discord_emulator.spec import Spec, SpecChecksUnavailable, checks_available, load_spec
from plain_bot import build_client

#: The console script installed beside this interpreter (``discord-emulator``).
CONSOLE_SCRIPT = Path(sys.executable).with_name("discord-emulator")


class Feedback(discord.ui.Modal, title="Feedback"):
    """A modal with one text input."""

    text = discord.ui.TextInput(label="Text", custom_id="text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.text.value}", ephemeral=True)


class Picker(discord.ui.View):
    """A view with a select menu."""

    @discord.ui.select(custom_id="sel", options=[discord.SelectOption(label=x) for x in "abc"])
    async def sel(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"chose {','.join(select.values)}")


async def test_modal_and_select(emulator: Emulator, guild: Guild) -> None:
    b = build_client(emulator, guild)
    gobj = discord.Object(guild.id)

    @b.tree.command(name="feedback", description="Opens a modal", guild=gobj)
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    @b.tree.command(name="choose", description="Sends a select", guild=gobj)
    async def choose(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick", view=Picker())

    async with connect_client(emulator, b.client):
        await b.tree.sync(guild=gobj)
        alice = emulator.add_member(guild, "alice")
        opened = await alice.run("/feedback")
        assert opened.response_type == 9 and opened.modal is not None
        submitted = await alice.submit_modal(opened, {"text": "great bot"})
        assert submitted.content == "got great bot" and submitted.ephemeral
        sent = await alice.run("/choose")
        chosen = await alice.select(sent.message, "sel", ["b"])
        assert chosen.content == "chose b"
    emulator.assert_clean()


async def test_control_api(emulator: Emulator) -> None:
    base = f"{emulator.url}/_emulator"
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{base}/guilds", json={"name": "Ctl"}) as r:
            g = await r.json()
        cid = g["channels"]["general"]
        async with s.post(f"{base}/guilds/{g['id']}/members", json={"count": 3}) as r:
            users = (await r.json())["ids"]
        async with s.post(f"{base}/channels/{cid}/messages", json={"content": "hi"}) as r:
            mid = (await r.json())["id"]
        ops = [[u, mid, "👍", "add"] for u in users] + [[users[0], mid, "👍", "remove"]]
        async with s.post(f"{base}/reactions/burst", json={"ops": ops}) as r:
            assert r.status == 200
        async with s.get(f"{base}/messages/{mid}/reactions") as r:
            assert await r.json() == {"👍": sorted(users[1:])}
        async with s.get(f"{base}/state") as r:
            state = await r.json()
            assert state["guilds"][0]["name"] == "Ctl" and state["violations"] == []


@pytest.mark.parametrize(
    "command", [[str(CONSOLE_SCRIPT)], [sys.executable, "-m", "discord_emulator"]]
)
async def test_cli_runs_out_of_process(command: list[str], tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        *command, "--port", "0", "--guilds", "1",
        cwd=str(tmp_path), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = json.loads(await asyncio.wait_for(proc.stdout.readline(), 20))
        async with aiohttp.ClientSession() as s, s.get(f"{info['url']}/_emulator/state") as r:
            assert len((await r.json())["guilds"]) == 1
    finally:
        proc.terminate()
        await proc.wait()


async def test_spec_absent_is_skipped_with_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    emu = Emulator(spec_path=str(tmp_path / "missing.json"))
    async with emu:
        assert emu.spec is None and emu.spec_skipped
    assert "spec validation is SKIPPED" in caplog.text


@pytest.mark.emulator(ratelimits=False, validate_responses=False)
def test_a_spec_without_the_extra_is_skipped_naming_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    path = tmp_path / "openapi.json"
    path.write_text('{"paths": {}}')
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # as if the extra were not installed
    assert not checks_available()
    with pytest.raises(SpecChecksUnavailable, match=r"discord-emulator\[spec\]"):
        Spec({"paths": {}}, path)
    assert load_spec(path) is None
    assert "spec validation is SKIPPED" in caplog.text and "discord-emulator[spec]" in caplog.text


async def test_burst_throughput_raw_reader(emulator: Emulator, guild: Guild) -> None:
    people = [emulator.add_member(guild, f"u{i}", dispatch=False) for i in range(500)]
    msg = await emulator.owner_of(guild).say("burst")
    ops = [(p, msg, "👍", "add") for p in people] + [(p, msg, "👍", "remove") for p in people]
    ops *= 10  # 10,000 ops: each round adds then removes every reaction
    async with aiohttp.ClientSession() as s, s.ws_connect(emulator.gateway_url) as ws:
        await ws.receive()
        await ws.send_json({"op": 2, "d": {"token": "t", "intents": 1025, "properties": {}}})
        await ws.receive()
        await ws.receive()
        start = time.perf_counter()
        sent = await emulator.burst_reactions(ops)
        got = 0
        while got < sent:
            await ws.receive()
            got += 1
        rate = sent / (time.perf_counter() - start)
    assert sent == 10_000
    assert emulator.reactions(msg.id) == {}
    print(f"in-process burst: {rate:,.0f} events/s")
    assert rate > 5_000


async def test_app_commands_sync_global(emulator: Emulator, guild: Guild) -> None:
    b = build_client(emulator, guild)

    @b.tree.command(name="hello", description="Global")
    @app_commands.describe(name="Who")
    async def hello(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"hello {name}")

    async with connect_client(emulator, b.client):
        synced = await b.tree.sync()
        assert [c.name for c in synced] == ["hello"]
        result = await emulator.add_member(guild, "zed").run("/hello", name="you")
        assert result.content == "hello you"
    emulator.assert_clean()
