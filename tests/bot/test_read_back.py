"""Reading poll reactions back: /poll resync, at close, at the deadline, and what can go wrong."""

from __future__ import annotations

from datetime import timedelta

from discord_emulator import permissions as P
from discord_emulator.routes_messages import delete_message
from sqlalchemy import update

from bot.domain.outcomes import Choice
from db.models import Poll
from tests.bot.conftest import ON_BOTH_BACKENDS, World
from tests.bot.test_polls_votes import open_poll

pytestmark = ON_BOTH_BACKENDS

YES, HALF, NO = "✅", "🌓", "❌"
REACTION_USERS = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}"


async def votes_of(world: World, message_id: int) -> dict[int, Choice]:
    poll = await world.services.polls.by_message(message_id)
    assert poll is not None
    return await world.services.votes.votes_of_poll(poll.id)


async def test_resync_fixes_what_the_gateway_never_delivered(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    first, second = await open_poll(live, 1), await open_poll(live, 2)
    a, b, c, d = live.members[:4]
    for member in (a, b, c):
        await member.react(first, YES)
    await d.react(second, NO)
    await live.settle()
    lost = live.emu.lose_reactions(
        [
            (live.members[10].id, first, YES, "add"),  # a vote never seen
            (a.id, first, YES, "remove"),  # a retraction never seen
            (b.id, first, YES, "remove"),  # a change never seen
            (b.id, first, HALF, "add"),
            (d.id, second, NO, "remove"),
        ]
    )
    assert lost == 5
    assert not await live.votes_match_reactions()

    denied = await live.run(live.members[5], "/poll resync")
    assert denied.ephemeral and "admin" in denied.content.lower()
    assert not await live.votes_match_reactions()  # a member can't trigger it

    result = await live.run(live.admin, "/poll resync")
    assert result.ephemeral
    lines = result.content.splitlines()
    assert lines[0] == "Re-read 2 polls: 1 vote(s) added, 1 changed, 2 removed."
    assert "#1: 1 added, 1 changed, 1 removed" in lines
    assert "#2: 0 added, 0 changed, 1 removed" in lines
    assert await live.votes_match_reactions()
    assert await votes_of(live, first) == {
        live.members[10].id: Choice.CAME_TRUE,
        b.id: Choice.PARTLY,
        c.id: Choice.CAME_TRUE,
    }

    again = await live.run(live.admin, "/poll resync", prediction="1")
    assert again.content == "Re-read 1 poll: the votes already matched the reactions."
    none = await live.run(live.admin, "/poll resync", prediction="3")
    assert none.ephemeral and none.content == "Prediction #3 has no open poll."


async def test_reading_back_costs_one_request_per_page_of_100(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    extra = [live.emu.add_member(live.guild, f"voter{n:03d}") for n in range(230)]
    # 260 humans hold ✅ (3 pages with the bot's own), nobody 🌓 (no request), 1 holds ❌.
    live.emu.lose_reactions([(m.id, message_id, YES, "add") for m in [*live.members, *extra]])
    live.emu.lose_reactions([(live.members[0].id, message_id, NO, "add")])
    live.emu.clear_records()
    result = await live.run(live.admin, "/poll resync", prediction="1")
    assert result.content.startswith("Re-read 1 poll: 260 vote(s) added")
    pages = [r.path for r in live.emu.requests_to("GET", REACTION_USERS)]
    assert len(pages) == 4, pages  # 261 ✅ users = 3 pages; ❌ = 1 page; 🌓 = none
    # The member holding both keeps one vote; the bot takes the other reaction off.
    assert (await votes_of(live, message_id))[live.members[0].id] is Choice.DID_NOT
    await live.emu.wait_for(
        lambda: live.members[0].id not in live.emu.reactions(message_id)[YES], timeout=5
    )
    assert await live.votes_match_reactions()


async def test_several_reactions_stay_without_manage_messages_and_the_stored_vote_wins(
    world: World,
) -> None:
    world.emu.set_bot_permissions(world.guild, P.DEFAULT_BOT & ~P.MANAGE_MESSAGES)
    async with world.running():
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        message_id = await open_poll(world, 1)
        a = world.members[0]
        await a.react(message_id, HALF)
        await world.settle()
        world.emu.lose_reactions([(a.id, message_id, YES, "add")])
        result = await world.run(world.admin, "/poll resync")
        assert result.content.splitlines()[0].endswith("the votes already matched the reactions.")
        assert "#1: 0 added, 0 changed, 0 removed, 1 extra reaction(s)" in result.content
        assert await votes_of(world, message_id) == {a.id: Choice.PARTLY}
        assert a.id in world.emu.reactions(message_id)[YES]  # it can't remove it: left alone


async def test_close_and_resolve_read_the_reactions_back_first(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    first, second = await open_poll(live, 1), await open_poll(live, 2)
    a, b = live.members[:2]
    live.emu.lose_reactions([(a.id, first, NO, "add"), (b.id, second, YES, "add")])

    closed = await live.run(live.admin, "/poll close", prediction="1")
    assert closed.content.startswith("Closed the poll on #1:")
    assert "❌ 1" in closed.content and "(1 vote)" in closed.content
    assert await votes_of(live, first) == {a.id: Choice.DID_NOT}

    await live.run(live.admin, "/prediction resolve", prediction="2", outcome="came_true")
    assert await votes_of(live, second) == {b.id: Choice.CAME_TRUE}
    board = await live.services.boards.month(live.guild.id)
    assert [(r.member_id, r.points) for r in board.rows] == [(b.id, 1.0)]


async def test_deadline_close_reads_back_but_not_long_after(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    first = await open_poll(live, 1, hours=2)
    second = await open_poll(live, 2, hours=5)
    a, b = live.members[:2]
    live.emu.lose_reactions([(a.id, first, YES, "add"), (b.id, second, YES, "add")])

    live.clock.advance(timedelta(hours=2, seconds=10))  # the close runs right at the deadline
    await live.bot.scheduler.tick()
    assert await votes_of(live, first) == {a.id: Choice.CAME_TRUE}
    assert live.poll_message(1).embeds[0]["title"].startswith("Poll closed ·")

    live.clock.advance(timedelta(hours=5))  # the second one is found long past its deadline
    await live.bot.scheduler.tick()
    assert await votes_of(live, second) == {}  # reactions may be late ones: votes stand
    assert live.poll_message(2).embeds[0]["title"].startswith("Poll closed ·")


async def test_a_deleted_poll_message_closes_its_poll_and_the_admin_is_told(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    other = await open_poll(live, 2)
    await live.members[0].react(message_id, YES)
    await live.members[1].react(other, NO)
    await live.settle()
    delete_message(live.emu, live.emu.message(message_id))  # a moderator deletes the poll

    result = await live.run(live.admin, "/poll resync")
    text = (
        f"The poll message on #1 in <#{live.polls.id}> was deleted, so I closed that poll; "
        "votes cast before stand. /poll open 1 posts a new poll."
    )
    assert result.content.splitlines() == [
        "Re-read 1 of 2 polls: the votes already matched the reactions.",
        f"#1: {text}",
    ]
    poll = await live.services.polls.by_message(message_id)
    assert poll is not None and poll.close_reason == "message deleted"
    assert await votes_of(live, message_id) == {live.members[0].id: Choice.CAME_TRUE}

    await live.members[2].react(other, YES)  # the other poll keeps working
    await live.settle()
    reopened = await live.run(live.admin, "/poll open", prediction="1")
    assert reopened.content.startswith("Poll on #1 is open until")


async def test_a_poll_channel_the_bot_cannot_read_is_told_without_refused_requests(
    live: World,
) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    await live.members[0].react(message_id, YES)
    await live.settle()
    emu = live.emu
    emu.set_overwrite(live.polls, emu.bot_role(live.guild), deny=P.READ_MESSAGE_HISTORY)
    await emu.wait_for(
        lambda: not live.polls_permissions().read_message_history,
        timeout=5,
    )
    emu.clear_records()
    result = await live.run(live.admin, "/poll resync")
    text = (
        f"I can't read the polls in <#{live.polls.id}> (missing Read Message History); "
        "their votes stay as recorded and miss any change until I can."
    )
    assert result.content.splitlines() == [
        "I couldn't re-read it:",
        f"#1: {text}",
    ]
    assert not [r for r in emu.requests if "/reactions/" in r.route or r.status == 403]
    assert f"read:{live.polls.id}" in await live.services.notices.keys(live.guild.id)
    assert await votes_of(live, message_id) == {live.members[0].id: Choice.CAME_TRUE}

    emu.set_overwrite(live.polls, emu.bot_role(live.guild))
    await emu.wait_for(lambda: live.polls_permissions().read_message_history, timeout=5)
    again = await live.run(live.admin, "/poll resync")  # reading works again: notice cleared
    assert again.content == "Re-read 1 poll: the votes already matched the reactions."
    assert f"read:{live.polls.id}" not in await live.services.notices.keys(live.guild.id)


MESSAGE = "/channels/{channel_id}/messages/{message_id}"


async def test_reactions_added_while_reading_back_are_all_kept(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    voters = [live.emu.add_member(live.guild, f"voter{n:03d}") for n in range(249)]
    late, early = voters[:50], voters[50:]  # the late ones have the lowest ids: pages shift
    await live.emu.burst_reactions([(m.id, message_id, YES, "add") for m in early])
    await live.settle()

    async def people_react(_request: object) -> None:
        remove()  # once: right after the bot read the reaction counts
        await live.emu.burst_reactions([(m.id, message_id, YES, "add") for m in late])

    remove = live.emu.after_request("GET", MESSAGE, people_react)
    result = await live.run(live.admin, "/poll resync", prediction="1")
    assert " removed" in result.content and "0 removed" in result.content.splitlines()[0]
    await live.settle()
    assert set(await votes_of(live, message_id)) == {m.id for m in voters}


async def test_a_reaction_while_close_reads_back_still_counts(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    a, b, late = live.members[:3]
    await a.react(message_id, YES)
    await b.react(message_id, NO)
    await live.settle()

    writer = live.bot.workflows.writer

    async def someone_votes(_request: object) -> None:
        remove()
        before = writer.received
        await late.react(message_id, YES)
        # Its event reaches the bot while the read is under way.
        await live.emu.wait_for(lambda: writer.received > before, timeout=5)

    remove = live.emu.after_request("GET", REACTION_USERS, someone_votes)
    closed = await live.run(live.admin, "/poll close", prediction="1")
    assert "✅ 2" in closed.content and "(3 votes)" in closed.content, closed.content
    assert await votes_of(live, message_id) == {
        a.id: Choice.CAME_TRUE,
        b.id: Choice.DID_NOT,
        late.id: Choice.CAME_TRUE,
    }


async def test_a_second_process_stops_watching_a_poll_the_first_closed(world: World) -> None:
    async with world.running():
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        await open_poll(world, 1, hours=1)
    async with world.running() as first, world.running() as second:
        assert len(second.discord_io.polls) == 1
        world.clock.advance(timedelta(hours=1, seconds=1))
        await first.scheduler.tick()
        await second.scheduler.tick()
        assert len(second.discord_io.polls) == 0
        before = len(world.emu.requests)
        await second.scheduler.tick()
        assert world.emu.requests[before:] == []  # nothing left to read back or close
        assert second.scheduler.next_wait() == second.scheduler.interval


async def test_a_poll_message_posted_just_before_a_crash_is_recovered_with_its_votes(
    world: World,
) -> None:
    async with world.running():
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        message_id = await open_poll(world, 3)
        async with world.services.db.write() as session:  # the crash: its id never recorded
            await session.execute(update(Poll).values(message_id=None))
        # And a poll whose message never landed at all.
        await world.services.polls.open(world.guild.id, 4, channel_id=world.polls.id)
    a, b = world.members[:2]
    world.emu.lose_reactions([(a.id, message_id, YES, "add"), (b.id, message_id, NO, "add")])
    async with world.running() as bot:
        ref = bot.discord_io.polls.get(message_id)  # recovered, and read back at start
        assert ref is not None
        assert ref.number == 3
        assert await votes_of(world, message_id) == {a.id: Choice.CAME_TRUE, b.id: Choice.DID_NOT}
        assert len(world.poll_messages()) == 1  # nothing posted again
        assert await world.services.polls.unposted() == []  # #4 discarded: it can be reopened
        reopened = await world.run(world.admin, "/poll open", prediction="4")
        assert reopened.content.startswith("Poll on #4 is open until")


async def test_a_read_back_discord_did_not_answer_is_retried_by_the_scheduler(
    live: World,
) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    live.emu.lose_reactions([(m.id, message_id, YES, "add") for m in live.members[:3]])
    # Discord fails the reaction list (discord.py does not retry a 503).
    live.emu.inject_failure(f"GET {REACTION_USERS}", status=503, times=1)
    result = await live.run(live.admin, "/poll resync", prediction="1")
    assert "Discord didn't answer" in result.content
    assert await votes_of(live, message_id) == {}
    await live.bot.scheduler.tick()  # the next run reads it back without being asked
    assert await votes_of(live, message_id) == {m.id: Choice.CAME_TRUE for m in live.members[:3]}
    await live.bot.scheduler.tick()
    gets = [r for r in live.emu.requests if r.method == "GET" and "/reactions/" in r.route]
    assert len(gets) == 1 + 1  # the failed read and the retry; once answered, not read again
