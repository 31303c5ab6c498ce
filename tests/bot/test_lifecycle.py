"""The bot's life cycle: nothing runs after close."""

from __future__ import annotations

import gc
import warnings

from tests.bot.conftest import World


async def test_an_event_after_close_is_dropped_not_left_unawaited(world: World) -> None:
    async with world.running() as bot:
        pass
    assert bot.is_closed()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # As discord.py's delayed READY does when a session starts just before close().
        bot.dispatch("ready")
        bot.dispatch("raw_reaction_add", object())
        gc.collect()
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
