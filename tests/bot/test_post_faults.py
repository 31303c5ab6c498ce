"""Posts survive faults: 429s, replies lost after Discord made the message, a crash between
claiming and posting the monthly board, two processes at the boundary, and a channel the bot
lost access to (the admins are told, everything else keeps working)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from discord_emulator import permissions as P
from discord_emulator.connect import DEFAULT_TOKEN
from discord_emulator.models import Message
from discord_emulator.routes_messages import delete_message
from sqlalchemy import delete, select, update

from bot.domain import nonces
from bot.domain.months import Month
from bot.services.outbox import STALE_CLAIM, board_key
from db.models import LeaderboardPost, OutboxEntry, Poll, Resolution, ResolutionEvent
from tests.bot.conftest import World

ROUTE = "/channels/{channel_id}/messages"
BOUNDARY = datetime(2025, 12, 1, 0, 5, tzinfo=UTC)
NOVEMBER = Month(2025, 11)


def titled(world: World, channel_id: int, prefix: str) -> list[Message]:
    """Return the messages of a channel whose first embed's title starts with a prefix."""
    return [
        m
        for m in world.emu.messages(channel_id)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith(prefix)
    ]


def boards(world: World) -> list[Message]:
    """Return the monthly leaderboard posts in #leaderboard."""
    return titled(world, world.leaderboard.id, "🏆 Leaderboard")


def lose_the_next_reply(world: World) -> None:
    """Make the next message create a 429 (not done), then a 502 after it was done."""
    world.emu.inject_failure(f"POST {ROUTE}", 429, retry_after=0.05)
    world.emu.inject_failure(f"POST {ROUTE}", 502, after_processing=True)


def create_statuses(world: World, channel_id: int) -> list[int]:
    """Return the statuses of the message creates in a channel, in order."""
    path = f"/channels/{channel_id}/messages"
    return [r.status for r in world.emu.requests_to("POST", ROUTE) if r.path == path]


async def post_record(world: World) -> OutboxEntry | None:
    """Return the November claim/record of the guild (in the outbox)."""
    async with world.services.db.read() as session:
        return await session.get(OutboxEntry, board_key(world.guild.id, NOVEMBER))


