"""Commands that write while the database is down or locked: a prompt answer, nothing half-done.

And the faults that heal by themselves stay healed: PostgreSQL restarted in the middle of a
burst of votes, SQLite locked longer than its busy timeout, a resolve while SQLite is locked
for a few seconds.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.bot.conftest import World
from tests.bot.test_vote_faults import open_poll
from tests.locks import votes_locked
from tests.pg import PgServer

EMOJI = ("✅", "🌓", "❌")
ON_POSTGRESQL = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)


def unavailable(state: str) -> str:
    """Return the answer to a command the database could not take."""
    return f"The database is {state} right now: nothing was changed. Try again in a minute."


async def assert_not_resolved(world: World, number: int, message_id: int) -> None:
    """Check that a failed resolve left nothing behind: unresolved, poll open, no announcement."""
    prediction = await world.services.predictions.get(world.guild.id, number)
    assert prediction.resolution is None
    poll = await world.services.polls.by_message(message_id)
    assert poll is not None and poll.closed_at is None
    assert not [m for m in world.emu.messages(world.polls.id) if "Resolved" in str(m.embeds)]


async def resolve(world: World, number: int, timeout: float = 40) -> tuple[str, float]:  # noqa: ASYNC109
    """Resolve a prediction as the admin; return the final answer and how long it took."""
    started = asyncio.get_running_loop().time()
    result = await world.run(
        world.admin,
        "/prediction resolve",
        prediction=str(number),
        outcome="came_true",
        timeout=timeout,
    )
    assert result.deferred
    return result.messages[-1].content, asyncio.get_running_loop().time() - started


@ON_POSTGRESQL
async def test_resolve_while_postgresql_is_down_is_answered_and_changes_nothing(
    world: World, request: pytest.FixtureRequest
) -> None:
    """The server stops mid-poll: the admin hears within seconds that nothing was changed."""
    server: PgServer = request.getfixturevalue("pg_server")
    async with world.running():
        poll_id, message_id = await open_poll(world, 4)
        for i, member in enumerate(world.members[:6]):
            await member.react(message_id, EMOJI[i % 3])
        await world.settle()
        await server.stop()
        try:
            await world.members[6].react(message_id, EMOJI[0])  # it waits for the database
            answer, took = await resolve(world, 4)
            assert answer == unavailable("unreachable")
            assert took < 20, f"answered after {took:.1f}s"
        finally:
            await server.start()
        await world.settle(timeout=30)  # the waiting vote commits once the server is back
        await assert_not_resolved(world, 4, message_id)
        answer, _ = await resolve(world, 4, timeout=20)  # tried again: it lands, every vote in
        assert answer.startswith("Resolved #4 as")
        assert len(await world.services.votes.votes_of_poll(poll_id)) == 7


async def test_resolve_while_sqlite_stays_locked_is_answered_and_changes_nothing(
    world: World,
) -> None:
    """Another writer holds the database past every wait: the admin hears so, nothing changes."""
    async with world.running():
        poll_id, message_id = await open_poll(world, 4)
        for i, member in enumerate(world.members[:6]):
            await member.react(message_id, EMOJI[i % 3])
        await world.settle()
        async with votes_locked(world.db_url):
            await world.members[6].react(message_id, EMOJI[0])  # it waits for the lock
            answer, took = await resolve(world, 4)
            assert answer == unavailable("busy")
            assert took < 25, f"answered after {took:.1f}s"
            await assert_not_resolved(world, 4, message_id)
        await world.settle(timeout=30)  # the lock is gone: the waiting vote commits
        assert len(await world.services.votes.votes_of_poll(poll_id)) == 7
        await assert_not_resolved(world, 4, message_id)


async def test_resolve_while_sqlite_is_locked_a_few_seconds_waits_and_lands(world: World) -> None:
    """A lock shorter than the waits heals by itself: the resolve lands with every vote."""
    async with world.running():
        poll_id, message_id = await open_poll(world, 4)
        for i, member in enumerate(world.members[:6]):
            await member.react(message_id, EMOJI[i % 3])
        await world.settle()
        async with votes_locked(world.db_url) as release:
            await world.members[6].react(message_id, EMOJI[0])
            resolving = asyncio.ensure_future(resolve(world, 4))
            await asyncio.sleep(3)
            assert not resolving.done()
            await release()
            answer, took = await resolving
        assert answer.startswith("Resolved #4 as"), answer
        assert took < 15
        prediction = await world.services.predictions.get(world.guild.id, 4)
        assert prediction.resolution is not None
        assert len(await world.services.votes.votes_of_poll(poll_id)) == 7


async def test_votes_through_sqlite_locked_past_its_busy_timeout_all_land(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Locked 12 s (longer than the 10 s busy timeout): the batch waits and retries, none lost."""
    async with world.running():
        poll_id, message_id = await open_poll(world, 4)
        members = world.members
        async with votes_locked(world.db_url) as release:
            await world.emu.burst_reactions(
                (m.id, message_id, EMOJI[i % 3], "add") for i, m in enumerate(members)
            )
            await asyncio.sleep(12)
            assert await world.services.votes.votes_of_poll(poll_id) == {}
            await release()
        await world.settle(timeout=30)
        assert len(await world.services.votes.votes_of_poll(poll_id)) == len(members)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("The database is busy" in m for m in messages) == 1, messages
    assert sum("takes writes again" in m for m in messages) == 1, messages


@ON_POSTGRESQL
async def test_votes_through_a_postgresql_restart_mid_burst_all_land(
    world: World, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    """The server restarts while a burst is being written: every vote lands, no read-back."""
    server: PgServer = request.getfixturevalue("pg_server")
    async with world.running():
        poll_id, message_id = await open_poll(world, 4)
        members = world.members
        await world.emu.burst_reactions(
            (m.id, message_id, EMOJI[i % 3], "add") for i, m in enumerate(members[:15])
        )
        await server.stop()
        try:
            await world.emu.burst_reactions(
                (m.id, message_id, EMOJI[i % 3], "add") for i, m in enumerate(members[15:])
            )
            await asyncio.sleep(1)
        finally:
            await server.start()
        await world.settle(timeout=30)
        assert len(await world.services.votes.votes_of_poll(poll_id)) == len(members)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("The database is unreachable" in m for m in messages) == 1, messages
    assert sum("takes writes again" in m for m in messages) == 1, messages


async def test_poll_open_while_sqlite_stays_locked_is_answered_and_posts_nothing(
    world: World,
) -> None:
    """Every command that writes answers the same way: here /poll open, nothing posted."""
    async with world.running():
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        async with votes_locked(world.db_url):
            started = asyncio.get_running_loop().time()
            result = await world.run(world.admin, "/poll open", prediction="2", timeout=40)
            took = asyncio.get_running_loop().time() - started
            assert result.messages[-1].content == unavailable("busy")
            assert took < 25, f"answered after {took:.1f}s"
        assert world.poll_messages() == []
        assert await world.services.polls.open_refs() == []
        result = await world.run(world.admin, "/poll open", prediction="2")
        assert result.messages[-1].content.startswith("Poll on #2 is open")
