"""Slash commands, deferrals, follow-ups, autocomplete, buttons and files end to end."""

from __future__ import annotations

from bot.emulator import Emulator, Guild

from .conftest import Bot


async def test_login_sync_and_ping(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    assert bot.client.user is not None and bot.client.user.id == emulator.bot.id
    names = {c["name"] for c in emulator.registered_commands(guild)}
    assert {"ping", "poll", "pick"} <= names
    member = emulator.add_member(guild, "alice")
    result = await member.run("/ping")
    assert result.content == "pong"
    assert not result.ephemeral
    assert result.message in emulator.messages(next(iter(guild.channels)))
    emulator.assert_clean()