async def configure(world: World) -> None:
    """Set #polls and #leaderboard (in November, so November's board falls due in December)."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    await world.services.guilds.set_leaderboard_channel(world.guild.id, world.leaderboard.id)


async def test_a_poll_message_lands_once_through_a_429_and_a_lost_reply(live: World) -> None:
    await configure(live)
    lose_the_next_reply(live)
    result = await live.run(live.admin, "/poll open", prediction="3", timeout=20)
    assert result.content.startswith("Poll on #3 is open")
    (message,) = live.poll_messages()
    assert create_statuses(live, live.polls.id)[:3] == [429, 502, 200]
    refs = await live.services.polls.open_refs()
    assert [(r.message_id, r.poll_id) for r in refs] == [(message.id, refs[0].poll_id)]
    assert message.nonce == nonces.poll_message(refs[0].poll_id, live.clock.now())
    await live.members[0].react(message.id, "✅")
    await live.settle()  # the recorded message is the one that collects votes
    assert await live.services.votes.votes_of_poll(refs[0].poll_id)


async def test_a_result_post_lands_once_through_a_429_and_a_lost_reply(live: World) -> None:
    await configure(live)
    await live.run(live.admin, "/poll open", prediction="2")
    lose_the_next_reply(live)
    closed = await live.run(live.admin, "/poll close", prediction="2", timeout=20)
    assert closed.content.startswith("Closed the poll on #2")
    (result,) = titled(live, live.polls.id, "Poll result · #2")
    assert 502 in create_statuses(live, live.polls.id)
    async with live.services.db.read() as session:
        poll = await session.scalar(select(Poll))
    assert poll is not None and poll.closed_at is not None
    assert result.nonce == nonces.poll_result(poll.id, poll.closed_at)


async def test_an_announcement_lands_once_through_a_429_and_a_lost_reply(live: World) -> None:
    await configure(live)
    lose_the_next_reply(live)
    done = await live.run(
        live.admin, "/prediction resolve", prediction="4", outcome="came_true", timeout=20
    )
    assert done.content == "Resolved #4 as came true."
    (announcement,) = titled(live, live.polls.id, "Resolved · #4")
    assert create_statuses(live, live.polls.id) == [429, 502, 200]
    async with live.services.db.read() as session:
        (resolution,) = (await session.scalars(select(Resolution))).all()
    assert announcement.nonce == nonces.announcement(resolution.prediction_id, 1)


async def test_the_monthly_post_lands_once_through_a_429_and_a_lost_reply(live: World) -> None:
    await configure(live)
    live.clock.set(BOUNDARY)
    lose_the_next_reply(live)
    await live.bot.scheduler.tick()
    (post,) = boards(live)
    assert create_statuses(live, live.leaderboard.id) == [429, 502, 200]
    record = await post_record(live)
    assert record is not None and record.message_id == post.id and record.posted_at is not None
    assert post.nonce == nonces.monthly_board(live.guild.id, NOVEMBER)
    await live.bot.scheduler.tick()
    assert len(boards(live)) == 1


@pytest.mark.emulator(ratelimit_speed=2.0)
async def test_the_monthly_post_waits_out_a_spent_bucket(live: World) -> None:
    await configure(live)
    live.clock.set(BOUNDARY)
    # Another client of the same bot spends the channel's message bucket (5 per 2.5 s here),
    # so the bot's own post meets a real 429 and retries after it.
    url = f"{live.emu.api_base}/channels/{live.leaderboard.id}/messages"
    headers = {"Authorization": f"Bot {DEFAULT_TOKEN}"}
    async with aiohttp.ClientSession() as session:
        for n in range(5):
            async with session.post(url, json={"content": f"filler {n}"}, headers=headers) as r:
                assert r.status == 200
    await live.bot.scheduler.tick()
    assert len(boards(live)) == 1
    limited = [
        r for r in live.emu.rate_limited if r.path.endswith(f"/{live.leaderboard.id}/messages")
    ]
    assert limited, "the bot's post should have met the spent bucket"
    record = await post_record(live)
    assert record is not None and record.message_id == boards(live)[0].id


async def test_a_post_that_landed_before_a_crash_is_found_and_recorded(live: World) -> None:
    await configure(live)
    live.clock.set(BOUNDARY)
    await live.bot.scheduler.tick()
    (post,) = boards(live)
    # The crash: the post landed but its record never did.
    async with live.services.db.write() as session:
        await session.execute(delete(LeaderboardPost))
        await session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.key == board_key(live.guild.id, NOVEMBER))
            .values(posted_at=None, message_id=None, channel_id=None)
        )
    creates = len(live.emu.requests_to("POST", ROUTE))
    await live.bot.scheduler.tick()  # the claim is fresh: nobody takes it over yet
    assert (await post_record(live)).message_id is None  # type: ignore[union-attr]
    live.clock.advance(STALE_CLAIM + timedelta(seconds=30))
    await live.bot.scheduler.tick()
    assert boards(live) == [post]
    assert len(live.emu.requests_to("POST", ROUTE)) == creates  # found, not posted again
    record = await post_record(live)
    assert record is not None and record.message_id == post.id and record.posted_at is not None


async def test_a_claim_that_died_before_posting_is_posted_once_after_the_stale_window(
    live: World,
) -> None:
    await configure(live)
    live.clock.set(BOUNDARY)
    async with live.services.db.write() as session:  # another process claimed, then died
        session.add(
            OutboxEntry(
                key=board_key(live.guild.id, NOVEMBER),
                guild_id=live.guild.id,
                claimed_at=live.clock.now(),
                claimed_by="dead-host:1",
            )
        )
    await live.bot.scheduler.tick()
    assert boards(live) == []
    live.clock.advance(STALE_CLAIM - timedelta(seconds=30))
    await live.bot.scheduler.tick()
    assert boards(live) == []
    live.clock.advance(timedelta(minutes=1))
    await live.bot.scheduler.tick()
    await live.bot.scheduler.tick()
    (post,) = boards(live)
    record = await post_record(live)
    assert record is not None and record.message_id == post.id
    assert record.claimed_by == live.bot.workflows.monthly.claimant


async def test_two_processes_at_the_boundary_post_once(world: World) -> None:
    async with world.running():
        await configure(world)
    world.clock.set(BOUNDARY - timedelta(minutes=10))  # both start before the month turns
    async with world.running() as first, world.running() as second:
        assert boards(world) == []
        world.clock.set(BOUNDARY)
        await asyncio.gather(first.scheduler.tick(), second.scheduler.tick())
        await asyncio.gather(first.scheduler.tick(), second.scheduler.tick())
        assert first.workflows.monthly.claimant != second.workflows.monthly.claimant
    (post,) = boards(world)
    assert (await post_record(world)).message_id == post.id  # type: ignore[union-attr]
    # One process tried at all: the claim decided it, not Discord's nonce de-duplication.
    tries = [
        r
        for r in world.emu.requests_to("POST", "/channels/{channel_id}/messages")
        if r.path == f"/channels/{world.leaderboard.id}/messages"
    ]
    assert len(tries) == 1


async def test_a_lost_channel_is_told_to_the_admin_and_the_rest_keeps_working(
    live: World,
) -> None:
    await configure(live)
    admin, emu, bot_role = live.admin, live.emu, live.emu.bot_role(live.guild)
    emu.set_overwrite(live.leaderboard, bot_role, deny=P.VIEW_CHANNEL)
    await emu.wait_for(
        lambda: (
            not live.bot.get_channel(live.leaderboard.id)
            .permissions_for(live.bot.get_guild(live.guild.id).me)  # type: ignore[union-attr]
            .view_channel
        ),
        timeout=5,
    )
    live.clock.set(BOUNDARY)
    await live.bot.scheduler.tick()
    assert boards(live) == []
    # Nothing was sent to the hidden channel (so no 403 either).
    assert not [r for r in emu.requests if f"/{live.leaderboard.id}" in r.path]
    text = (
        f"I can't post the November 2025 leaderboard in <#{live.leaderboard.id}>: "
        "missing View Channel, Send Messages, Embed Links."
    )

    # The next admin command's reply carries the new notice once.
    opened = await live.run(admin, "/poll open", prediction="1")
    assert opened.content.startswith("Poll on #1 is open") and f"⚠️ {text}" in opened.content
    again = await live.run(admin, "/poll open", prediction="2")
    assert "⚠️" not in again.content
    shown = await live.run(admin, "/setup show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["What I can't do here"] == f"⚠️ {text}"

    # Votes and other commands keep working.
    poll = live.poll_message(1)
    for member in live.members[:3]:
        await member.react(poll.id, "✅")
    await live.settle()
    board = await live.run(live.members[5], "/leaderboard")
    assert board.messages[-1].embeds[0]["title"].startswith("Leaderboard")

    # Within the stale window the blocked post is not retried at all.
    await live.bot.scheduler.tick()
    assert not [r for r in emu.requests if f"/{live.leaderboard.id}" in r.path]

    # Access restored: the next attempt after the stale window lands once; the notice clears.
    emu.set_overwrite(live.leaderboard, bot_role)
    await emu.wait_for(
        lambda: (
            live.bot.get_channel(live.leaderboard.id)
            .permissions_for(live.bot.get_guild(live.guild.id).me)  # type: ignore[union-attr]
            .view_channel
        ),
        timeout=5,
    )
    live.clock.advance(STALE_CLAIM + timedelta(seconds=30))
    await live.bot.scheduler.tick()
    await live.bot.scheduler.tick()
    (post,) = boards(live)
    assert (await post_record(live)).message_id == post.id  # type: ignore[union-attr]
    shown = await live.run(admin, "/setup show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["What I can't do here"] == "Nothing: all good."


async def test_setup_check_reports_missing_permissions_and_clears_them(live: World) -> None:
    await configure(live)
    admin, emu = live.admin, live.emu
    emu.set_overwrite(live.polls, emu.bot_role(live.guild), deny=P.ADD_REACTIONS)
    emu.set_bot_permissions(live.guild, P.DEFAULT_BOT & ~P.MANAGE_MESSAGES)  # events in order
    await emu.wait_for(
        lambda: not live.bot.get_guild(live.guild.id).me.guild_permissions.manage_messages,  # type: ignore[union-attr]
        timeout=5,
    )
    checked = await live.run(admin, "/setup check")
    problems = {f["name"]: f["value"] for f in checked.embeds[0]["fields"]}[
        "What I can't do here"
    ].splitlines()
    assert sorted(problems) == [
        f"⚠️ I can't post polls in <#{live.polls.id}>: missing Add Reactions.",
        f"⚠️ I lack Manage Messages in <#{live.polls.id}>, so members' older reactions stay on "
        "polls there (their latest reaction is their vote).",
    ]
    refused = await live.run(admin, "/poll open", prediction="1")
    assert refused.content == f"I can't post in <#{live.polls.id}>: missing Add Reactions."
    assert live.poll_messages() == [] and await live.services.polls.open_refs() == []

    emu.set_overwrite(live.polls, emu.bot_role(live.guild))
    emu.set_bot_permissions(live.guild, P.DEFAULT_BOT)
    await emu.wait_for(
        lambda: live.bot.get_guild(live.guild.id).me.guild_permissions.manage_messages,  # type: ignore[union-attr]
        timeout=5,
    )
    checked = await live.run(admin, "/setup check")
    fields = {f["name"]: f["value"] for f in checked.embeds[0]["fields"]}
    assert fields["What I can't do here"] == "Nothing: all good."
    # Removing members' older reactions works again: a change of mind takes the old one off.
    opened = await live.run(admin, "/poll open", prediction="1")
    assert opened.content.startswith("Poll on #1 is open until")
    (message,) = live.poll_messages()
    member = live.members[0]
    await member.react(message.id, "✅")
    await live.settle()
    await member.react(message.id, "❌")
    await emu.wait_for(lambda: member.id not in emu.reactions(message.id)["✅"], timeout=10)


async def test_a_deleted_poll_message_is_told_and_cleared_by_a_new_poll(live: World) -> None:
    await configure(live)
    await live.run(live.admin, "/poll open", prediction="5")
    (ref,) = await live.services.polls.open_refs()
    delete_message(live.emu, live.emu.message(ref.message_id))  # a moderator deletes it
    text = (
        f"The poll message on #5 in <#{live.polls.id}> was deleted, so I closed that poll; "
        "votes cast before stand. /poll open 5 posts a new poll."
    )
    closed = await live.run(live.admin, "/poll close", prediction="5")  # finds it gone
    assert closed.content == text  # said once, not repeated as a new notice
    assert await live.services.notices.keys(live.guild.id) == {"poll-gone:5"}
    await live.run(live.admin, "/poll open", prediction="5")
    assert await live.services.notices.keys(live.guild.id) == set()


async def test_a_missing_manage_messages_found_while_voting_is_told(live: World) -> None:
    await configure(live)
    live.emu.set_bot_permissions(live.guild, P.DEFAULT_BOT & ~P.MANAGE_MESSAGES)
    await live.run(live.admin, "/poll open", prediction="6")
    poll, member = live.poll_message(6), live.members[0]
    await member.react(poll.id, "✅")
    await member.react(poll.id, "❌")  # a change of vote: the bot would remove the ✅
    await live.settle_until(lambda votes: votes.get(member.id) is not None)
    for _ in range(100):
        if await live.services.notices.keys(live.guild.id):
            break
        await asyncio.sleep(0.05)
    assert await live.services.notices.keys(live.guild.id) == {f"manage:{live.polls.id}"}
    shown = await live.run(live.admin, "/setup show")
    assert "I lack Manage Messages in" in shown.embeds[0]["fields"][-1]["value"]


def results(world: World, number: int) -> list[Message]:
    """Return the result posts of a prediction's polls in #polls."""
    return titled(world, world.polls.id, f"Poll result · #{number} ·")


