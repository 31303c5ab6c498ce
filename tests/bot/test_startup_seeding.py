"""Start-up seeds each new guild once, whatever the number of guilds the bot is in."""

from __future__ import annotations

import asyncio

from discord_emulator.bulk import Shape, create_guilds

from tests.bot.conftest import ON_BOTH_BACKENDS, World

pytestmark = ON_BOTH_BACKENDS


async def test_a_restart_seeds_only_the_guilds_never_seeded(world: World) -> None:
    async with world.running() as bot:  # the first start seeds the world's guild
        first = await bot.services.predictions.list(world.guild.id)
        await bot.services.predictions.add(world.guild.id, title="Mine", statement="Kept.")
    joined = create_guilds(world.emu, 3, Shape(channels=6, roles=3))  # joined while away
    async with world.running() as bot:
        predictions = bot.services.predictions
        assert await predictions.seeded([g.id for g in joined] + [world.guild.id]) == {
            world.guild.id,
            *(g.id for g in joined),
        }
        again = await predictions.list(world.guild.id)
        assert again.total == first.total + 1  # not seeded twice
        for guild in joined:
            page = await predictions.list(guild.id)
            assert page.total == first.total and page.items[0].number == 1
        assert await predictions.seeded([12345]) == set()  # a guild never seen


async def test_a_command_sent_before_ready_gets_the_right_answer(world: World) -> None:
    """discord.py answers from GUILD_CREATE on but is ready 2 s later: the guild seeds first."""
    emu = world.emu

    async def before_ready() -> tuple[str, bool]:
        await emu.gateway.ready_event.wait()  # READY and the GUILD_CREATEs are sent
        opened = await world.admin.run("/poll open-all", in_channel=world.polls, timeout=15)
        return opened.messages[-1].content, world.bot.is_ready()

    early = asyncio.create_task(before_ready())
    async with world.running(guild_ready_timeout=None) as bot:  # discord.py's real 2 s wait
        answer, was_ready = await early
        assert not was_ready  # the answer came inside the window
        assert answer == f"Opened 10 polls in <#{world.polls.id}>."
        assert len(world.poll_messages()) == 10
        page = await bot.services.predictions.list(world.guild.id)
        assert page.total == 10  # seeded once, not again at READY
