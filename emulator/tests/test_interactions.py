"""Slash commands, deferrals, follow-ups, autocomplete, buttons and files end to end."""

from __future__ import annotations

import aiohttp
import pytest
from discord_emulator import CommandError, Emulator, Guild
from plain_bot import Bot, eventually


def _general(guild: Guild) -> int:
    return next(iter(guild.channels))


async def test_login_sync_and_ping(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    assert bot.client.user is not None and bot.client.user.id == emulator.bot.id
    names = {c["name"] for c in emulator.registered_commands(guild)}
    assert {"ping", "poll", "pick"} <= names
    assert all(int(c["id"]) for c in emulator.registered_commands(guild))
    member = emulator.add_member(guild, "alice")
    result = await member.run("/ping")
    assert result.response_type == 4
    assert result.content == "pong"
    assert not result.ephemeral
    assert result.message in emulator.messages(_general(guild))
    emulator.assert_clean()


async def test_resync_keeps_command_ids(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    import discord

    before = {c["name"]: c["id"] for c in emulator.registered_commands(guild)}
    synced = await bot.tree.sync(guild=discord.Object(guild.id))
    assert {c.name: str(c.id) for c in synced} == before


async def test_ephemeral_with_member_permissions(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    member = emulator.add_member(guild, "bob")
    admin = emulator.add_admin(guild)
    r1 = await member.run("/secret")
    r2 = await admin.run("/secret")
    assert r1.ephemeral and r1.content == "manage_guild=False"
    assert r2.content == "manage_guild=True"
    # Ephemeral replies are not public messages.
    assert emulator.requests_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )
    emulator.assert_clean()


async def test_deferred_then_followup(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    member = emulator.add_member(guild, "carol")
    result = await member.run("/slow")
    assert result.deferred
    assert result.content == "done"
    assert result.embeds[0]["title"] == "Result"
    assert not result.message.flags & 128  # no longer "thinking"
    emulator.assert_clean()


async def test_deferred_then_edit_original(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    member = emulator.add_member(guild, "dan")
    result = await member.run("/edit")
    assert result.ephemeral and result.content == "edited"
    assert result.interaction.original_edited
    emulator.assert_clean()


async def test_options_subcommands_and_resolved(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    member = emulator.add_member(guild, "erin")
    other = emulator.add_member(guild, "frank")
    role = emulator.create_role(guild, "Mods")
    channel = emulator.create_channel(guild, "predictions")
    result = await member.run(
        "/poll create",
        question="Will it rain?",
        count=3,
        kind="multi",
        ratio=0.25,
        public=False,
        who=other,
        where=channel,
        role=role,
    )
    assert result.content == "Will it rain?|3|multi|0.25|False|frank|predictions|Mods"
    nested = await member.run("/poll admin close", poll_id=42)
    assert nested.content == "closed 42"
    with pytest.raises(CommandError):
        member.start("/poll create", question="x", count=1, kind="nope")
    with pytest.raises(CommandError):
        member.start("/poll create", question="x")
    with pytest.raises(CommandError):
        member.start("/nope")
    emulator.assert_clean()


async def test_autocomplete(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    member = emulator.add_member(guild, "gina")
    choices = await member.autocomplete("/pick", "fruit", fruit="ap")
    assert [c["value"] for c in choices] == ["apple", "apricot"]
    result = await member.run("/pick", fruit="banana")
    assert result.content == "picked banana"


async def test_button_click_updates_message(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    member = emulator.add_member(guild, "hank")
    sent = await member.run("/buttons")
    assert sent.components[0]["components"][0]["custom_id"] == "go"
    clicked = await member.click(sent.message, "go")
    assert clicked.response_type == 7
    assert emulator.message(sent.message.id).content == f"clicked by {member.id}"
    emulator.assert_clean()


async def test_file_attachment_bytes(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    member = emulator.add_member(guild, "ivy")
    result = await member.run("/file")
    (att,) = result.attachments
    assert att.filename == "data.csv" and att.data == b"a,b\n1,2\n"
    async with aiohttp.ClientSession() as s, s.get(att.url) as resp:
        assert await resp.read() == att.data


@pytest.mark.emulator(interaction_timeout=0.2)
async def test_late_answer_is_unknown_interaction(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    member = emulator.add_member(guild, "jo")
    result = member.start("/late")
    await eventually(lambda: bot.errors, timeout=3)
    assert bot.errors[0].code == 10062
    assert result.response_type is None
    assert [v.code for v in emulator.violations] == [10062]


async def test_double_acknowledge_is_40060(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    member = emulator.add_member(guild, "kim")
    result = await member.run("/ping")
    inter = result.interaction
    url = f"{emulator.api_base}/interactions/{inter.id}/{inter.token}/callback"
    async with (
        aiohttp.ClientSession() as s,
        s.post(url, json={"type": 4, "data": {"content": "again"}}) as resp,
    ):
        assert resp.status == 400
        assert resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["code"] == 40060
    assert [v.code for v in emulator.violations] == [40060]


async def test_followups_edit_delete_and_deferred_update(emulator: Emulator, guild: Guild) -> None:
    import discord
    from discord_emulator.connect import connect_client
    from plain_bot import build_client

    b = build_client(emulator, guild)
    gobj = discord.Object(guild.id)

    class Quiet(discord.ui.View):
        @discord.ui.button(label="Quiet", custom_id="quiet")
        async def quiet(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            await interaction.response.defer()  # type 6: deferred update
            await interaction.followup.send("noted", ephemeral=True)

    @b.tree.command(name="many", description="Several follow-ups", guild=gobj)
    async def many(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        f1 = await interaction.followup.send("second", view=Quiet(), wait=True)
        await f1.edit(content="second (edited)")
        f2 = await interaction.followup.send("third", ephemeral=True, wait=True)
        await f2.delete()
        original = await interaction.original_response()
        assert original.content == "first"
        await interaction.delete_original_response()

    async with connect_client(emulator, b.client):
        await b.tree.sync(guild=gobj)
        alice = emulator.add_member(guild, "alice")
        result = alice.start("/many")
        await result.wait_followups(2)
        await emulator.wait_for(lambda: result.interaction.original_deleted)
        assert [m.content for m in result.followups] == ["second (edited)", "third"]
        assert result.followups[1].deleted and result.message.deleted
        with pytest.raises(CommandError, match="deleted"):
            await alice.click(result.message, "quiet")  # gone from the client: nothing to click
        clicked = await alice.click(result.followups[0], "quiet")
        assert clicked.response_type == 6 and clicked.followups[0].content == "noted"
        assert clicked.followups[0].ephemeral
    emulator.assert_clean()


async def test_own_reaction_add_remove(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    import discord

    ch = bot.client.get_channel(_general(guild))
    assert isinstance(ch, discord.TextChannel)
    msg = await ch.send("r")
    await msg.add_reaction("✅")
    assert emulator.reactions(msg.id) == {"✅": {emulator.bot.id}}
    await msg.remove_reaction("✅", bot.client.user)
    assert emulator.reactions(msg.id) == {}
    await msg.add_reaction("✅")
    await msg.clear_reactions()
    assert emulator.reactions(msg.id) == {}
    emulator.assert_clean()


async def test_default_member_permissions_and_option_names(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    member = emulator.add_member(guild, "lee")
    admin = emulator.add_admin(guild)
    target = emulator.create_channel(guild, "announcements")
    with pytest.raises(CommandError, match="default_member_permissions"):
        await member.run("/settings", channel=target)
    result = await admin.run("/settings", options={"channel": target, "timeout": 7})
    assert result.content == "announcements 7"
    forced = await member.run("/settings", channel=target, check_permissions=False)
    assert forced.content == "announcements 1"  # the bot must check server-side itself
