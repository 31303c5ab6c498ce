"""Proofs that gateway faults never miscount votes: RESUME replays, INVALID_SESSION reads polls back."""

from __future__ import annotations

import asyncio

from bot.domain.outcomes import Choice
from bot.snapshots.predictions import Tally
from tests.bot.conftest import ON_BOTH_BACKENDS, World

pytestmark = ON_BOTH_BACKENDS

YES, HALF, NO = "✅", "🌓", "❌"
REACTION_READS = ("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}")


async def open_poll(world: World, number: int) -> tuple[int, int]:
    """Open a poll in #polls; return (poll id, message id)."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    result = await world.run(world.admin, "/poll open", prediction=str(number))
    assert result.messages[-1].content.startswith(f"Poll on #{number} is open")
    message_id = world.poll_message(number).id
    poll = await world.services.polls.by_message(message_id)
    assert poll is not None
    return poll.id, message_id


async def wait_votes(
    world: World,
    poll_id: int,
    expected: dict[int, Choice],
    timeout: float = 10.0,  # noqa: ASYNC109
) -> None:
    """Wait until a poll's stored votes are exactly `expected`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await world.bot.workflows.writer.flush()
        votes = await world.services.votes.votes_of_poll(poll_id)
        if votes == expected:
            return
        if loop.time() > deadline:
            assert votes == expected
        await asyncio.sleep(0.05)


def tally_of(votes: dict[int, Choice]) -> Tally:
    """Return the tally a set of votes should show."""
    return Tally(
        came_true=sum(c is Choice.CAME_TRUE for c in votes.values()),
        partly=sum(c is Choice.PARTLY for c in votes.values()),
        did_not=sum(c is Choice.DID_NOT for c in votes.values()),
    )


async def test_resume_replays_changes_and_removals_without_counting_twice(world: World) -> None:
    async with world.running():
        poll_id, message_id = await open_poll(world, 5)
        a, b, c, d, e, f = world.members[:6]
        await a.react(message_id, YES)
        await b.react(message_id, NO)
        await c.react(message_id, HALF)
        await wait_votes(
            world, poll_id, {a.id: Choice.CAME_TRUE, b.id: Choice.DID_NOT, c.id: Choice.PARTLY}
        )
        identifies, resumes = world.emu.gateway.identifies, world.emu.gateway.resumes
        reads = len(world.emu.requests_to(*REACTION_READS))

        async with world.emu.bot_offline():  # RESUME: everything below is replayed, in order
            await a.react(message_id, NO)  # a changes their mind ...
            await a.unreact(message_id, YES)
            await a.react(message_id, YES)  # ... and back: a replayed add after a change
            await a.unreact(message_id, NO)
            await b.unreact(message_id, NO)  # a replayed removal
            await d.react(message_id, HALF)  # a new vote
            await e.react(message_id, YES)  # added and taken back while away
            await e.unreact(message_id, YES)
            await f.react(message_id, NO)  # a new vote, then a retraction and a new one
            await f.unreact(message_id, NO)
            await f.react(message_id, HALF)

        assert world.emu.gateway.resumes == resumes + 1
        assert world.emu.gateway.identifies == identifies, "the session should have resumed"
        expected = {
            a.id: Choice.CAME_TRUE,
            c.id: Choice.PARTLY,
            d.id: Choice.PARTLY,
            f.id: Choice.PARTLY,
        }
        await wait_votes(world, poll_id, expected)
        await world.settle()
        assert await world.services.votes.votes_of_poll(poll_id) == expected
        assert (await world.services.predictions.get(world.guild.id, 5)).tally == tally_of(expected)
        assert len(world.emu.requests_to(*REACTION_READS)) == reads, (
            "the replay alone must account for the gap: no read-back on RESUME"
        )


