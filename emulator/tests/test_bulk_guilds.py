"""Many realistic guilds at once through the control API, as a discord.py client sees them."""

from __future__ import annotations

import aiohttp
import discord
import pytest
from discord_emulator import Emulator
from discord_emulator.connect import connect_client
from discord_emulator.spec import load_spec
from plain_bot import eventually


async def _bulk(emu: Emulator, body: dict[str, object]) -> dict[str, object]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.url}/_emulator/guilds/bulk", json=body) as response,
    ):
        assert response.status == 200
        return await response.json()


def _client() -> discord.Client:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    return discord.Client(intents=intents, member_cache_flags=discord.MemberCacheFlags.none())


async def test_bulk_guilds_reach_a_client_whole(emulator: Emulator) -> None:
    answer = await _bulk(
        emulator,
        {"count": 30, "channels": 24, "roles": 12, "emojis": 4, "members": 3, "member_count": 900},
    )
    made = answer["guilds"]
    assert isinstance(made, list) and len(made) == 30
    client = _client()
    async with connect_client(emulator, client):
        assert len(client.guilds) == 30
        for entry in made:
            guild = client.get_guild(int(entry["id"]))
            assert guild is not None and guild.member_count == 900 and guild.large
            kinds = [type(c) for c in guild.channels]
            assert len(kinds) == 24
            assert {discord.CategoryChannel, discord.TextChannel, discord.VoiceChannel} <= set(
                kinds
            )
            assert len(guild.roles) == 14  # @everyone, 12 roles, the bot's managed role
            assert len(entry["members"]) == 3
            # sent in GUILD_CREATE; discord.py keeps them only with the expressions intent
            assert len(emulator.guilds[guild.id].to_dict()["emojis"]) == 4
            me = guild.me
            assert me is not None and any(r.managed for r in me.roles)
            general = guild.get_channel(int(entry["general"]))
            assert isinstance(general, discord.TextChannel)
            perms = general.permissions_for(me)
            assert perms.send_messages and perms.add_reactions and perms.read_message_history
            staff = next(c for c in guild.categories if c.name == "Staff")
            assert not staff.permissions_for(guild.default_role).view_channel
            news = next(c for c in guild.text_channels if c.name == "announcements")
            assert not news.permissions_for(guild.default_role).send_messages
            assert any(c.overwrites for c in guild.channels)
            assert any(r.colour.value for r in guild.roles) and any(r.hoist for r in guild.roles)


async def test_bulk_guilds_made_live_reach_a_connected_client(emulator: Emulator) -> None:
    client = _client()
    async with connect_client(emulator, client):
        answer = await _bulk(emulator, {"count": 3, "channels": 10, "members": 5})
        await eventually(lambda: len(client.guilds) == 3)
        made = [emulator.guilds[int(g["id"])] for g in answer["guilds"]]  # type: ignore[index]
        assert {g.name for g in client.guilds} == {"Guild 1", "Guild 2", "Guild 3"}
    assert [len(g.channels) for g in made] == [10, 10, 10]
    assert all(len(g.members) == 7 for g in made)  # the owner, the bot, 5 members
    assert all(g.to_dict()["member_count"] == 7 for g in made)


@pytest.mark.skipif(load_spec() is None, reason="Discord API spec absent")
async def test_bulk_guild_shapes_follow_the_spec(emulator: Emulator) -> None:
    answer = await _bulk(emulator, {"count": 2, "channels": 30, "roles": 20, "emojis": 5})
    spec = load_spec()
    assert spec is not None
    for entry in answer["guilds"]:  # type: ignore[union-attr]
        payload = emulator.guilds[int(entry["id"])].to_dict()
        assert (
            spec.response_errors("/guilds/{guild_id}/channels", "get", 200, payload["channels"])
            == []
        )
        assert spec.response_errors("/guilds/{guild_id}/roles", "get", 200, payload["roles"]) == []
        assert (
            spec.response_errors("/guilds/{guild_id}/emojis", "get", 200, payload["emojis"]) == []
        )
