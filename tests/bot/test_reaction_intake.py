"""The lean reaction intake and sliced gateway reads: the internals they rely on, pinned.

bot/discord_io/intake.py replaces discord.py's parsers of MESSAGE_REACTION_ADD and
_REMOVE. If a discord.py upgrade renames the parser table or stops calling it per dispatch,
the tests named after those internals fail here rather than votes going missing quietly.
"""

from __future__ import annotations

import asyncio
import inspect
import ssl
from asyncio import sslproto
from types import SimpleNamespace

import discord
import pytest
from aiohttp import base_protocol
from discord_emulator import Emulator
from discord_emulator.connect import connect_client

from bot.app import CalledItBot
from bot.domain.outcomes import Choice
from bot.domain.shards import ShardScope
from bot.services import Services
from bot.sharded import IdentifyGate, ShardedCalledItBot
from bot.votes import brake, intake
from tests.bot.conftest import World

YES, NO = "✅", "❌"


def test_discord_py_builds_a_parser_table_with_the_reaction_events() -> None:
    """ConnectionState.parsers maps gateway event names to its parse_* methods."""
    client = discord.Client(intents=discord.Intents.none())
    parsers = client._connection.parsers
    assert parsers[intake.ADD] == client._connection.parse_message_reaction_add
    assert parsers[intake.REMOVE] == client._connection.parse_message_reaction_remove


def test_discord_py_dispatches_through_that_table() -> None:
    """The gateway looks each dispatch up in the client's table (same object, per frame)."""
    source = discord.gateway.DiscordWebSocket.received_message.__code__.co_names
    assert "_discord_parsers" in source
    from_client = discord.gateway.DiscordWebSocket.from_client.__code__.co_names
    assert "parsers" in from_client and "_discord_parsers" in from_client


async def test_the_running_bot_reads_reactions_through_its_own_parser(live: World) -> None:
    """The connected gateway uses the bot's table, holding the lean parsers."""
    bot = live.bot
    assert bot.ws is not None
    assert bot.ws._discord_parsers is bot._connection.parsers
    lean = bot._connection.parsers[intake.ADD]
    assert lean.__module__ == intake.__name__
    assert bot._connection.parsers[intake.REMOVE].__module__ == intake.__name__
    # Clears come the same way: one mechanism for adds, removes and clears.
    assert bot._connection.parsers[intake.CLEAR_ALL].__module__ == intake.__name__
    assert bot._connection.parsers[intake.CLEAR_EMOJI].__module__ == intake.__name__


async def test_poll_votes_take_the_lean_path_and_other_reactions_reach_discord_py(
    live: World,
) -> None:
    """A vote on a poll is counted; a reaction elsewhere still reaches on_raw_reaction_add."""
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    result = await live.run(live.admin, "/poll open", prediction="3", hours=24)
    assert result.messages[-1].content.startswith("Poll on #3 is open")
    poll_message = live.poll_message(3).id
    other = await live.emu.post_message(live.general, live.admin.user.id, "not a poll")
    seen: list[discord.RawReactionActionEvent] = []
    got = asyncio.Event()

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        seen.append(payload)
        got.set()

    bot: CalledItBot = live.bot
    bot.add_listener(on_raw_reaction_add)
    try:
        a, b = live.members[:2]
        await a.react(poll_message, YES)
        await b.react(poll_message, NO)
        await b.react(other.id, YES)
        await asyncio.wait_for(got.wait(), 5)
        await live.settle()
    finally:
        bot.remove_listener(on_raw_reaction_add)
    poll = await live.services.polls.by_message(poll_message)
    assert poll is not None
    assert await live.services.votes.votes_of_poll(poll.id) == {
        a.id: Choice.CAME_TRUE,
        b.id: Choice.DID_NOT,
    }
    assert [(p.message_id, p.user_id, str(p.emoji)) for p in seen] == [(other.id, b.id, YES)]
    assert seen[0].member is not None and seen[0].member.id == b.id


async def test_clears_on_other_messages_still_reach_discord_py(live: World) -> None:
    """A clear on a message that is no open poll goes to discord.py's parser, as before."""
    other = await live.emu.post_message(live.general, live.admin.user.id, "not a poll")
    a = live.members[0]
    await a.react(other.id, YES)
    await live.settle()
    seen: list[discord.RawReactionClearEmojiEvent] = []
    got = asyncio.Event()

    async def on_raw_reaction_clear_emoji(payload: discord.RawReactionClearEmojiEvent) -> None:
        seen.append(payload)
        got.set()

    bot: CalledItBot = live.bot
    bot.add_listener(on_raw_reaction_clear_emoji)
    try:
        live.emu.clear_reactions(other.id, YES, by=live.admin.user)
        await asyncio.wait_for(got.wait(), 5)
    finally:
        bot.remove_listener(on_raw_reaction_clear_emoji)
    assert [(p.message_id, str(p.emoji)) for p in seen] == [(other.id, YES)]


