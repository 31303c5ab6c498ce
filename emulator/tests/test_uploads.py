"""Uploads: multipart creates and edits, attachments recorded and served, Discord's limits."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

import aiohttp
import discord
import pytest
from discord_emulator import Emulator, Guild
from discord_emulator.connect import connect_client
from plain_bot import Bot, build_client, eventually

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def _channel(bot: Bot, guild: Guild) -> discord.TextChannel:
    ch = bot.client.get_channel(next(iter(guild.channels)))
    assert isinstance(ch, discord.TextChannel)
    return ch


async def test_files_with_embed_reference_are_recorded_and_served(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    ch = _channel(bot, guild)
    embed = discord.Embed(title="Card").set_image(url="attachment://card.png")
    files = [
        discord.File(io.BytesIO(PNG), filename="card.png", description="A results card"),
        discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="votes.csv"),
    ]
    sent = await ch.send("results", embed=embed, files=files)
    assert [(a.filename, a.size) for a in sent.attachments] == [
        ("card.png", len(PNG)),
        ("votes.csv", 8),
    ]
    assert sent.attachments[0].description == "A results card"
    assert all(a.id and a.url.startswith(emulator.url) for a in sent.attachments)
    stored = emulator.messages(ch.id)[-1]
    card = stored.attachments[0]
    assert (card.filename, card.data, card.description) == ("card.png", PNG, "A results card")
    assert stored.embeds[0]["image"]["url"] == card.url  # attachment:// resolved
    assert sent.embeds[0].image.url == card.url
    async with aiohttp.ClientSession() as s, s.get(card.url) as r:
        assert await r.read() == PNG
    emulator.assert_clean()


async def test_dispatched_message_carries_attachments(emulator: Emulator, guild: Guild) -> None:
    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = True
    b = build_client(emulator, guild, intents)
    got: list[discord.Message] = []
    b.client.event(_collector(got))
    async with connect_client(emulator, b.client):
        ch = _channel(b, guild)
        await ch.send(file=discord.File(io.BytesIO(PNG), filename="card.png"))
        await eventually(lambda: len(got) == 1)
        att = got[0].attachments[0]
        assert (att.filename, att.size) == ("card.png", len(PNG)) and att.url and att.id
    emulator.assert_clean()


def _collector(got: list[discord.Message]) -> Callable[[discord.Message], Awaitable[None]]:
    async def on_message(message: discord.Message) -> None:
        got.append(message)

    return on_message


@pytest.mark.emulator(upload_limit=1024)
async def test_upload_limit_is_413_40005(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    await ch.send(file=discord.File(io.BytesIO(b"x" * 1024), filename="ok.bin"))
    with pytest.raises(discord.HTTPException) as info:
        await ch.send(
            files=[
                discord.File(io.BytesIO(b"x" * 600), filename="a.bin"),
                discord.File(io.BytesIO(b"x" * 600), filename="b.bin"),
            ]
        )
    assert info.value.status == 413 and info.value.code == 40005
    assert info.value.text == "Request entity too large"
    assert [(v.kind, v.status, v.code) for v in emulator.violations] == [("upload", 413, 40005)]
    assert len(emulator.messages(ch.id)) == 1


async def test_default_limit_is_10_mib(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    big = b"x" * (10 * 1024 * 1024 + 1)
    with pytest.raises(discord.HTTPException) as info:
        await ch.send(file=discord.File(io.BytesIO(big), filename="export.csv"))
    assert info.value.status == 413
    await ch.send(file=discord.File(io.BytesIO(big[:-1]), filename="export.csv"))
    assert emulator.messages(ch.id)[-1].attachments[0].data == big[:-1]
    emulator.clear_records()


async def test_description_and_missing_embed_file_are_refused(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    ch = _channel(bot, guild)
    with pytest.raises(discord.HTTPException) as info:
        await ch.send(file=discord.File(io.BytesIO(PNG), filename="c.png", description="d" * 1025))
    assert info.value.status == 400 and info.value.code == 50035
    embed = discord.Embed(title="Card").set_image(url="attachment://card.png")
    with pytest.raises(discord.HTTPException) as info:
        await ch.send(embed=embed, file=discord.File(io.BytesIO(PNG), filename="other.png"))
    assert info.value.code == 50035 and "card.png" in str(info.value)
    assert emulator.messages(ch.id) == []
    assert len(emulator.violations) == 2
    emulator.clear_records()


async def test_edit_keeps_and_adds_files(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    sent = await ch.send(file=discord.File(io.BytesIO(b"one"), filename="one.txt"))
    edited = await sent.edit(
        attachments=[*sent.attachments, discord.File(io.BytesIO(b"two"), filename="two.txt")]
    )
    assert [a.filename for a in edited.attachments] == ["one.txt", "two.txt"]
    edited = await edited.edit(attachments=[edited.attachments[1]])
    assert [a.filename for a in emulator.messages(ch.id)[-1].attachments] == ["two.txt"]
    emulator.assert_clean()


@pytest.mark.emulator(upload_limit=4096)
async def test_interaction_responses_and_followups_upload(emulator: Emulator, guild: Guild) -> None:
    b = build_client(emulator, guild)
    errors: list[discord.HTTPException] = []

    @b.tree.command(name="export", description="Files", guild=discord.Object(guild.id))
    async def export(interaction: discord.Interaction, size: int) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("first", file=discord.File(io.BytesIO(b"1"), "a.txt"))
        try:
            await interaction.followup.send(
                "second", file=discord.File(io.BytesIO(b"x" * size), "big.csv")
            )
        except discord.HTTPException as exc:
            errors.append(exc)
            await interaction.followup.send("too big")

    async with connect_client(emulator, b.client):
        await b.tree.sync(guild=discord.Object(guild.id))
        admin = emulator.add_admin(guild)
        result = await admin.run("/file")  # a response with a file
        assert [(a.filename, a.data) for a in result.attachments] == [("data.csv", b"a,b\n1,2\n")]
        result = await admin.run("/export", size=100)
        await result.wait_followups(2)
        assert [a.filename for a in result.messages[0].attachments] == ["a.txt"]
        assert [a.filename for m in result.followups[1:] for a in m.attachments] == ["big.csv"]
        result = await admin.run("/export", size=5000)
        await result.wait_followups(2)
        assert result.followups[-1].content == "too big"
        assert errors and errors[0].status == 413 and errors[0].code == 40005
    assert [v.kind for v in emulator.violations] == ["upload"]
