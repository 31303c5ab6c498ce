"""Re-checking every voter's role at a resync keeps under Discord's global rate limit."""

from __future__ import annotations

import time

import pytest

from bot.discord_io.rate_limit import BULK_RATE
from bot.domain.outcomes import Choice
from tests.bot.conftest import World

VOTERS = 120
LOOKUP = "/guilds/{guild_id}/members/{user_id}"


@pytest.mark.emulator(ratelimit_speed=1.0)  # Discord's own windows: 50 requests a second
async def test_a_resync_rechecks_each_voter_once_without_a_429(world: World) -> None:
    emu = world.emu
    emu.ratelimiter.enabled = False  # set up quickly; only the resync is limited
    role = emu.create_role(world.guild, "Voters")
    voters = [emu.add_member(world.guild, f"v{n}", roles=[role]) for n in range(VOTERS)]
    async with world.running() as bot:
        await bot.services.guilds.set_voter_role(world.guild.id, role.id)
        bot.discord_io.voters.set(world.guild.id, role.id)
        number = (
            await bot.services.predictions.add(world.guild.id, title="P", statement="S.")
        ).number
        poll = await bot.workflows.opening.open(
            world.guild.id, number, channel_id=world.polls.id, here=None, hours=None, actor=None
        )
        emu.lose_reactions([(v.id, poll.message_id, Choice.CAME_TRUE.emoji, "add") for v in voters])
        await bot.workflows.read_back.all(world.guild.id)  # learns who they are
        emu.set_member_roles(world.guild, voters[0], [])  # one loses the role, unseen

        emu.ratelimiter.buckets.clear()
        emu.ratelimiter.enabled = True
        emu.clear_records()
        started = time.perf_counter()
        results = await bot.workflows.read_back.all(world.guild.id)
        seconds = time.perf_counter() - started
        emu.ratelimiter.enabled = False

        assert emu.rate_limited == []
        assert len(emu.requests_to("GET", LOOKUP)) == VOTERS  # each voter once
        assert seconds >= (VOTERS - 1) / BULK_RATE * 0.9  # paced
        stored = await bot.services.votes.votes_of_poll(results[0].ref.poll_id)
        assert set(stored) == {v.id for v in voters[1:]}
