"""Reminders a day before a poll closes (once, across restarts and processes), /prediction
overdue and the weekly digest in the admin channel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from discord_emulator.models import Message
from sqlalchemy import select, update

from bot.domain import nonces
from bot.services.outbox import STALE_CLAIM
from db.models import OutboxEntry, Poll
from tests.bot.conftest import World

ROUTE = "/channels/{channel_id}/messages"


def reminders(world: World) -> list[Message]:
    """Return the reminders posted in #polls."""
    return [
        m
        for m in world.emu.messages(world.polls.id)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith("⏰ Closing soon")
    ]


def creates_in(world: World, channel_id: int) -> int:
    """Return how many message creates went to a channel."""
    path = f"/channels/{channel_id}/messages"
    return len([r for r in world.emu.requests_to("POST", ROUTE) if r.path == path])


async def open_poll(world: World, number: int, hours: int) -> int:
    """Open a poll in #polls as the admin; return its id."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    result = await world.run(world.admin, "/poll open", prediction=str(number), hours=hours)
    assert result.content.startswith(f"Poll on #{number} is open"), result.content
    refs = [r for r in await world.services.polls.open_refs() if r.number == number]
    return refs[0].poll_id


async def reminder_of(world: World, poll_id: int) -> int | None:
    """Return the stored reminder message id of a poll."""
    async with world.services.db.read() as session:
        return await session.scalar(select(Poll.reminder_message_id).where(Poll.id == poll_id))


async def test_one_reminder_with_the_tally_a_day_before_the_poll_closes(live: World) -> None:
    poll_id = await open_poll(live, 1, 48)
    poll = live.poll_message(1)
    for member in live.members[:3]:
        await member.react(poll.id, "✅")
    await live.members[3].react(poll.id, "❌")
    await live.settle()
    live.clock.advance(timedelta(hours=23, minutes=59))
    await live.bot.scheduler.tick()
    assert reminders(live) == []
    live.clock.advance(timedelta(minutes=2))
    await live.bot.scheduler.tick()
    (reminder,) = reminders(live)
    body = reminder.embeds[0]
    assert body["title"] == f"⏰ Closing soon · #1 · {poll.embeds[0]['title'].split(' · ', 2)[2]}"
    assert body["fields"][0]["value"] == "✅ 3 · 🌓 0 · ❌ 1 (4 votes)"
    assert reminder.nonce == nonces.reminder(poll_id)
    assert reminder.allowed_mentions == {"parse": []}
    assert await reminder_of(live, poll_id) == reminder.id
    for _ in range(3):  # exactly once
        live.clock.advance(timedelta(hours=6))
        await live.bot.scheduler.tick()
    assert reminders(live) == [reminder]


async def test_no_reminder_for_a_poll_that_closes_within_a_day_of_opening(live: World) -> None:
    short = await open_poll(live, 1, 24)
    shorter = await open_poll(live, 2, 3)
    for step in (timedelta(minutes=1), timedelta(hours=2), timedelta(hours=21)):
        live.clock.advance(step)
        await live.bot.scheduler.tick()
    assert reminders(live) == []
    assert await reminder_of(live, short) is None and await reminder_of(live, shorter) is None


async def test_a_reminder_that_landed_before_a_crash_is_found_after_a_restart(
    world: World,
) -> None:
    async with world.running():
        poll_id = await open_poll(world, 1, 48)
        world.clock.advance(timedelta(hours=24, minutes=1))
        await world.bot.scheduler.tick()
        (reminder,) = reminders(world)
        # The crash: the reminder landed, its record never did.
        async with world.services.db.write() as session:
            await session.execute(
                update(Poll).where(Poll.id == poll_id).values(reminder_message_id=None)
            )
            await session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.key == f"reminder:{poll_id}")
                .values(posted_at=None, channel_id=None, message_id=None)
            )
    creates = creates_in(world, world.polls.id)
    async with world.running():  # the restart: the claim is fresh, nobody takes it over yet
        await world.bot.scheduler.tick()
        assert reminders(world) == [reminder] and await reminder_of(world, poll_id) is None
        world.clock.advance(STALE_CLAIM + timedelta(seconds=30))
        await world.bot.scheduler.tick()
        assert reminders(world) == [reminder]
        assert creates_in(world, world.polls.id) == creates  # found, not posted again
        assert await reminder_of(world, poll_id) == reminder.id


async def test_a_reminder_claimed_by_a_process_that_died_is_posted_once(live: World) -> None:
    poll_id = await open_poll(live, 1, 48)
    live.clock.advance(timedelta(hours=24, minutes=1))
    async with live.services.db.write() as session:  # another process claimed, then died
        session.add(
            OutboxEntry(
                key=f"reminder:{poll_id}",
                guild_id=live.guild.id,
                claimed_at=live.clock.now(),
                claimed_by="dead-host:1",
            )
        )
    await live.bot.scheduler.tick()
    assert reminders(live) == []
    live.clock.advance(STALE_CLAIM + timedelta(seconds=30))
    await live.bot.scheduler.tick()
    (reminder,) = reminders(live)
    assert await reminder_of(live, poll_id) == reminder.id


async def test_two_processes_post_one_reminder(world: World) -> None:
    async with world.running():
        await open_poll(world, 1, 48)
    world.clock.advance(timedelta(hours=24, minutes=1))
    creates = creates_in(world, world.polls.id)
    async with world.running() as first, world.running() as second:
        await asyncio.gather(first.scheduler.tick(), second.scheduler.tick())
        await asyncio.gather(first.scheduler.tick(), second.scheduler.tick())
    assert len(reminders(world)) == 1
    assert creates_in(world, world.polls.id) == creates + 1  # the claim decided it


async def overdue_world(world: World) -> None:
    """Move to January 2026 with #1 and #2 resolved and a poll open on #3."""
    await open_poll(world, 3, 24 * 30)
    world.clock.set(datetime(2026, 1, 7, 12, tzinfo=UTC))  # a Wednesday in 2026-W02
    for number in ("1", "2"):
        await world.run(world.admin, "/prediction resolve", prediction=number, outcome="partly")


