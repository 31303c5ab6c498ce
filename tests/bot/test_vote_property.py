"""Property: after any sequence of reactions and gateway faults, stored votes equal the reactions.

Each example gets its own emulator, server, members, two polls and database (a SQLite file or
a PostgreSQL database), and runs a random sequence of steps against the real bot: reactions
(add, change, remove), and faults
with reactions while the bot is away (a disconnect that RESUMEs, an INVALID_SESSION, a
restart of the bot on the same database). Once things are quiet, every poll's stored votes
must equal what its message's reactions say (`votes_from_reactions`).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from discord_emulator import Actor, Emulator
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain.clock import FrozenClock
from bot.domain.outcomes import POLL_EMOJI, Choice
from bot.domain.votes import votes_from_reactions
from tests.bot.conftest import ON_BOTH_BACKENDS, World

pytestmark = ON_BOTH_BACKENDS

MEMBERS = 4
POLLS = (3, 4)  # prediction numbers

Reaction = tuple[str, int, int, str]  # (kind, member index, poll index, emoji)
Fault = tuple[str, list[Reaction]]  # (kind, reactions while the bot is away)
Step = Reaction | Fault

members = st.integers(0, MEMBERS - 1)
polls = st.integers(0, len(POLLS) - 1)
emoji = st.sampled_from(POLL_EMOJI)


def reactions(kinds: tuple[str, ...]) -> st.SearchStrategy[Reaction]:
    """Return reaction steps of the given kinds."""
    return st.tuples(st.sampled_from(kinds), members, polls, emoji)


ONLINE = ("add", "change", "remove")
#: While the bot is away a member may also add a second option (Discord allows it); a new
#: session reads the reactions back and reduces them to one.
AWAY = (*ONLINE, "second")
#: In a RESUME gap too: replayed, a member's adds and removals can land in one vote batch.
RESUME_GAP = AWAY


def steps() -> st.SearchStrategy[list[Step]]:
    """Return sequences of reaction steps and faults with reactions while the bot is away."""
    fault = st.one_of(
        st.tuples(st.just("disconnect"), st.lists(reactions(RESUME_GAP), max_size=4)),
        st.tuples(
            st.sampled_from(("invalid_session", "restart")), st.lists(reactions(AWAY), max_size=4)
        ),
    )
    return st.lists(st.one_of(reactions(ONLINE), reactions(ONLINE), fault), max_size=10)


def held(emu: Emulator, message_id: int, member: Actor) -> list[str]:
    """Return the poll options a member holds on a message."""
    state = emu.reactions(message_id)
    return [e for e in POLL_EMOJI if member.id in state.get(e, set())]


async def react(world: World, messages: list[int], step: Reaction) -> None:
    """Do one reaction step as the member would, given what they hold right now."""
    kind, m, p, option = step
    member, message_id = world.members[m], messages[p]
    mine = held(world.emu, message_id, member)
    if kind == "add" and not mine:
        await member.react(message_id, option)
    elif kind == "change":  # pick another option, then take the old one(s) off
        await member.react(message_id, option)
        for old in mine:
            if old != option:
                await member.unreact(message_id, old)
    elif kind == "remove" and mine:
        await member.unreact(message_id, option if option in mine else mine[0])
    elif kind == "second":
        await member.react(message_id, option)


def expected(world: World, message_id: int, stored: dict[int, Choice]) -> dict[int, Choice]:
    """Return the votes a poll message's human reactions say."""
    humans = {a.id for a in world.members}
    by_choice: dict[Choice, set[int]] = {}
    for option, users in world.emu.reactions(message_id).items():
        choice = Choice.from_emoji(option)
        if choice is not None:
            by_choice[choice] = users & humans
    return votes_from_reactions(by_choice, stored)


async def mismatches(world: World, messages: list[int]) -> list[str]:
    """Return how each poll's stored votes differ from its reactions (empty when equal)."""
    out = []
    for message_id in messages:
        poll = await world.services.polls.by_message(message_id)
        assert poll is not None
        stored = await world.services.votes.votes_of_poll(poll.id)
        want = expected(world, message_id, stored)
        if stored != want:
            out.append(f"poll message {message_id}: stored {stored} != reactions say {want}")
    return out


async def quiesce(world: World, messages: list[int], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until the bot is idle and every poll's votes equal its reactions; fail otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await asyncio.wait_for(world.bot.settled.wait(), timeout)
        await world.bot.workflows.writer.flush()
        requests = len(world.emu.requests)
        problems = await mismatches(world, messages)
        if not problems:
            await asyncio.sleep(0.3)  # quiet: no request, no event, still equal
            await world.bot.workflows.writer.flush()
            if len(world.emu.requests) == requests and not await mismatches(world, messages):
                return
        elif loop.time() > deadline:
            pytest.fail("votes never matched the reactions:\n" + "\n".join(problems))
        await asyncio.sleep(0.05)


async def run_sequence(sequence: list[Step], db_url: str) -> None:
    """Run one example: a fresh server, two polls, the steps, then the invariant."""
    emu = Emulator(ratelimit_speed=10.0, validate_responses=True)
    await emu.start()
    try:
        guild = emu.create_guild("Forecasters", channels=("general", "polls", "leaderboard"))
        by_name = {c.name: c for c in guild.channels.values()}
        world = World(
            emu=emu,
            guild=guild,
            general=by_name["general"],
            polls=by_name["polls"],
            leaderboard=by_name["leaderboard"],
            admin=emu.add_admin(guild, "ada"),
            members=[emu.add_member(guild, f"member{n}") for n in range(MEMBERS)],
            clock=FrozenClock(datetime(2025, 11, 3, 9, tzinfo=UTC)),
            db_url=db_url,
        )
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(world.running())
            await world.services.guilds.set_polls_channel(guild.id, world.polls.id)
            for number in POLLS:
                opened = await world.run(world.admin, "/poll open", prediction=str(number))
                assert opened.messages[-1].content.startswith(f"Poll on #{number} is open")
            messages = [world.poll_message(number).id for number in POLLS]
            for step in sequence:
                if len(step) == 4:
                    await react(world, messages, step)  # type: ignore[arg-type]
                    continue
                kind, away = step  # type: ignore[misc]
                if kind == "restart":
                    await stack.aclose()
                    for reaction in away:
                        await react(world, messages, reaction)
                    await stack.enter_async_context(world.running())
                    continue
                async with emu.bot_offline(invalidate=kind == "invalid_session"):
                    for reaction in away:
                        await react(world, messages, reaction)
            await quiesce(world, messages)
        emu.assert_clean()
    finally:
        await emu.stop()


PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)


@PROPERTY
@given(sequence=steps())
@example(  # missed while the bot restarts: a change, a second option, a removal
    sequence=[
        ("add", 0, 0, "✅"),
        ("add", 1, 0, "❌"),
        ("restart", [("change", 0, 0, "🌓"), ("second", 1, 0, "✅"), ("add", 2, 1, "❌")]),
        ("remove", 2, 1, "❌"),
    ]
)
@example(  # a RESUME replays a change and a removal; an INVALID_SESSION hides an add
    sequence=[
        ("add", 0, 1, "✅"),
        ("disconnect", [("change", 0, 1, "❌"), ("add", 1, 1, "🌓"), ("remove", 1, 1, "🌓")]),
        ("invalid_session", [("add", 3, 0, "🌓"), ("change", 0, 1, "✅")]),
    ]
)
async def test_votes_equal_reactions_after_any_reactions_and_faults(
    new_database_url: Any, sequence: list[Any]
) -> None:
    await run_sequence(sequence, await new_database_url())
