"""Reading back many channels' polls side by side keeps under Discord's global rate limit."""

from __future__ import annotations

import time

import pytest
from discord_emulator.ratelimit import GLOBAL_LIMIT

from bot.discord_io.rate_limit import BULK_RATE
from bot.domain.outcomes import Choice
from tests.bot.conftest import World

CHANNELS = 60


@pytest.mark.emulator(ratelimit_speed=1.0)  # Discord's own windows: 50 requests a second
async def test_a_read_back_across_many_channels_gets_no_429(world: World) -> None:
    emu = world.emu
    emu.ratelimiter.enabled = False  # open the polls quickly; only the read-back is limited
    channels = [emu.create_channel(world.guild, f"polls-{n}") for n in range(CHANNELS)]
    async with world.running() as bot:
        services = bot.services
        numbers = [
            (await services.predictions.add(world.guild.id, title=f"P{n}", statement="S.")).number
            for n in range(CHANNELS)
        ]
        opened = []
        for channel, number in zip(channels, numbers, strict=True):
            poll = await bot.workflows.opening.open(
                world.guild.id, number, channel_id=channel.id, here=None, hours=None, actor=None
            )
            opened.append(poll.message_id)
        voter = world.members[0]
        emu.lose_reactions([(voter.id, opened[0], Choice.CAME_TRUE.emoji, "add")])

        emu.ratelimiter.buckets.clear()
        emu.ratelimiter.enabled = True
        emu.clear_records()
        started = time.perf_counter()
        results = await bot.workflows.read_back.all()
        seconds = time.perf_counter() - started
        emu.ratelimiter.enabled = False

        assert len(results) == CHANNELS and all(r.report is not None for r in results)
        assert emu.rate_limited == []  # without the limiter: a burst of global 429s
        reads = [r for r in emu.requests if r.method == "GET"]
        assert len(reads) == CHANNELS + 1  # each message, and the one option a member holds
        assert seconds >= (len(reads) - 1) / BULK_RATE * 0.9
        assert BULK_RATE < GLOBAL_LIMIT
        stored = await services.votes.votes_of_poll(results[0].ref.poll_id)
        assert stored == {voter.id: Choice.CAME_TRUE}