async def result_record(world: World, number: int) -> int | None:
    """Return the recorded result message id of a prediction's latest poll."""
    refs = [m for m in world.poll_messages() if f"· #{number} ·" in m.embeds[0]["title"]]
    async with world.services.db.read() as session:
        return await session.scalar(
            select(Poll.result_message_id).where(Poll.message_id == refs[-1].id)
        )


async def test_a_poll_result_a_crash_kept_from_being_posted_is_posted_once_later(
    world: World,
) -> None:
    async with world.running() as bot:
        await configure(world)
        await world.run(world.admin, "/poll open", prediction="3", hours=2)
        await world.run(world.admin, "/poll open", prediction="4", hours=2)
        await world.run(world.admin, "/prediction resolve", prediction="4", outcome="partly")
        world.clock.advance(timedelta(hours=2, seconds=5))
        await bot.services.polls.close_due()  # closed and committed... then the process died
    assert results(world, 3) == []
    async with world.running() as bot:  # the start-up tick posts what is missing
        await world.emu.wait_for(lambda: results(world, 3), timeout=10)
        await bot.scheduler.tick()
        await bot.scheduler.tick()
    (result,) = results(world, 3)
    assert result.reference is not None
    assert str(result.reference["message_id"]) == str(world.poll_message(3).id)
    assert await result_record(world, 3) == result.id
    assert results(world, 4) == []  # closed by its resolution: announced, no poll result


