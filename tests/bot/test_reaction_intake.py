"""The lean reaction intake: discord.py's internals it relies on, pinned, and its behaviour.

bot/discord_io/reaction_events.py replaces discord.py's parsers of MESSAGE_REACTION_ADD and
_REMOVE. If a discord.py upgrade renames the parser table or stops calling it per dispatch,
the tests named after those internals fail here rather than votes going missing quietly.
"""

from __future__ import annotations

import asyncio

import discord

from bot.app import CalledItBot
from bot.discord_io import reaction_events
from bot.domain.outcomes import Choice
from tests.bot.conftest import World

YES, NO = "✅", "❌"


def test_discord_py_builds_a_parser_table_with_the_reaction_events() -> None:
    """ConnectionState.parsers maps gateway event names to its parse_* methods."""
    client = discord.Client(intents=discord.Intents.none())
    parsers = client._connection.parsers
    assert parsers[reaction_events.ADD] == client._connection.parse_message_reaction_add
    assert parsers[reaction_events.REMOVE] == client._connection.parse_message_reaction_remove


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
    lean = bot._connection.parsers[reaction_events.ADD]
    assert lean.__module__ == reaction_events.__name__
    assert bot._connection.parsers[reaction_events.REMOVE].__module__ == reaction_events.__name__


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
    seen = reaction_events.reaction(data)
    assert seen == reaction_events.Reaction(3, 1, 5, None, YES, True, False, "Ada L.", ("7", "8"))
    removal = reaction_events.reaction({k: v for k, v in data.items() if k != "member"})
    assert removal.member is False and removal.display_name is None
