"""The long-lived heap is frozen once a session is ready, and what a session leaves is freed."""

from __future__ import annotations

import gc
import weakref

import discord

from bot.heap import EVERY, Heap
from tests.bot.conftest import World


class Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


async def test_a_cycle_frozen_with_the_heap_is_freed_at_the_next_settle() -> None:
    """Settle freezes what lives; a frozen cycle dropped later goes at the next settle."""
    heap = Heap()
    kept = Cycle()
    dropped = weakref.ref(kept)
    heap.settle()
    assert gc.get_freeze_count() > 0
    del kept
    gc.collect()  # a frozen cycle is beyond a plain collection
    assert dropped() is not None
    heap.settle()
    assert dropped() is None
    gc.unfreeze()


async def test_the_scheduled_settle_waits_an_hour() -> None:
    """settle_due does nothing before the first settle, nor within EVERY seconds of the last."""
    now = [0.0]
    heap = Heap(monotonic=lambda: now[0])
    kept = Cycle()
    dropped = weakref.ref(kept)
    heap.settle()
    del kept
    now[0] += EVERY - 1
    await heap.settle_due()
    assert dropped() is not None
    now[0] += 1
    await heap.settle_due()
    assert dropped() is None
    gc.unfreeze()


async def test_a_new_session_frees_the_old_sessions_guilds(live: World) -> None:
    """After a re-IDENTIFY the heap is settled again: the old session's guild objects go."""
    assert gc.get_freeze_count() > 0  # the bot froze its heap once ready
    state = live.bot._connection
    old = id(live.bot.get_guild(live.guild.id))  # alive until the new one is made
    identifies = live.emu.gateway.identifies
    await live.emu.invalidate_session()
    await live.emu.wait_for(lambda: live.emu.gateway.identifies > identifies, timeout=10)
    await live.emu.wait_for(
        lambda: id(live.bot.get_guild(live.guild.id)) not in (id(None), old), timeout=10
    )
    await live.emu.wait_for(lambda: live.bot.settled.is_set(), timeout=10)
    gc.unfreeze()  # what is still frozen is then back in the collector's generations
    guilds = [o for o in gc.get_objects() if type(o) is discord.Guild and o._state is state]
    assert guilds == [live.bot.get_guild(live.guild.id)]
    result = await live.run(live.members[0], "/prediction list")
    assert result.messages or result.embeds
