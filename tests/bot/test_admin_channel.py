"""The admin channel: notices go there instead of into admins' replies, each once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from discord_emulator import permissions as P
from discord_emulator.models import Channel

from tests.bot.conftest import World

BOUNDARY = datetime(2025, 12, 1, 0, 5, tzinfo=UTC)


async def admins_channel(world: World) -> Channel:
    """Create #admins and wait until the bot's cache has it."""
    channel = world.emu.create_channel(world.guild, "admins")
    await world.emu.wait_for(lambda: world.bot.get_channel(channel.id) is not None, timeout=5)
    return channel


async def block_leaderboard(world: World) -> str:
    """Hide #leaderboard from the bot and make the monthly post fall due; return the notice."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    await world.services.guilds.set_leaderboard_channel(world.guild.id, world.leaderboard.id)
    bot_role = world.emu.bot_role(world.guild)
    world.emu.set_overwrite(world.leaderboard, bot_role, deny=P.VIEW_CHANNEL)
    await world.emu.wait_for(
        lambda: (
            not world.bot.get_channel(world.leaderboard.id)
            .permissions_for(world.bot.get_guild(world.guild.id).me)  # type: ignore[union-attr]
            .view_channel
        ),
        timeout=5,
    )
    world.clock.set(BOUNDARY)
    return (
        f"I can't post the November 2025 leaderboard in <#{world.leaderboard.id}>: "
        "missing View Channel, Send Messages, Embed Links."
    )


async def test_notices_go_to_the_admin_channel_once_not_into_replies(live: World) -> None:
    admins = await admins_channel(live)
    result = await live.run(live.admin, "/setup admin-channel", channel=admins)
    assert result.content.startswith("Admin channel set.")
    fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
    assert fields["Admin channel"] == f"<#{admins.id}>"
    assert (await live.services.guilds.get(live.guild.id)).admin_channel_id == admins.id

    text = await block_leaderboard(live)
    await live.bot.scheduler.tick()
    posted = [m for m in live.emu.messages(admins.id) if m.author.bot]
    assert [m.content for m in posted] == [f"⚠️ {text}"]
    assert posted[0].nonce is not None and posted[0].allowed_mentions == {"parse": []}
    # The admin's next reply carries nothing the admin channel already said.
    opened = await live.run(live.admin, "/poll open", prediction="1")
    assert opened.content.startswith("Poll on #1 is open") and "⚠️" not in opened.content
    await live.bot.scheduler.tick()  # nothing posted twice
    assert len(live.emu.messages(admins.id)) == 1
    shown = await live.run(live.admin, "/setup show")  # still listed until it is fixed
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["What I can't do here"] == f"⚠️ {text}"

    cleared = await live.run(live.admin, "/setup admin-channel")
    assert cleared.content.startswith("Admin channel cleared")
    assert (await live.services.guilds.get(live.guild.id)).admin_channel_id is None


async def test_without_an_admin_channel_notices_come_with_replies(live: World) -> None:
    text = await block_leaderboard(live)
    await live.bot.scheduler.tick()
    opened = await live.run(live.admin, "/poll open", prediction="1")
    assert f"⚠️ {text}" in opened.content


async def test_an_admin_channel_the_bot_cannot_post_in_falls_back_to_replies(
    live: World,
) -> None:
    admins = await admins_channel(live)
    await live.run(live.admin, "/setup admin-channel", channel=admins)
    live.emu.set_overwrite(admins, live.emu.bot_role(live.guild), deny=P.SEND_MESSAGES)
    await live.emu.wait_for(
        lambda: (
            not live.bot.get_channel(admins.id)
            .permissions_for(live.bot.get_guild(live.guild.id).me)  # type: ignore[union-attr]
            .send_messages
        ),
        timeout=5,
    )
    text = await block_leaderboard(live)
    await live.bot.scheduler.tick()
    assert live.emu.messages(admins.id) == []
    opened = await live.run(live.admin, "/poll open", prediction="1")
    assert f"⚠️ {text}" in opened.content
    assert f"I can't post the notices for the admins in <#{admins.id}>" in opened.content


async def test_a_deleted_admin_channel_is_unset_and_told_in_replies(live: World) -> None:
    admins = await admins_channel(live)
    await live.run(live.admin, "/setup admin-channel", channel=admins)
    live.emu.delete_channel(admins, by=live.admin.user)
    for _ in range(100):
        if (await live.services.guilds.get(live.guild.id)).admin_channel_id is None:
            break
        await asyncio.sleep(0.05)
    assert (await live.services.guilds.get(live.guild.id)).admin_channel_id is None
    opened = await live.run(live.admin, "/poll open", prediction="1")
    assert f"The admin channel <#{admins.id}> was deleted" in opened.content
