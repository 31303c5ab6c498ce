"""Sealed ballots across a slow database, restarts and shards.

A commit slower than 2 s is deferred and then followed up; a bot stopped between a click and
its answer stores the vote once (and answers it, or leaves the interaction visibly failed);
a click while the bot is down stores nothing; the buttons keep working after a restart; a
sealed poll on the second shard's server is served by the process that holds that shard.
"""

from __future__ import annotations

import asyncio

import pytest
from discord_emulator import Actor, Emulator, InteractionResult
from discord_emulator.connect import connect_client
from discord_emulator.models import Message

from bot.app import default_seed
from bot.domain.ballots import Action, custom_id
from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice
from bot.domain.shards import ShardScope, shard_of
from bot.services import Services
from bot.sharded import IdentifyGate, ShardedCalledItBot
from db.migrate import upgrade
from db.session import Database
from tests.bot.conftest import ON_BOTH_BACKENDS, World
from tests.bot.test_sealed_votes import code_of, open_sealed, press, vote
from tests.locks import votes_locked

YES, NO = Choice.CAME_TRUE, Choice.DID_NOT


def click_now(world: World, member: Actor, message: Message, cid: str) -> InteractionResult:
    """Press a button without waiting for any answer (the bot may be down)."""
    msg = world.emu.message(message.id)
    data = {"custom_id": cid, "component_type": 2}
    inter = world.emu.new_interaction(member, 3, data, world.emu.channels[msg.channel_id], msg)
    return InteractionResult(world.emu, inter)


@ON_BOTH_BACKENDS
async def test_a_slow_commit_is_deferred_then_followed_up(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    poll_id, message = await open_sealed(live, 1)
    member = live.members[0]
    async with votes_locked(live.db_url) as release:
        result = click_now(live, member, message, custom_id(Action.VOTE, poll_id, YES))
        await result.wait_answered(timeout=5)
        assert result.deferred and not result.finished()  # thinking, within Discord's 3 s
        await release()
        await result.wait_finished(timeout=15)
    code = await code_of(live, poll_id, member)
    [answer] = result.followups
    assert answer.ephemeral and f"Receipt code: `{code}`" in answer.content
    assert await live.services.votes.votes_of_poll(poll_id) == {member.id: YES}


@ON_BOTH_BACKENDS
async def test_restarts_lose_nothing_silently(world: World) -> None:
    member, other = world.members[:2]
    async with world.running():
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        poll_id, message = await open_sealed(world, 1)
        answered = await vote(world, other, message, poll_id, NO)
        other_code = await code_of(world, poll_id, other)
        assert f"`{other_code}`" in answered.content
        # A click whose commit is slow, and the bot stops before answering it.
        async with votes_locked(world.db_url) as release:
            pending = click_now(world, member, message, custom_id(Action.VOTE, poll_id, YES))
            await pending.wait_answered(timeout=5)
            stopping = asyncio.ensure_future(world.bot.close())
            await asyncio.sleep(0.3)
            await release()
            await asyncio.wait_for(stopping, 20)
    stored = await Services.build(Database(world.db_url), world.clock).votes.votes_of_poll(poll_id)
    assert stored == {other.id: NO, member.id: YES}  # stored once; the answer followed
    assert pending.finished() and f"`{await code_of(world, poll_id, member)}`" in (
        pending.followups[0].content
    )

    # While the bot is down a click stores nothing and is never answered (Discord: "failed").
    lost = click_now(world, other, message, custom_id(Action.RETRACT, poll_id))
    async with world.running():
        await asyncio.sleep(0.5)
        assert lost.interaction.response_type is None
        assert await world.services.votes.votes_of_poll(poll_id) == {
            other.id: NO,
            member.id: YES,
        }
        # The buttons still work after the restart, with the same receipts.
        mine = await press(world, other, message, Action.MINE, poll_id)
        assert f"`{other_code}`" in mine.content
        again = await vote(world, other, message, poll_id, NO)
        assert f"`{other_code}`" in again.content


@pytest.mark.emulator(shards=2, max_concurrency=2)
async def test_a_sealed_poll_on_the_second_shards_server(
    emulator: Emulator, db_url: str, world: World
) -> None:
    guild = world.guild
    while shard_of(guild.id, 2) != 1:  # guild ids are time based
        await asyncio.sleep(0.002)
        guild = emulator.create_guild("Second", channels=("general", "polls"))
    admin = emulator.add_admin(guild, "ada2")
    member = emulator.add_member(guild, "mia")
    general = next(c for c in guild.channels.values() if c.name == "general")
    database = Database(db_url)
    await upgrade(database)
    services = Services.build(database, world.clock)
    first = ShardedCalledItBot(
        services, gate=IdentifyGate(services.shards, 2, "test"), scope=ShardScope.of(2, [0])
    )
    async with connect_client(emulator, first, timeout=20):  # shard 0 syncs the commands
        await asyncio.wait_for(first.settled.wait(), 20)
    services = Services.build(database, FrozenClock(world.clock.now()))
    bot = ShardedCalledItBot(
        services,
        gate=IdentifyGate(services.shards, 2, "test"),
        scope=ShardScope.of(2, [1]),  # this process serves only the second shard
        scheduler_interval=3600,
        seed=default_seed(),
    )
    try:
        async with connect_client(emulator, bot, timeout=20):
            await asyncio.wait_for(bot.settled.wait(), 20)
            opened = await admin.run(
                "/poll open",
                in_channel=general,
                options={"prediction": "1", "ballot": "sealed"},
                check_permissions=False,
                timeout=10,
            )
            assert opened.content.startswith("Poll on #1 is open"), opened.content
            [ref] = await services.polls.open_refs(guild.id)
            message = emulator.message(ref.message_id)
            result = await member.click(
                message, custom_id(Action.VOTE, ref.poll_id, YES), timeout=10
            )
            assert result.ephemeral and result.content.startswith("Your vote: ✅")
            assert await services.votes.votes_of_poll(ref.poll_id) == {member.id: YES}
    finally:
        await database.dispose()