async def test_a_poll_result_that_landed_before_a_crash_is_found_not_reposted(
    world: World,
) -> None:
    async with world.running():
        await configure(world)
        await world.run(world.admin, "/poll open", prediction="3")
        await world.run(world.admin, "/poll close", prediction="3")
        (result,) = results(world, 3)
        async with world.services.db.write() as session:  # the post landed; its record didn't
            await session.execute(update(Poll).values(result_message_id=None))
    creates = len(world.emu.requests_to("POST", ROUTE))
    async with world.running() as bot:
        for _ in range(50):
            if await result_record(world, 3) is not None:
                break
            await asyncio.sleep(0.05)
        await bot.scheduler.tick()
    assert results(world, 3) == [result]
    assert len(world.emu.requests_to("POST", ROUTE)) == creates  # found by its marker
    assert await result_record(world, 3) == result.id


def announcements(world: World, number: int) -> list[Message]:
    """Return the resolution announcements of a prediction in #polls."""
    return [
        m
        for prefix in ("Resolved ·", "Reopened ·")
        for m in titled(world, world.polls.id, f"{prefix} #{number} ·")
    ]


async def announced_ids(world: World) -> list[int | None]:
    """Return the recorded announcement message id of every resolution change, in order."""
    async with world.services.db.read() as session:
        return list(
            await session.scalars(
                select(ResolutionEvent.announced_message_id).order_by(ResolutionEvent.id)
            )
        )


