"""Gateway behaviour: READY, intents, RESUME replay, INVALID_SESSION, 4014 and offline bots."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import discord
import pytest
from discord_emulator import Emulator, Guild
from discord_emulator.connect import connect_client
from plain_bot import Bot, build_client, eventually


async def _bot_message(emulator: Emulator, guild: Guild) -> int:
    admin = emulator.owner_of(guild)
    msg = await admin.say("react here")
    return msg.id


async def test_ready_sees_all_guilds(emulator: Emulator) -> None:
    guilds = [emulator.create_guild(f"G{i}") for i in range(3)]
    b = build_client(emulator, guilds[0])
    async with connect_client(emulator, b.client):
        assert {g.id for g in b.client.guilds} == {g.id for g in guilds}
        dguild = b.client.get_guild(guilds[0].id)
        assert dguild is not None
        assert {c.name for c in dguild.text_channels} == {"general"}
        assert dguild.me is not None and dguild.me.guild_permissions.manage_messages
    emulator.assert_clean()


async def test_reaction_events_and_true_state(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    alice = emulator.add_member(guild, "alice")
    mid = await _bot_message(emulator, guild)
    await alice.react(mid, "👍")
    await alice.react(mid, "party:123")
    await alice.unreact(mid, "👍")
    await eventually(lambda: len(bot.reactions) == 2 and len(bot.removed) == 1)
    assert str(bot.reactions[0].emoji) == "👍" and bot.reactions[0].user_id == alice.id
    assert bot.reactions[1].emoji.id == 123
    assert emulator.reactions(mid) == {"party:123": {alice.id}}


async def test_intents_filter_events(emulator: Emulator, guild: Guild) -> None:
    intents = discord.Intents.none()
    intents.guilds = True  # no guild_reactions
    b = build_client(emulator, guild, intents)
    alice = emulator.add_member(guild, "alice")
    async with connect_client(emulator, b.client):
        mid = await _bot_message(emulator, guild)
        await alice.react(mid, "👍")
        await asyncio.sleep(0.1)
        assert b.reactions == []
    assert emulator.reactions(mid) == {"👍": {alice.id}}


async def test_privileged_intent_not_enabled_closes_4014(emulator: Emulator, guild: Guild) -> None:
    intents = discord.Intents.default()
    intents.members = True
    b = build_client(emulator, guild, intents)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with connect_client(emulator, b.client, timeout=5):
            pass
    assert 4014 in emulator.gateway.closes


async def test_privileged_intent_enabled_gets_members(emulator: Emulator, guild: Guild) -> None:
    emulator.enable_privileged_intents(members=True)
    emulator.add_member(guild, "alice")
    intents = discord.Intents.default()
    intents.members = True
    b = build_client(emulator, guild, intents)
    async with connect_client(emulator, b.client):
        dguild = b.client.get_guild(guild.id)
        assert dguild is not None and {m.name for m in dguild.members} >= {"alice", "Bot"}
        new = emulator.add_member(guild, "late_joiner")
        await eventually(lambda: dguild.get_member(new.id) is not None)


async def test_resume_replays_missed_events(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    alice = emulator.add_member(guild, "alice")
    mid = await _bot_message(emulator, guild)
    async with emulator.bot_offline():
        await alice.react(mid, "👍")
        await alice.react(mid, "🎉")
        await asyncio.sleep(0.05)
        assert bot.reactions == []
    await eventually(lambda: len(bot.reactions) == 2)
    assert emulator.gateway.resumes == 1 and bot.resumed == 1
    assert [str(r.emoji) for r in bot.reactions] == ["👍", "🎉"]


async def test_drop_connection_resumes(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    alice = emulator.add_member(guild, "alice")
    mid = await _bot_message(emulator, guild)
    await emulator.drop_bot_connection(code=4000)
    await alice.react(mid, "👍")
    await eventually(lambda: len(bot.reactions) == 1)
    await eventually(lambda: emulator.gateway.resumes == 1)
    result = await alice.run("/ping")
    assert result.content == "pong"


async def test_invalid_session_reidentifies_without_replay(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    alice = emulator.add_member(guild, "alice")
    mid = await _bot_message(emulator, guild)
    async with emulator.bot_offline(invalidate=True):
        await alice.react(mid, "👍")
    await eventually(lambda: emulator.gateway.identifies == 2)
    await asyncio.sleep(0.1)
    assert bot.reactions == []  # never delivered
    assert emulator.reactions(mid) == {"👍": {alice.id}}
    await alice.react(mid, "🎉")
    await eventually(lambda: len(bot.reactions) == 1)
    assert (await alice.run("/ping")).content == "pong"


async def test_invalidate_live_session(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    await emulator.invalidate_session()
    await eventually(lambda: emulator.gateway.identifies == 2)
    await emulator.wait_until_ready()
    alice = emulator.add_member(guild, "alice")
    assert (await alice.run("/ping")).content == "pong"


async def test_raw_gateway_protocol(emulator: Emulator, guild: Guild) -> None:
    async with aiohttp.ClientSession() as s, s.ws_connect(emulator.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json())["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": "x", "intents": 1 << 10 | 1, "properties": {}}})
        ready = await ws.receive_json()
        assert ready["t"] == "READY" and ready["s"] == 1
        assert ready["d"]["resume_gateway_url"] == emulator.gateway_url
        gc = await ws.receive_json()
        assert gc["t"] == "GUILD_CREATE" and gc["d"]["id"] == str(guild.id)
        mid = await _bot_message(emulator, guild)
        alice = emulator.add_member(guild, "alice")
        await alice.react(mid, "👍")
        raw = await ws.receive()
        event = json.loads(raw.data)
        assert event["t"] == "MESSAGE_REACTION_ADD"
        d = event["d"]
        assert {"message_id", "channel_id", "user_id", "emoji", "type"} <= d.keys()


async def _identify_raw(ws: aiohttp.ClientWebSocketResponse, intents: int) -> None:
    await ws.receive_json()  # HELLO
    await ws.send_json({"op": 2, "d": {"token": "x", "intents": intents, "properties": {}}})
    await ws.receive_json()  # READY
    await ws.receive_json()  # GUILD_CREATE


@pytest.mark.emulator(identify_window=0)  # two raw IDENTIFYs back to back
async def test_message_content_intent(emulator: Emulator, guild: Guild) -> None:
    alice = emulator.add_member(guild, "alice")
    guild_messages, message_content = 1 << 9, 1 << 15
    async with aiohttp.ClientSession() as s, s.ws_connect(emulator.gateway_url) as ws:
        await _identify_raw(ws, 1 | guild_messages)
        await alice.say("secret words")
        event = await ws.receive_json()
        assert event["t"] == "MESSAGE_CREATE" and event["d"]["content"] == ""
        await alice.say(f"hey <@{emulator.bot.id}>")
        assert (await ws.receive_json())["d"]["content"].startswith("hey")
    emulator.enable_privileged_intents(message_content=True)
    async with aiohttp.ClientSession() as s, s.ws_connect(emulator.gateway_url) as ws:
        await _identify_raw(ws, 1 | guild_messages | message_content)
        await alice.say("secret words")
        assert (await ws.receive_json())["d"]["content"] == "secret words"


async def test_expiring_a_gone_client_ends_its_session(emulator: Emulator, guild: Guild) -> None:
    """A closed client's session stops getting frames once expired; a live one keeps its own."""
    gone = build_client(emulator, guild)
    async with connect_client(emulator, gone.client):
        pass
    live = build_client(emulator, guild)
    async with connect_client(emulator, live.client):
        assert len([s for s in emulator.gateway.sessions.values() if not s.invalid]) == 2
        assert emulator.gateway.expire_disconnected() == 1
        alive = list(emulator.gateway.sessions.values())
        assert len(alive) == 1 and alive[0].conn is not None and not alive[0].invalid
        alice = emulator.add_member(guild, "alice")
        await alice.react(await _bot_message(emulator, guild), "👍")
        await eventually(lambda: len(live.reactions) == 1)
        assert gone.reactions == [] and emulator.gateway.expire_disconnected() == 0