def test_a_clear_payload_reads_as_every_reaction_or_one_emoji() -> None:
    """REMOVE_ALL carries no emoji (every reaction went); REMOVE_EMOJI names the one."""
    every = intake.clear({"channel_id": "2", "message_id": "3", "guild_id": "1"})
    assert every == intake.Clear(3, 1, None, None, True)
    one = intake.clear(
        {"channel_id": "2", "message_id": "3", "guild_id": "1", "emoji": {"id": None, "name": YES}}
    )
    assert one == intake.Clear(3, 1, None, YES, False)
    custom = intake.clear({"message_id": "3", "emoji": {"id": "99", "name": "yes"}})
    assert custom == intake.Clear(3, None, 99, "yes", False)


def test_a_reaction_payload_reads_as_discord_py_would() -> None:
    """Member name, bot flag and roles come out as discord.py's Member would give them."""
    data = {
        "user_id": "5",
        "channel_id": "2",
        "message_id": "3",
        "guild_id": "1",
        "emoji": {"id": None, "name": YES},
        "member": {
            "user": {"id": "5", "username": "ada", "global_name": "Ada L.", "bot": False},
            "nick": None,
            "roles": ["7", "8"],
        },
    }
    seen = intake.reaction(data)
    assert seen == intake.Reaction(3, 1, 5, None, YES, True, False, "Ada L.", ("7", "8"))
    removal = intake.reaction({k: v for k, v in data.items() if k != "member"})
    assert removal.member is False and removal.display_name is None


def sliced(gateway: object) -> bool:
    """Return whether a discord.py gateway websocket reads in READ_SIZE slices."""
    transport = gateway.socket._conn.transport  # type: ignore[attr-defined]
    return bool(transport.max_size == brake.READ_SIZE)


async def test_gateway_reads_are_sliced_on_connect_and_after_a_resume(live: World) -> None:
    """aiohttp's websocket keeps its transport at _conn.transport; asyncio reads max_size."""
    bot = live.bot
    assert bot.ws is not None
    assert hasattr(type(bot.ws.socket._conn.transport), "max_size")  # asyncio's read size
    assert sliced(bot.ws)
    async with live.emu.bot_offline():  # drop the connection: the bot RESUMEs on a new one
        pass
    await asyncio.sleep(0.2)
    assert live.emu.gateway.resumes >= 1
    assert sliced(bot.ws)


@pytest.mark.emulator(shards=2, max_concurrency=2)
async def test_every_shard_reads_in_slices(emulator: Emulator, services: Services) -> None:
    """The sharded bot slices each shard's own gateway connection."""
    emulator.create_guild("Shard test", channels=("general",))
    gate = IdentifyGate(services.shards, 2, "test")
    bot = ShardedCalledItBot(services, gate=gate, scope=ShardScope.of(2, [0, 1]), seed=None)
    async with connect_client(emulator, bot, timeout=20):
        await asyncio.wait_for(bot.settled.wait(), 20)
        gateways = bot.gateways()
        assert len(gateways) == 2
        assert all(sliced(g) for g in gateways)


async def test_gateway_reads_are_sliced_over_tls_too() -> None:
    """Discord's gateway is wss://: asyncio's SSL protocol then sizes each socket read."""
    loop = asyncio.get_running_loop()
    context = ssl.create_default_context()
    protocol = sslproto.SSLProtocol(loop, asyncio.Protocol(), context, None, server_hostname="x")
    transport = protocol._get_app_transport()
    assert len(protocol.get_buffer(-1)) > brake.READ_SIZE  # asyncio's 256 KB
    gateway = SimpleNamespace(socket=SimpleNamespace(_conn=SimpleNamespace(transport=transport)))
    assert brake.slice_reads(gateway)
    assert len(protocol.get_buffer(-1)) == brake.READ_SIZE
    assert protocol.max_size == brake.READ_SIZE


def test_aiohttp_tells_when_it_paused_reading_itself() -> None:
    """The brake leaves a transport aiohttp paused for its own queue to aiohttp."""
    source = inspect.getsource(base_protocol.BaseProtocol)
    assert "self._reading_paused = True" in source and "self._reading_paused = False" in source
