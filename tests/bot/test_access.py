"""The bot's Manage Messages answer, read from discord.py's cache and reused for a second."""

from __future__ import annotations

import discord

from bot.discord_io.access import MANAGE_TTL, Access
from tests.bot.conftest import World


async def test_manage_messages_is_reused_for_a_second_then_read_again(live: World) -> None:
    """A permission taken away shows once the reused answer is MANAGE_TTL old, not before."""
    now = [1000.0]
    access = Access(live.bot.get_guild, monotonic=lambda: now[0])
    guild_id, polls = live.guild.id, live.polls.id
    assert access.may_manage_messages(guild_id, polls)

    bot_role = live.emu.bot_role(live.guild)
    live.emu.set_overwrite(
        live.polls, bot_role, deny=discord.Permissions(manage_messages=True).value
    )

    def cache_lost_it() -> bool:
        guild = live.bot.get_guild(guild_id)
        channel = guild.get_channel(polls) if guild is not None else None
        me = guild.me if guild is not None else None
        return (
            channel is not None
            and me is not None
            and not channel.permissions_for(me).manage_messages
        )

    await live.emu.wait_for(cache_lost_it, timeout=5)
    now[0] += MANAGE_TTL / 2
    assert access.may_manage_messages(guild_id, polls)  # the answer of half a second ago
    now[0] += MANAGE_TTL
    assert not access.may_manage_messages(guild_id, polls)
    assert access.may_manage_messages(guild_id, live.general.id)  # another channel: its own


async def test_the_bots_answer_is_dropped_when_its_channel_changes(live: World) -> None:
    """A channel update reaches the bot's own Access in order: no reused answer outlives it."""
    access = live.bot.discord_io.access
    guild_id, polls = live.guild.id, live.polls.id
    assert access.may_manage_messages(guild_id, polls)
    live.emu.set_overwrite(
        live.polls,
        live.emu.bot_role(live.guild),
        deny=discord.Permissions(manage_messages=True).value,
    )
    await live.emu.wait_for(lambda: not access.may_manage_messages(guild_id, polls), timeout=0.9)
