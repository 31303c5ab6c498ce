"""Shards: /gateway/bot advice, per-shard guilds and events, identify limits, 4010, 4011, RESUME."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import discord
import pytest
from discord import app_commands
from discord_emulator import Emulator, Guild
from discord_emulator.connect import DEFAULT_TOKEN, connect_client
from discord_emulator.shards import shard_for
from plain_bot import eventually

INTENTS = discord.Intents.none()
INTENTS.guilds = True
INTENTS.guild_reactions = True


async def _guilds_on_shards(emu: Emulator, count: int = 2, per_shard: int = 1) -> list[Guild]:
    """Create guilds until every shard of `count` owns at least `per_shard` of them."""
    guilds: list[Guild] = []
    while any(
        sum(1 for g in guilds if shard_for(g.id, count) == s) < per_shard for s in range(count)
    ):
        guilds.append(emu.create_guild(f"G{len(guilds)}"))
        await asyncio.sleep(0.002)  # the shard comes from the id's timestamp
    return guilds


def _frames(emu: Emulator) -> list[tuple[int, dict]]:
    """Return ``(shard_id, frame)`` for every dispatch the emulator sent, per session."""
    out = []
    for s in emu.gateway.sessions.values():
        out += [(s.shard[0], json.loads(f)) for _seq, f in s.buffer]
    return out


def _assert_routed_by_shard(emu: Emulator, count: int) -> None:
    for shard_id, frame in _frames(emu):
        d = frame["d"]
        gid = d.get("guild_id") or (d.get("id") if frame["t"] == "GUILD_CREATE" else None)
        if gid is not None:
            assert shard_for(int(gid), count) == shard_id, frame["t"]


def _ping_client(label: str, **kwargs: object) -> tuple[discord.Client, list[tuple[int, int]]]:
    """A client with a global /ping that records (guild id, author id) of each reaction."""
    cls = discord.AutoShardedClient if "shard_id" not in kwargs else discord.Client
    client = cls(intents=INTENTS, **kwargs)  # type: ignore[arg-type]
    tree = app_commands.CommandTree(client)
    seen: list[tuple[int, int]] = []

    @tree.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"pong from {label}")

    @client.event
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        seen.append((payload.guild_id or 0, payload.user_id))

    client.tree = tree  # type: ignore[attr-defined]
    return client, seen


@pytest.mark.emulator(shards=3, max_concurrency=4)
async def test_gateway_bot_gives_shards_and_session_start_limit(emulator: Emulator) -> None:
    headers = {"Authorization": f"Bot {DEFAULT_TOKEN}"}
    url = f"{emulator.api_base}/gateway/bot"
    async with aiohttp.ClientSession() as s, s.get(url, headers=headers) as r:
        data = await r.json()
    assert data["shards"] == 3
    limit = data["session_start_limit"]
    assert limit["max_concurrency"] == 4 and limit["total"] == 1000
    assert limit["remaining"] == 1000 and limit["reset_after"] > 0


@pytest.mark.emulator(max_concurrency=2, identify_window=0.3)
async def test_auto_sharded_client_sees_each_guild_on_its_shard(emulator: Emulator) -> None:
    guilds = await _guilds_on_shards(emulator, 2, per_shard=2)
    client, seen = _ping_client("auto", shard_count=2)
    async with connect_client(emulator, client):
        await client.tree.sync()  # type: ignore[attr-defined]
        assert {g.id for g in client.guilds} == {g.id for g in guilds}
        assert {s.shard for s in emulator.gateway.connected_sessions()} == {(0, 2), (1, 2)}
        for g in guilds:
            assert client.get_guild(g.id).shard_id == shard_for(g.id, 2)  # type: ignore[union-attr]
            member = emulator.add_member(g, f"m{g.id}")
            msg = await member.say("hi", in_channel=next(iter(g.channels)))
            await member.react(msg.id, "👍")
            assert (await member.run("/ping")).content == "pong from auto"
        await eventually(lambda: len(seen) == len(guilds))
        _assert_routed_by_shard(emulator, 2)
        interactions = [f for _s, f in _frames(emulator) if f["t"] == "INTERACTION_CREATE"]
        assert len(interactions) == len(guilds)  # each went to one shard only
        _shards, _url, limit = await client.http.get_bot_gateway()
        assert limit["remaining"] == limit["total"] - 2 and limit["max_concurrency"] == 2
    assert emulator.gateway.identifies == 2
    emulator.assert_clean()


@pytest.mark.emulator(identify_window=0.3)
async def test_two_clients_one_shard_each(emulator: Emulator) -> None:
    guilds = await _guilds_on_shards(emulator, 2, per_shard=2)
    c0, seen0 = _ping_client("0", shard_id=0, shard_count=2)
    c1, seen1 = _ping_client("1", shard_id=1, shard_count=2)
    async with connect_client(emulator, c0), connect_client(emulator, c1):
        await c0.tree.sync()  # type: ignore[attr-defined]
        by_shard = {s: {g.id for g in guilds if shard_for(g.id, 2) == s} for s in (0, 1)}
        assert {g.id for g in c0.guilds} == by_shard[0]
        assert {g.id for g in c1.guilds} == by_shard[1]
        for g in guilds:
            member = emulator.add_member(g, f"m{g.id}")
            msg = await member.say("hi", in_channel=next(iter(g.channels)))
            await member.react(msg.id, "👍")
            result = await member.run("/ping")
            assert result.content == f"pong from {shard_for(g.id, 2)}"
        await eventually(lambda: len(seen0) + len(seen1) == len(guilds))
        assert {gid for gid, _ in seen0} == by_shard[0]
        assert {gid for gid, _ in seen1} == by_shard[1]
        _assert_routed_by_shard(emulator, 2)
    emulator.assert_clean()  # max_concurrency 1: the second IDENTIFY waited for its turn


async def _raw_identify(
    s: aiohttp.ClientSession, emu: Emulator, shard: list[int] | None
) -> tuple[aiohttp.ClientWebSocketResponse, dict | None]:
    """Open a gateway socket and IDENTIFY; return it and the first answer (None if closed)."""
    ws = await s.ws_connect(emu.gateway_url)
    await ws.receive_json()  # HELLO
    d: dict = {"token": "x", "intents": 1 | 1 << 10, "properties": {}}
    if shard is not None:
        d["shard"] = shard
    await ws.send_json({"op": 2, "d": d})
    msg = await ws.receive()
    return ws, (json.loads(msg.data) if msg.type == aiohttp.WSMsgType.TEXT else None)


@pytest.mark.emulator(max_concurrency=1, identify_window=0.3)
async def test_identify_rate_limit_is_enforced(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as s:
        ws0, first = await _raw_identify(s, emulator, [0, 2])
        ws1, second = await _raw_identify(s, emulator, [1, 2])  # same bucket, too soon
        assert first is not None and first["t"] == "READY"
        assert second == {"op": 9, "s": None, "t": None, "d": False}
        assert [v.kind for v in emulator.violations] == ["identify"]
        await asyncio.sleep(0.35)
        ws2, third = await _raw_identify(s, emulator, [1, 2])
        assert third is not None and third["t"] == "READY" and third["d"]["shard"] == [1, 2]
        for ws in (ws0, ws1, ws2):
            await ws.close()
    emulator.clear_records()


@pytest.mark.emulator(max_concurrency=2, identify_window=5)
async def test_identify_buckets_follow_max_concurrency(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as s:
        ws0, a = await _raw_identify(s, emulator, [0, 4])
        ws1, b = await _raw_identify(s, emulator, [1, 4])  # bucket 1: allowed at once
        ws2, c = await _raw_identify(s, emulator, [2, 4])  # bucket 0 again: too soon
        assert a["t"] == b["t"] == "READY"  # type: ignore[index]
        assert c is not None and c["op"] == 9
        for ws in (ws0, ws1, ws2):
            await ws.close()
    assert len(emulator.violations) == 1 and emulator.violations[0].detail["bucket"] == 0
    emulator.clear_records()


@pytest.mark.emulator(identify_window=0)
async def test_invalid_shard_closes_4010(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as s:
        for bad in ([2, 2], [-1, 2], [0, 0], [0]):
            ws, answer = await _raw_identify(s, emulator, bad)
            assert answer is None and ws.close_code == 4010, bad
        ws, ok = await _raw_identify(s, emulator, [0, 2])
        assert ok is not None and ok["t"] == "READY"
        other, answer = await _raw_identify(s, emulator, [1, 3])  # count differs from live one
        assert answer is None and other.close_code == 4010
        await ws.close()
    assert emulator.gateway.closes.count(4010) == 5


@pytest.mark.emulator(guilds_per_shard=2, identify_window=0)
async def test_too_many_guilds_for_one_session_closes_4011(emulator: Emulator) -> None:
    for i in range(3):
        emulator.create_guild(f"G{i}")
    client = discord.Client(intents=INTENTS)
    with pytest.raises(discord.ConnectionClosed) as info:
        async with connect_client(emulator, client, timeout=5):
            pass
    assert info.value.code == 4011 and 4011 in emulator.gateway.closes


@pytest.mark.emulator(max_concurrency=2, identify_window=0.3)
async def test_resume_is_per_shard(emulator: Emulator) -> None:
    guilds = await _guilds_on_shards(emulator, 2)
    g0 = next(g for g in guilds if shard_for(g.id, 2) == 0)
    g1 = next(g for g in guilds if shard_for(g.id, 2) == 1)
    client, seen = _ping_client("auto", shard_count=2)
    async with connect_client(emulator, client):
        a0, a1 = emulator.add_member(g0, "a0"), emulator.add_member(g1, "a1")
        m0 = await a0.say("x", in_channel=next(iter(g0.channels)))
        m1 = await a1.say("y", in_channel=next(iter(g1.channels)))
        async with emulator.bot_offline(shard_id=1):
            await a1.react(m1.id, "👍")  # buffered for shard 1's session
            await a0.react(m0.id, "👍")  # shard 0 is still online
            await eventually(lambda: (g0.id, a0.id) in seen)
            assert (g1.id, a1.id) not in seen
        await eventually(lambda: (g1.id, a1.id) in seen)
        assert emulator.gateway.resumes == 1 and emulator.gateway.identifies == 2
        async with emulator.bot_offline(shard_id=0, invalidate=True):
            await a0.react(m0.id, "🎉")  # lost: shard 0 must IDENTIFY again
        await eventually(lambda: emulator.gateway.identifies == 3)
        await asyncio.sleep(0.1)
        assert seen.count((g0.id, a0.id)) == 1
        assert emulator.reactions(m0.id) == {"👍": {a0.id}, "🎉": {a0.id}}
        _assert_routed_by_shard(emulator, 2)
    emulator.assert_clean()


@pytest.mark.emulator(identify_window=0)
async def test_dms_go_to_shard_zero(emulator: Emulator) -> None:
    await _guilds_on_shards(emulator, 2)
    user = emulator.create_user("dm_user")
    direct_messages = 1 << 12
    async with aiohttp.ClientSession() as s:
        sockets = []
        for shard in ([0, 2], [1, 2]):
            ws = await s.ws_connect(emulator.gateway_url)
            await ws.receive_json()  # HELLO
            d = {"token": "x", "intents": 1 | direct_messages, "properties": {}, "shard": shard}
            await ws.send_json({"op": 2, "d": d})
            sockets.append(ws)
        await eventually(lambda: len(emulator.gateway.connected_sessions()) == 2)
        await emulator.post_message(emulator.dm_channel(user), user, "hello bot")
        got = {f["t"] for shard_id, f in _frames(emulator) if shard_id == 0}
        assert "MESSAGE_CREATE" in got
        assert all(f["t"] != "MESSAGE_CREATE" for shard_id, f in _frames(emulator) if shard_id)
        for ws in sockets:
            await ws.close()


async def test_control_settings_change_shard_advice(emulator: Emulator) -> None:
    body = {"shards": 4, "max_concurrency": 2, "identify_window": 0.1, "guilds_per_shard": 10}
    headers = {"Authorization": f"Bot {DEFAULT_TOKEN}"}
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{emulator.url}/_emulator/settings", json=body) as r:
            assert r.status == 200
        async with s.get(f"{emulator.api_base}/gateway/bot", headers=headers) as r:
            data = await r.json()
        async with s.get(f"{emulator.url}/_emulator/state") as r:
            state = await r.json()
    assert data["shards"] == 4 and data["session_start_limit"]["max_concurrency"] == 2
    assert emulator.shard_policy.guilds_per_shard == 10 and state["sessions"] == []
