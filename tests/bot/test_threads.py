"""Poll threads: one public thread per new poll, named after the prediction, locked (with
Manage Threads) and archived at the close; missing permissions told, the poll still works."""

from __future__ import annotations

from datetime import timedelta

from discord_emulator import permissions as P
from discord_emulator.models import Channel
from sqlalchemy import select

from db.models import Poll
from tests.bot.conftest import World


def threads_of(world: World) -> list[Channel]:
    """Return the threads started in #polls."""
    return [t for t in world.guild.threads.values() if t.parent_id == world.polls.id]


async def thread_ids(world: World) -> list[int | None]:
    """Return each poll's stored thread id, in order."""
    async with world.services.db.read() as session:
        return list(await session.scalars(select(Poll.thread_id).order_by(Poll.id)))


async def threads_on(world: World) -> None:
    """Set #polls and turn threads on."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    result = await world.run(world.admin, "/setup threads", mode="on")
    assert result.content.startswith("New polls get a thread.")


async def test_each_new_poll_gets_a_thread_archived_at_the_close(live: World) -> None:
    await threads_on(live)
    opened = await live.run(live.admin, "/poll open", prediction="1", hours=48)
    assert "⚠️" not in opened.content
    (thread,) = threads_of(live)
    poll = live.poll_message(1)
    title = poll.embeds[0]["title"].removeprefix("Poll · ")
    assert thread.name == title and thread.id == poll.id  # a thread on the poll message
    assert await thread_ids(live) == [thread.id]
    # The reminder goes into the thread.
    live.clock.advance(timedelta(hours=24, minutes=1))
    await live.bot.scheduler.tick()
    (reminder,) = [m for m in live.emu.messages(thread.id) if m.author.bot]
    assert reminder.embeds[0]["title"].startswith("⏰ Closing soon · #1")
    # Without Manage Threads: archived, not locked, and the admins are told.
    closed = await live.run(live.admin, "/poll close", prediction="1")
    assert thread.archived and not thread.locked
    assert f"I lack Manage Threads in <#{live.polls.id}>" in closed.content
    # With it: locked and archived.
    live.emu.set_bot_permissions(live.guild, P.DEFAULT_BOT | P.MANAGE_THREADS)
    await live.emu.wait_for(lambda: live.polls_permissions().manage_threads, timeout=5)
    await live.run(live.admin, "/poll open", prediction="2")
    second = next(t for t in threads_of(live) if t.id != thread.id)
    await live.run(live.admin, "/prediction resolve", prediction="2", outcome="did_not")
    assert second.archived and second.locked


async def test_no_thread_when_threads_are_off(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    await live.run(live.admin, "/poll open", prediction="1")
    assert threads_of(live) == [] and await thread_ids(live) == [None]
    await threads_on(live)
    result = await live.run(live.admin, "/setup threads", mode="off")
    assert result.content.startswith("New polls get no thread.")
    await live.run(live.admin, "/poll open", prediction="2")
    assert threads_of(live) == []


async def test_missing_thread_permission_is_told_and_the_poll_still_works(live: World) -> None:
    await threads_on(live)
    live.emu.set_overwrite(live.polls, live.emu.bot_role(live.guild), deny=P.CREATE_PUBLIC_THREADS)
    await live.emu.wait_for(lambda: not live.polls_permissions().create_public_threads, timeout=5)
    opened = await live.run(live.admin, "/poll open", prediction="1")
    assert opened.content.startswith("Poll on #1 is open")
    assert (
        f"I can't start poll threads in <#{live.polls.id}>: missing Create Public Threads."
        in opened.content
    )
    assert threads_of(live) == [] and await thread_ids(live) == [None]
    assert not [r for r in live.emu.requests if r.path.endswith("/threads")]  # not even tried
    poll = live.poll_message(1)
    await live.members[0].react(poll.id, "✅")
    await live.settle()
