"""A reaction flood from the emulator while a member runs a command: every vote, every answer."""

from __future__ import annotations

from discord_emulator.flood import Flood, Probe

from bot.domain.outcomes import Choice
from tests.bot.conftest import World
from tests.locks import votes_locked


async def test_a_flood_of_changing_votes_is_counted_and_commands_are_answered(live: World) -> None:
    """3,600 adds and removes on three polls; /poll results every 100 ms is acknowledged."""
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    messages = []
    for number in (1, 2, 3):
        result = await live.run(live.admin, "/poll open", prediction=str(number), hours=24)
        assert result.messages[-1].content.startswith(f"Poll on #{number} is open")
        messages.append(live.poll_message(number).id)
    members = [m.id for m in live.members]
    flood = Flood(
        id=1,
        message_ids=messages,
        member_ids=members,
        cycles=41,  # add, remove, add ... ending on an add: every member holds one option
        remove=True,
        chunk=200,
        probe=Probe(
            live.guild.id,
            live.members[0].id,
            live.polls.id,
            "/poll results",
            {"prediction": 2},
            0.1,
        ),
    )
    live.emu.start_flood(flood)
    await live.emu.wait_for(lambda: flood.finished, timeout=60)
    report = flood.report()
    assert report["error"] is None
    assert report["dispatched"] == 41 * len(members) * len(messages)
    assert report["probe"]["sent"] >= 1
    assert report["probe"]["unanswered"] == 0 and report["probe"]["late"] == 0
    await live.settle_until(lambda votes: len(votes) == len(members), timeout=30)
    assert await live.votes_match_reactions()
    last = 40 // 2  # the emoji turn of the final add cycle
    emoji = ("✅", "🌓", "❌")
    for j, message_id in enumerate(messages):
        poll = await live.services.polls.by_message(message_id)
        assert poll is not None
        votes = await live.services.votes.votes_of_poll(poll.id)
        assert votes == {
            member: Choice.from_emoji(emoji[(i + j + last) % 3]) for i, member in enumerate(members)
        }


async def test_a_backlog_the_database_cannot_take_pauses_the_gateway(world: World) -> None:
    """With the votes table locked the bot stops reading at its backlog limit, then catches up."""
    async with world.running(vote_backlog=60) as bot:
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        result = await world.run(world.admin, "/poll open", prediction="1", hours=24)
        assert result.messages[-1].content.startswith("Poll on #1 is open")
        message_id = world.poll_message(1).id
        members = [m.id for m in world.members]
        async with votes_locked(world.db_url) as release:
            flood = Flood(id=1, message_ids=[message_id], member_ids=members, cycles=5)
            flood.remove = True  # add, remove, add, remove, add: 150 events
            world.emu.start_flood(flood)
            transport = bot.ws.socket._conn.transport  # type: ignore[union-attr]
            await world.emu.wait_for(lambda: not transport.is_reading(), timeout=10)
            assert bot.workflows.writer.backlog >= 60
            await release()
        await world.emu.wait_for(lambda: flood.finished, timeout=30)
        await world.settle_until(lambda votes: len(votes) == len(members), timeout=30)
        assert transport.is_reading()
        assert await world.votes_match_reactions()
