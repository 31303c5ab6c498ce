"""A reaction flood from the emulator while a member runs a command: every vote, every answer."""

from __future__ import annotations

from bot.domain.outcomes import Choice
from bot.emulator.flood import Flood, Probe
from tests.bot.conftest import World


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
