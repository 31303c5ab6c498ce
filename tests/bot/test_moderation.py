"""What admins and moderators do to predictions and poll messages, and how the bot follows."""

from __future__ import annotations

import asyncio

from bot.domain import nonces
from tests.bot.conftest import World
from tests.bot.test_polls_votes import open_poll


async def test_editing_a_polled_prediction_edits_its_poll_message(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    a = live.members[0]
    await a.react(message_id, "✅")
    await live.settle()

    edited = await live.run(
        live.admin,
        "/prediction edit",
        prediction="1",
        title="Base LLMs are free",
        statement="Basic LLM capabilities are offered for free by @everyone's favourite labs.",
    )
    assert edited.content == "Updated prediction #1 and its open poll's message."
    message = live.emu.message(message_id)
    embed = message.embeds[0]
    assert embed["title"] == "Poll · #1 · Base LLMs are free"
    assert embed["description"].startswith("Basic LLM capabilities are offered for free")
    (poll,) = await live.services.polls.open_refs(live.guild.id)
    assert nonces.is_stamped(embed["footer"]["text"], message.nonce or "")  # still findable
    assert await live.services.votes.votes_of_poll(poll.poll_id)  # votes kept
    live.emu.assert_clean()


async def test_editing_a_prediction_without_a_poll_says_only_that(live: World) -> None:
    edited = await live.run(live.admin, "/prediction edit", prediction="2", due="2026-06-30")
    assert edited.content == "Updated prediction #2."


YES, HALF, NO = "✅", "🌓", "❌"


async def vote(world: World, message_id: int, choices: list[str]) -> None:
    """Have members 0..n-1 vote the given options and wait until they are stored."""
    for member, option in zip(world.members, choices, strict=False):
        await member.react(message_id, option)
    await world.settle()


def bot_holds(world: World, message_id: int) -> set[str]:
    """Return the options the bot itself holds on a message."""
    return {e for e, users in world.emu.reactions(message_id).items() if world.emu.bot.id in users}


async def stored(world: World, message_id: int) -> dict[int, str]:
    """Return the stored votes of a poll message as member -> emoji."""
    poll = await world.services.polls.by_message(message_id)
    assert poll is not None
    return {m: c.emoji for m, c in (await world.services.votes.votes_of_poll(poll.id)).items()}


async def wait_stored(world: World, message_id: int, expected: dict[int, str]) -> None:
    """Wait until a poll's stored votes are exactly `expected`."""
    for _ in range(200):
        await world.bot.workflows.writer.flush()
        if await stored(world, message_id) == expected:
            return
        await asyncio.sleep(0.05)
    assert await stored(world, message_id) == expected


async def test_remove_all_reactions_removes_every_vote_and_puts_the_options_back(
    live: World,
) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    await vote(live, message_id, [YES, YES, HALF, NO, NO, NO])
    assert len(await stored(live, message_id)) == 6

    removed = live.emu.clear_reactions(message_id, by=live.admin.user)  # "Remove All Reactions"
    assert removed == 6 + 3  # the members' and the bot's own three
    await wait_stored(live, message_id, {})
    await live.emu.wait_for(lambda: bot_holds(live, message_id) == {YES, HALF, NO}, timeout=10)
    voter = live.members[7]
    await voter.react(message_id, HALF)  # voting goes on
    await wait_stored(live, message_id, {voter.id: HALF})

    told = await live.run(live.admin, "/setup show")
    problems = told.embeds[0]["fields"][-1]["value"]
    assert (
        f"Someone removed all reactions from the poll on #1 in <#{live.polls.id}>: 6 votes went"
        in problems
    )
    live.emu.assert_clean()


async def test_removing_one_emoji_removes_that_options_votes_only(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 2)
    await vote(live, message_id, [YES, YES, YES, NO, NO])
    live.emu.clear_reactions(message_id, YES, by=live.admin.user)
    m = live.members
    await wait_stored(live, message_id, {m[3].id: NO, m[4].id: NO})
    await live.emu.wait_for(lambda: YES in bot_holds(live, message_id), timeout=10)
    notice = await live.run(live.admin, "/setup show")
    assert "every ✅ reaction from the poll on #2" in notice.embeds[0]["fields"][-1]["value"]
    assert "3 votes went" in notice.embeds[0]["fields"][-1]["value"]


async def test_a_vote_cast_right_after_a_clear_still_counts(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 3)
    await vote(live, message_id, [YES, NO])
    quick = live.members[5]
    live.emu.clear_reactions(message_id, by=live.admin.user)
    await quick.react(message_id, NO)  # right after it (the same batch or the next: both count)
    await wait_stored(live, message_id, {quick.id: NO})
    assert live.emu.reactions(message_id)[NO] >= {quick.id}


async def test_a_clear_while_the_bot_is_offline_is_found_by_the_next_read_back(
    live: World,
) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 4)
    await vote(live, message_id, [YES, HALF, NO])
    async with live.emu.bot_offline(invalidate=True):  # the clear's event is never delivered
        live.emu.clear_reactions(message_id, by=live.admin.user)
    await live.bot.settled.wait()
    await wait_stored(live, message_id, {})
    await live.emu.wait_for(lambda: bot_holds(live, message_id) == {YES, HALF, NO}, timeout=10)


async def test_a_clear_on_a_closed_poll_changes_nothing_stored(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 5)
    await vote(live, message_id, [YES, NO])
    before = await stored(live, message_id)
    closed = await live.run(live.admin, "/poll close", prediction="5")
    assert closed.content.startswith("Closed the poll on #5")
    requests = len(live.emu.requests)
    live.emu.clear_reactions(message_id, by=live.admin.user)
    await asyncio.sleep(0.3)  # give a (wrong) vote change time to show; nothing may change
    await live.bot.workflows.writer.flush()
    assert await stored(live, message_id) == before  # closed polls are frozen
    assert not [r for r in live.emu.requests[requests:] if "/reactions/" in r.route]


async def test_a_deleted_polls_channel_closes_its_polls_and_asks_for_a_new_one(
    live: World,
) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    first = await open_poll(live, 1)
    await open_poll(live, 2)
    await vote(live, first, [YES, NO])
    live.emu.delete_channel(live.polls, by=live.admin.user)
    for _ in range(100):
        if not await live.services.polls.open_refs(live.guild.id):
            break
        await asyncio.sleep(0.05)
    assert await live.services.polls.open_refs(live.guild.id) == []
    assert len(await stored(live, first)) == 2  # closed with the votes they had
    assert len(live.bot.discord_io.polls) == 0
    config = await live.services.guilds.get(live.guild.id)
    assert config.polls_channel_id is None
    shown = await live.run(live.admin, "/setup show")
    problems = shown.embeds[0]["fields"][-1]["value"]
    assert "The channel holding the polls on #1, #2 was deleted" in problems
    assert "Set a new polls channel with /setup polls-channel." in problems
    titles = [
        embed.get("title", "")
        for channel in (live.general, live.leaderboard, live.polls)
        for message in live.emu.messages(channel.id)
        for embed in message.embeds
    ]
    assert not [t for t in titles if t.startswith("Poll result")]  # nowhere to post one
    done = await live.run(live.admin, "/setup polls-channel", channel=live.general)
    assert done.content.startswith("Polls channel set.")
    again = await live.run(live.admin, "/setup show")
    assert "was deleted" not in again.embeds[0]["fields"][-1]["value"]