async def test_prediction_overdue_lists_unresolved_predictions_past_due(live: World) -> None:
    result = await live.run(live.admin, "/prediction overdue")
    assert result.embeds[0]["description"].startswith("Nothing is overdue")
    await overdue_world(live)
    result = await live.run(live.admin, "/prediction overdue")
    body = result.embeds[0]
    assert body["title"] == "Overdue predictions (8)"
    lines = body["description"].splitlines()
    assert [line.split()[0] for line in lines] == [f"**#{n}**" for n in range(3, 11)]
    assert "due 31 Dec 2025 · ✅ 0 · 🌓 0 · ❌ 0 (0 votes) · poll open" in lines[0]
    denied = await live.run(live.members[0], "/prediction overdue")
    assert denied.content.startswith("Only admins can do that")


async def test_the_weekly_digest_goes_to_the_admin_channel_at_most_once_a_week(
    live: World,
) -> None:
    admins = live.emu.create_channel(live.guild, "admins")
    await live.emu.wait_for(lambda: live.bot.get_channel(admins.id) is not None, timeout=5)
    await live.services.guilds.set_admin_channel(live.guild.id, admins.id)
    await live.bot.scheduler.tick()  # November: nothing overdue, no digest
    assert live.emu.messages(admins.id) == []
    await overdue_world(live)
    await live.bot.scheduler.tick()
    await live.bot.scheduler.tick()
    (digest,) = live.emu.messages(admins.id)
    assert digest.embeds[0]["title"] == "Weekly digest · 8 overdue predictions"
    assert digest.nonce == nonces.weekly_digest(live.guild.id, "2026-W02")
    live.clock.advance(timedelta(days=3))  # still 2026-W02
    await live.bot.scheduler.tick()
    assert len(live.emu.messages(admins.id)) == 1
    live.clock.advance(timedelta(days=2))  # 2026-W03
    await live.bot.scheduler.tick()
    await live.bot.scheduler.tick()
    assert len(live.emu.messages(admins.id)) == 2
    async with live.services.db.read() as session:
        keys = set(
            await session.scalars(
                select(OutboxEntry.key).where(
                    OutboxEntry.key.startswith("digest:"), OutboxEntry.posted_at.is_not(None)
                )
            )
        )
    assert keys == {f"digest:{live.guild.id}:2026-W02", f"digest:{live.guild.id}:2026-W03"}