async def test_events_straddling_a_resumed_disconnect_count_once(world: World) -> None:
    async with world.running():
        poll_id, message_id = await open_poll(world, 6)
        voters = world.members[:20]
        emoji = (YES, HALF, NO)
        # A burst the bot is still reading when the connection drops; more while it is away.
        await world.emu.burst_reactions(
            (m.id, message_id, emoji[i % 3], "add") for i, m in enumerate(voters)
        )
        async with world.emu.bot_offline():
            await world.emu.burst_reactions(
                [(m.id, message_id, emoji[(i + 1) % 3], "add") for i, m in enumerate(voters[:10])]
                + [(m.id, message_id, emoji[i % 3], "remove") for i, m in enumerate(voters[:10])]
                + [
                    (m.id, message_id, emoji[i % 3], "remove")
                    for i, m in enumerate(voters[10:15], 10)
                ]
            )
        assert world.emu.gateway.identifies == 1
        expected = {m.id: Choice.from_emoji(emoji[(i + 1) % 3]) for i, m in enumerate(voters[:10])}
        expected |= {m.id: Choice.from_emoji(emoji[i % 3]) for i, m in enumerate(voters[15:], 15)}
        await wait_votes(world, poll_id, expected)  # type: ignore[arg-type]
        assert (await world.services.predictions.get(world.guild.id, 6)).tally == tally_of(
            expected  # type: ignore[arg-type]
        )
        assert world.emu.gateway.resumes == 1


async def test_invalid_session_reads_back_missed_adds_removals_and_changes(world: World) -> None:
    async with world.running():
        poll_id, message_id = await open_poll(world, 7)
        a, b, c, d, e = world.members[:5]
        await a.react(message_id, YES)
        await b.react(message_id, NO)
        await c.react(message_id, HALF)
        await e.react(message_id, YES)
        await wait_votes(
            world,
            poll_id,
            {
                a.id: Choice.CAME_TRUE,
                b.id: Choice.DID_NOT,
                c.id: Choice.PARTLY,
                e.id: Choice.CAME_TRUE,
            },
        )
        identifies = world.emu.gateway.identifies
        reads = len(world.emu.requests_to(*REACTION_READS))

        async with world.emu.bot_offline(invalidate=True):  # nothing below is ever replayed
            await a.react(message_id, NO)  # missed change
            await a.unreact(message_id, YES)
            await b.unreact(message_id, NO)  # missed removal
            await d.react(message_id, HALF)  # missed add
            await c.react(message_id, YES)  # a second option: the stored 🌓 stays the vote

        assert world.emu.gateway.identifies == identifies + 1, "a new session, not a RESUME"
        expected = {
            a.id: Choice.DID_NOT,
            c.id: Choice.PARTLY,
            d.id: Choice.PARTLY,
            e.id: Choice.CAME_TRUE,
        }
        await wait_votes(world, poll_id, expected)
        await asyncio.wait_for(world.bot.settled.wait(), 10)
        assert len(world.emu.requests_to(*REACTION_READS)) > reads, "it read the reactions back"
        assert await world.services.votes.votes_of_poll(poll_id) == expected
        assert (await world.services.predictions.get(world.guild.id, 7)).tally == tally_of(expected)
        # Reduced to one: the extra reaction is taken off the message.
        await world.emu.wait_for(lambda: c.id not in world.emu.reactions(message_id)[YES])
        await world.settle()


async def test_two_quick_option_reactions_keep_votes_equal_to_reactions(live: World) -> None:
    poll_id, message_id = await open_poll(live, 8)
    member = live.members[0]
    await member.react(message_id, YES)  # both within one batch window (vote_delay 50 ms),
    await member.react(message_id, NO)  # as after a replay or a quick double click
    await wait_votes(live, poll_id, {member.id: Choice.DID_NOT})
    # The bot takes the older ✅ off, though both came in one batch.
    await live.emu.wait_for(lambda: member.id not in live.emu.reactions(message_id)[YES], 10)
    await member.unreact(message_id, NO)
    await live.settle()
    assert not any(member.id in users for users in live.emu.reactions(message_id).values())
    assert await live.services.votes.votes_of_poll(poll_id) == {}


async def test_add_add_remove_in_one_batch_keeps_votes_equal_to_reactions(live: World) -> None:
    poll_id, message_id = await open_poll(live, 9)
    member = live.members[0]
    await member.react(message_id, YES)  # all three within one batch window (50 ms), as in a
    await member.react(message_id, NO)  # RESUME replay, or a quick click on ❌ and back
    await member.unreact(message_id, NO)
    # As one by one: ❌ replaced ✅ (so ✅ comes off), then ❌ was removed: no vote, no reaction.
    await live.emu.wait_for(lambda: member.id not in live.emu.reactions(message_id)[YES], 10)
    await live.settle()
    assert await live.services.votes.votes_of_poll(poll_id) == {}
