"""Polls and votes through the emulator: reactions are the source of truth."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from discord_emulator import permissions as P

from bot.domain.edits import PredictionEdit
from bot.domain.outcomes import Choice
from bot.votes import remover as remover_module
from tests.bot.conftest import World

YES, HALF, NO = "✅", "🌓", "❌"


async def open_poll(world: World, number: int, hours: int = 24) -> int:
    result = await world.run(world.admin, "/poll open", prediction=str(number), hours=hours)
    assert result.messages[-1].content.startswith(f"Poll on #{number} is open until"), (
        result.messages[-1].content
    )
    return world.poll_message(number).id


async def test_poll_message_embed_and_reactions(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    await live.services.predictions.edit(
        live.guild.id, 4, PredictionEdit(criteria="Energy per token halves.")
    )
    message_id = await open_poll(live, 4, hours=48)
    message = live.emu.message(message_id)
    embed = message.embeds[0]
    assert embed["title"] == "Poll · #4 · Improved Efficiency and Sustainability"
    assert embed["description"].startswith("There will be significant advancements")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Source"] == "GPT-4o, 20 Nov 2024"
    assert fields["Resolution criteria"] == "Energy per token halves."
    closes = int((live.clock.now() + timedelta(hours=48)).timestamp())
    assert fields["Closes"] == f"<t:{closes}:f> (<t:{closes}:R>)"
    assert "✅ came true · 🌓 partly · ❌ did not" in fields["How to vote"]
    assert live.emu.reactions(message_id) == {e: {live.emu.bot.id} for e in (YES, HALF, NO)}
    assert message.allowed_mentions == {"parse": []}

    again = await live.run(live.admin, "/poll open", prediction="4")
    assert "already has an open poll" in again.messages[-1].content
    assert len(live.poll_messages()) == 1


async def test_votes_change_retract_and_older_reaction_removed(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    a, b, c = live.members[:3]
    await a.react(message_id, YES)
    await b.react(message_id, NO)
    await c.react(message_id, HALF)
    await c.react(message_id, "🎉")  # other emoji: ignored
    await live.settle()
    await a.react(message_id, NO)  # change of mind: the bot removes the older ✅
    await live.emu.wait_for(lambda: a.id not in live.emu.reactions(message_id)[YES], timeout=5)
    await b.unreact(message_id, NO)  # retraction
    await live.settle()
    poll = await live.services.polls.by_message(message_id)
    assert poll is not None
    assert await live.services.votes.votes_of_poll(poll.id) == {
        a.id: Choice.DID_NOT,
        c.id: Choice.PARTLY,
    }

    results = await live.run(live.members[5], "/poll results", prediction="1")
    fields = {f["name"]: f["value"] for f in results.embeds[0]["fields"]}
    assert fields["Poll"].endswith("✅ 0 · 🌓 1 · ❌ 1 (2 votes)")


async def test_removals_past_the_limit_are_dropped_and_their_polls_read_back_once_there_is_room(
    live: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(remover_module, "MAX_WAITING", 4)
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    members = live.members[:7]
    for member in members:
        await member.react(message_id, YES)
    await live.settle_until(lambda votes: len(votes) == 7)
    remover = live.bot.workflows.remover
    read_back = live.bot.workflows.read_back
    await remover.stop()  # the removals wait, as behind Discord's rate limits
    with caplog.at_level(logging.WARNING, logger="bot.votes.remover"):
        for member in members:
            await member.react(message_id, NO)
        await live.settle_until(lambda votes: set(votes.values()) == {Choice.DID_NOT})
    warnings = [r for r in caplog.records if "dropping more" in r.getMessage()]
    assert len(warnings) == 1
    assert await read_back.retry_unanswered() == []  # 4 wait: no room yet

    def holding_yes() -> set[int]:
        return live.emu.reactions(message_id)[YES] & {m.id for m in members}

    # A member whose removal was dropped takes the newer option off: the older ✅ they still
    # hold is their vote, which only reading the message back can tell.
    last = members[-1]
    await last.unreact(message_id, NO)
    await live.settle_until(lambda votes: last.id not in votes)
    remover.start()
    await live.emu.wait_for(lambda: len(holding_yes()) == 3, timeout=5)  # the 4 that waited
    (done,) = await read_back.retry_unanswered()
    assert done.ref.message_id == message_id
    await live.emu.wait_for(lambda: holding_yes() == {last.id}, timeout=10)
    await live.settle_until(lambda votes: votes.get(last.id) is Choice.CAME_TRUE)
    assert await live.votes_match_reactions()
    assert await read_back.retry_unanswered() == []  # read once


async def test_without_manage_messages_latest_reaction_wins(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.emu.set_bot_permissions(world.guild, P.DEFAULT_BOT & ~P.MANAGE_MESSAGES)
    async with world.running():
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        message_id = await open_poll(world, 2)
        a, b = world.members[:2]
        with caplog.at_level(logging.WARNING, logger="bot.votes.remover"):
            await a.react(message_id, YES)
            await world.settle()
            await a.react(message_id, NO)
            await b.react(message_id, YES)
            await world.settle_until(lambda votes: votes.get(a.id) is Choice.DID_NOT)
            await b.react(message_id, HALF)
            await b.unreact(message_id, HALF)  # their latest gone: the older ✅ counts again
        await world.settle_until(lambda votes: votes.get(b.id) is Choice.CAME_TRUE, timeout=15)
        poll = await world.services.polls.by_message(message_id)
        assert poll is not None
        votes = await world.services.votes.votes_of_poll(poll.id)
        assert votes == {a.id: Choice.DID_NOT, b.id: Choice.CAME_TRUE}
        assert world.emu.reactions(message_id)[YES] >= {a.id}  # the old reaction stays
        warnings = [r for r in caplog.records if "lack Manage Messages" in r.getMessage()]
        assert len(warnings) == 1
    world.emu.violations = [v for v in world.emu.violations if v.code != 50013]


async def test_open_all_close_and_deadline(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    await live.services.resolution.resolve(live.guild.id, 10, "came_true")
    result = await live.run(live.admin, "/poll open-all", hours=24, timeout=30)
    assert result.messages[-1].content == f"Opened 9 polls in <#{live.polls.id}>."
    assert len(live.poll_messages()) == 9
    again = await live.run(live.admin, "/poll open-all")
    assert again.messages[-1].content == "No prediction needed a poll."

    first = live.poll_message(1).id
    await live.members[0].react(first, YES)
    await live.settle()
    closed = await live.run(live.admin, "/poll close", prediction="1")
    assert closed.messages[-1].content == "Closed the poll on #1: ✅ 1 · 🌓 0 · ❌ 0 (1 vote)"
    assert live.emu.message(first).embeds[0]["title"].startswith("Poll closed · #1")
    result_post = live.emu.messages(live.polls.id)[-1]
    assert result_post.embeds[0]["title"] == "Poll result · #1 · Commoditization of Base-Level LLMs"

    await live.members[1].react(first, NO)  # after closing: ignored
    await live.bot.workflows.writer.flush()
    assert (await live.services.predictions.get(live.guild.id, 1)).tally.total == 1

    live.clock.advance(timedelta(hours=24))
    await live.bot.scheduler.tick()
    for number in range(2, 10):
        assert (
            live.emu.message(live.poll_message(number).id)
            .embeds[0]["title"]
            .startswith("Poll closed")
        )
    assert (await live.services.polls.open_refs()) == []
    denied = await live.run(live.members[0], "/poll open", prediction="1")
    assert "Only admins" in denied.content


async def test_poll_in_a_channel_the_bot_cannot_post_in(live: World) -> None:
    secret = live.emu.create_channel(live.guild, "secret")
    live.emu.set_overwrite(secret, live.emu.bot_role(live.guild), deny=P.SEND_MESSAGES)
    result = await live.run(live.admin, "/poll open", prediction="3", channel=secret)
    assert "I can't post in" in result.messages[-1].content
    assert await live.services.polls.pollable(live.guild.id) == list(range(1, 11))
    live.emu.violations = [v for v in live.emu.violations if v.code != 50013]


async def test_votes_survive_resume_invalid_session_and_restart(world: World) -> None:
    async with world.running():
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        message_id = await open_poll(world, 5)
        a, b, c, d = world.members[:4]
        await a.react(message_id, YES)
        await world.settle()

        async with world.emu.bot_offline():  # a RESUME replays what happened meanwhile
            await b.react(message_id, NO)
            await a.unreact(message_id, YES)
        await world.settle()

        async with world.emu.bot_offline(invalidate=True):  # nothing is replayed
            await c.react(message_id, HALF)
            await b.unreact(message_id, NO)
        await world.settle()  # the new session read back from the reactions

    # The bot is down; members keep reacting.
    await d.react(message_id, YES)
    await c.unreact(message_id, HALF)
    await a.react(message_id, NO)
    async with world.running():
        await world.settle()
        poll = await world.services.polls.by_message(message_id)
        assert poll is not None
        assert await world.services.votes.votes_of_poll(poll.id) == {
            a.id: Choice.DID_NOT,
            d.id: Choice.CAME_TRUE,
        }


async def test_longest_texts_fit_discord_limits(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    added = await live.run(
        live.admin,
        "/prediction add",
        title="T" * 100,
        statement="S" * 1000,
        source="R" * 100,
        criteria="C" * 1000,
    )
    assert added.content == "Added prediction #11."
    await live.run(live.members[0], "/prediction show", prediction="11")
    await open_poll(live, 11)
    await live.run(
        live.admin,
        "/prediction resolve",
        prediction="11",
        outcome="void",
        note="N" * 500,
        evidence="https://example.com/" + "e" * 400,
    )
    await live.run(live.members[0], "/prediction show", prediction="11")
    for message in live.emu.messages(live.polls.id):
        for embed in message.embeds:
            assert len(embed.get("title", "")) <= 256
            assert (
                sum(len(f["value"]) + len(f["name"]) for f in embed.get("fields", []))
                + len(embed.get("description", ""))
                <= 6000
            )
