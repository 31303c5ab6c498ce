"""Failures injected after processing: the request is done, its answer is a server error."""

from __future__ import annotations

import discord
from discord.http import handle_message_parameters
from discord_emulator import Emulator, Guild
from plain_bot import Bot

ROUTE = "/channels/{channel_id}/messages"


def _channel(bot: Bot, guild: Guild) -> discord.TextChannel:
    ch = bot.client.get_channel(next(iter(guild.channels)))
    assert isinstance(ch, discord.TextChannel)
    return ch


def _texts(emulator: Emulator, channel_id: int) -> list[str]:
    return [m.content for m in emulator.messages(channel_id)]


async def test_a_lost_reply_doubles_a_message_sent_without_a_nonce(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    ch = _channel(bot, guild)
    emulator.inject_failure(f"POST {ROUTE}", 502, after_processing=True)
    # The raw route, without the random nonce that Messageable.send adds on its own:
    # discord.py retries the 502 and the retry creates a second message.
    params = handle_message_parameters(content="hello")
    data = await bot.client.http.send_message(ch.id, params=params)
    assert _texts(emulator, ch.id) == ["hello", "hello"]
    assert [r.status for r in emulator.requests_to("POST", ROUTE)] == [502, 200]
    assert int(data["id"]) == emulator.messages(ch.id)[-1].id


async def test_a_nonce_with_enforce_nonce_makes_the_retry_return_the_first_message(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    ch = _channel(bot, guild)
    emulator.inject_failure(f"POST {ROUTE}", 500, after_processing=True)
    msg = await ch.send("once", nonce="n-1")  # discord.py sets enforce_nonce with any nonce
    assert _texts(emulator, ch.id) == ["once"]
    assert msg.id == emulator.messages(ch.id)[0].id
    assert [r.status for r in emulator.requests_to("POST", ROUTE)] == [500, 200]


async def test_a_429_then_a_lost_reply_still_make_one_message(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    ch = _channel(bot, guild)
    emulator.inject_failure(f"POST {ROUTE}", 429, retry_after=0.01)  # not processed
    emulator.inject_failure(f"POST {ROUTE}", 502, after_processing=True)
    await ch.send("x", nonce="n-2")
    statuses = [r.status for r in emulator.requests_to("POST", ROUTE)]
    assert statuses == [429, 502, 200]
    assert _texts(emulator, ch.id) == ["x"]
    emulator.assert_clean()