async def test_a_resolution_a_crash_kept_from_being_announced_is_announced_once_later(
    world: World,
) -> None:
    async with world.running() as bot:
        await configure(world)
        await bot.scheduler.stop()  # no tick from here on: its start-up tick may still be due
        # Committed, then the process died before announcing; twice, the second replacing.
        await bot.services.resolution.resolve(world.guild.id, 2, "came_true")
        await bot.services.resolution.resolve(world.guild.id, 2, "did_not")
    assert announcements(world, 2) == []
    async with world.running() as bot:  # the start-up tick announces the latest change
        await world.emu.wait_for(lambda: announcements(world, 2), timeout=10)
        await bot.scheduler.tick()
        await bot.scheduler.tick()
    (post,) = announcements(world, 2)
    assert post.embeds[0]["description"].startswith("Official outcome: ❌ **did not**")
    assert "(changed from came true)" in post.embeds[0]["description"]
    assert await announced_ids(world) == [0, post.id]  # the replaced change: no longer due


async def test_an_announcement_that_landed_before_a_crash_is_found_not_reposted(
    world: World,
) -> None:
    async with world.running():
        await configure(world)
        await world.run(world.admin, "/prediction resolve", prediction="2", outcome="partly")
        (post,) = announcements(world, 2)
        assert await announced_ids(world) == [post.id]
        async with world.services.db.write() as session:  # landed; its record didn't
            await session.execute(update(ResolutionEvent).values(announced_message_id=None))
    creates = len(world.emu.requests_to("POST", ROUTE))
    async with world.running() as bot:
        for _ in range(50):
            if (await announced_ids(world))[0] is not None:
                break
            await asyncio.sleep(0.05)
        await bot.scheduler.tick()
    assert announcements(world, 2) == [post]
    assert len(world.emu.requests_to("POST", ROUTE)) == creates  # found by its marker
    assert await announced_ids(world) == [post.id]
