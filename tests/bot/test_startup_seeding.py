"""Start-up seeds each new guild once, whatever the number of guilds the bot is in."""

from __future__ import annotations

from bot.emulator.bulk import Shape, create_guilds
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
