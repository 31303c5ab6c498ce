"""REST rules: limits, permissions, rate limits, injected failures, spec checks, recording."""

from __future__ import annotations

import asyncio
import io
import time

import aiohttp
import discord
import pytest
from discord_emulator import Emulator, Guild
from discord_emulator import permissions as P
from discord_emulator.spec import load_spec
from plain_bot import Bot, eventually

needs_spec = pytest.mark.skipif(
    load_spec() is None, reason="Discord API spec absent: spec validation skipped"
)


def _channel(bot: Bot, guild: Guild) -> discord.TextChannel:
    ch = bot.client.get_channel(next(iter(guild.channels)))
    assert isinstance(ch, discord.TextChannel)
    return ch


async def test_send_edit_delete_and_record(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    msg = await ch.send(
        "hello <@1>",
        embed=discord.Embed(title="T", description="D"),
        allowed_mentions=discord.AllowedMentions.none(),
    )
    await msg.edit(content="hello again")
    fetched = await ch.fetch_message(msg.id)
    assert fetched.content == "hello again"
    (rec,) = emulator.messages(ch.id)
    assert rec.content == "hello again" and rec.embeds[0]["title"] == "T"
    assert rec.allowed_mentions == {"parse": []}
    assert len(rec.history) == 2
    await msg.delete()
    assert emulator.messages(ch.id) == []
    assert emulator.messages(ch.id, include_deleted=True)[0].deleted
    emulator.assert_clean()


async def test_multipart_files(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    files = [discord.File(io.BytesIO(b"x" * 10), "a.txt"), discord.File(io.BytesIO(b"yy"), "b.png")]
    msg = await ch.send("files", files=files)
    assert [a.filename for a in msg.attachments] == ["a.txt", "b.png"]
    rec = emulator.message(msg.id)
    assert [a.data for a in rec.attachments] == [b"x" * 10, b"yy"]
    emulator.assert_clean()


async def test_content_over_2000_is_50035(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    with pytest.raises(discord.HTTPException) as info:
        await ch.send("x" * 2001)
    assert info.value.status == 400 and info.value.code == 50035
    assert emulator.violations[-1].code == 50035
    await ch.send("x" * 2000)


async def test_embed_limits(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    with pytest.raises(discord.HTTPException) as info:
        await ch.send(embed=discord.Embed(title="t" * 257))
    assert info.value.code == 50035
    big = [discord.Embed(description="d" * 4000) for _ in range(2)]
    with pytest.raises(discord.HTTPException):
        await ch.send(embeds=big)
    e = discord.Embed(title="fields")
    for i in range(26):
        e.add_field(name=f"f{i}", value="v")
    with pytest.raises(discord.HTTPException):
        await ch.send(embed=e)
    assert len(emulator.violations) == 3


async def test_reaction_limits_and_pagination(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    emulator.ratelimiter.enabled = False
    ch = _channel(bot, guild)
    msg = await ch.send("react")
    for i in range(20):
        await msg.add_reaction(chr(0x1F600 + i))
    with pytest.raises(discord.HTTPException) as info:
        await msg.add_reaction("🚀")
    assert info.value.code == 30010
    assert len(emulator.reactions(msg.id)) == 20
    people = [emulator.add_member(guild, f"u{i}", dispatch=False) for i in range(150)]
    await emulator.burst_reactions([(p, msg.id, "😀", "add") for p in people])
    fetched = await ch.fetch_message(msg.id)
    users = [u async for u in fetched.reactions[0].users(limit=None)]
    assert len(users) == 151  # the bot + 150 people, fetched in pages of 100
    assert (
        len(
            emulator.requests_to(
                "GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}"
            )
        )
        == 2
    )


async def test_remove_others_reaction_needs_manage_messages(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    ch = _channel(bot, guild)
    alice = emulator.add_member(guild, "alice")
    msg = await ch.send("react")
    await alice.react(msg.id, "👍")
    emulator.set_bot_permissions(guild, P.DEFAULT_BOT & ~P.MANAGE_MESSAGES)
    await eventually(lambda: not ch.permissions_for(ch.guild.me).manage_messages)
    with pytest.raises(discord.Forbidden) as info:
        await msg.remove_reaction("👍", discord.Object(alice.id))
    assert info.value.code == 50013
    assert emulator.violations[-1].kind == "permission"
    assert emulator.reactions(msg.id) == {"👍": {alice.id}}
    emulator.set_bot_permissions(guild, P.DEFAULT_BOT)
    await msg.remove_reaction("👍", discord.Object(alice.id))
    assert emulator.reactions(msg.id) == {}


async def test_channel_overwrites_deny_send(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    emulator.set_overwrite(ch.id, emulator.bot_role(guild), deny=P.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden):
        await ch.send("nope")
    emulator.set_overwrite(ch.id, emulator.bot, allow=P.SEND_MESSAGES)
    await ch.send("member overwrite wins")
    emulator.set_overwrite(ch.id, guild.id, deny=P.VIEW_CHANNEL)
    emulator.set_overwrite(ch.id, emulator.bot, allow=0)
    emulator.set_overwrite(ch.id, emulator.bot_role(guild), allow=0)
    with pytest.raises(discord.Forbidden) as info:
        await ch.send("hidden")
    assert info.value.code == 50001


async def test_enforce_nonce_deduplicates(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    m1 = await ch.send("once", nonce="abc123")
    m2 = await ch.send("once", nonce="abc123")
    assert m1.id == m2.id
    assert len(emulator.messages(ch.id)) == 1


async def test_member_roles(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    alice = emulator.add_member(guild, "alice")
    low = emulator.create_role(guild, "Low", position=0)
    emulator.bot_role(guild).position = 2
    emulator.set_bot_permissions(guild, P.DEFAULT_BOT | P.MANAGE_ROLES)
    http = bot.client.http
    await http.add_role(guild.id, alice.id, low.id)
    assert low.id in guild.members[alice.id].roles
    await http.remove_role(guild.id, alice.id, low.id)
    assert low.id not in guild.members[alice.id].roles
    high = emulator.create_role(guild, "High", position=9)
    with pytest.raises(discord.Forbidden):
        await http.add_role(guild.id, alice.id, high.id)
    member = await bot.client.get_guild(guild.id).fetch_member(alice.id)
    assert member.name == "alice"


async def test_429_is_retried(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    emulator.inject_failure("POST /channels/*/messages", 429, times=2, retry_after=0.05)
    msg = await ch.send("after 429s")
    assert msg.content == "after 429s"
    statuses = [r.status for r in emulator.requests if r.route == "/channels/{channel_id}/messages"]
    assert statuses == [429, 429, 200]
    emulator.assert_clean()


async def test_5xx_is_retried(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    emulator.inject_failure("POST /channels/{channel_id}/messages", 500, times=1)
    msg = await ch.send("after a 500")
    assert msg.content == "after a 500"
    statuses = [r.status for r in emulator.requests if r.route == "/channels/{channel_id}/messages"]
    assert statuses == [500, 200]


@pytest.mark.emulator(ratelimit_speed=1.0)
async def test_reaction_bucket_headers_and_pacing(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    ch = _channel(bot, guild)
    msg = await ch.send("pace")
    start = time.monotonic()
    for e in ["😀", "😁", "😂"]:
        await msg.add_reaction(e)
    assert time.monotonic() - start >= 0.45  # 1 per 250 ms per channel
    assert emulator.rate_limited == []  # discord.py paced itself from the headers
    async with aiohttp.ClientSession() as s:
        url = f"{emulator.api_base}/channels/{ch.id}/messages/{msg.id}/reactions/%F0%9F%98%83/@me"
        headers = {"Authorization": "Bot x"}
        async with s.put(url, headers=headers) as r1:
            assert r1.status in (204, 429)
        async with s.put(url, headers=headers) as r2:
            assert r2.status == 429
            assert r2.headers["Via"] and "X-RateLimit-Bucket" in r2.headers
            assert (await r2.json())["retry_after"] > 0


async def test_unknown_route_is_404_and_recorded(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    with pytest.raises(discord.NotFound):
        await bot.client.http.request(discord.http.Route("GET", "/totally/unknown"))
    assert emulator.unknown_routes == [("GET", "/totally/unknown")]
    with pytest.raises(AssertionError):
        emulator.assert_clean()


@needs_spec
async def test_spec_catches_invalid_body(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=ch.id)
    with pytest.raises(discord.HTTPException) as info:
        await bot.client.http.request(route, json={"content": "x", "tts": "yes"})
    assert info.value.code == 50035
    assert emulator.violations[-1].kind == "spec"
    assert "tts" in str(emulator.violations[-1].detail)


@needs_spec
async def test_responses_match_spec(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    """The fixture validates every emulator JSON response; exercise many routes."""
    assert emulator.validate_responses
    ch = _channel(bot, guild)
    alice = emulator.add_member(guild, "alice")
    msg = await ch.send("spec", embed=discord.Embed(title="x"))
    await msg.add_reaction("👍")
    await alice.react(msg.id, "👍")
    await ch.fetch_message(msg.id)
    [m async for m in ch.history(limit=5)]
    [u async for u in (await ch.fetch_message(msg.id)).reactions[0].users()]
    await bot.client.fetch_channel(ch.id)
    await bot.client.get_guild(guild.id).fetch_member(alice.id)
    await bot.client.fetch_guild(guild.id)
    await bot.client.application_info()
    await bot.client.fetch_user(alice.id)
    await alice.run("/slow")
    await alice.run("/buttons")
    await alice.autocomplete("/pick", "fruit", fruit="a")
    checked = {r.route for r in emulator.requests if r.status == 200}
    assert len(checked) >= 10
    assert [v for v in emulator.violations if v.kind == "response_spec"] == []
    emulator.assert_clean()


@pytest.mark.emulator(ratelimit_speed=1.0)
async def test_global_rate_limit(emulator: Emulator, guild: Guild) -> None:
    url = f"{emulator.api_base}/users/@me"
    async with aiohttp.ClientSession(headers={"Authorization": "Bot x"}) as s:
        statuses = []
        for _ in range(55):
            async with s.get(url) as r:
                statuses.append(r.status)
                if r.status == 429:
                    body = await r.json()
                    assert body["global"] is True and r.headers["X-RateLimit-Global"] == "true"
    assert statuses.count(429) >= 1 and statuses[:50] == [200] * 50


async def test_bot_message_waiting_and_roles(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    alice = emulator.add_member(guild, "alice")
    role = emulator.create_role(guild, "Caller")
    alice.give_role(role)
    assert role.id in guild.members[alice.id].roles

    async def later() -> None:
        await ch.send("eventually")

    task = asyncio.create_task(later())
    msg = await emulator.wait_for_bot_message(ch.id, lambda m: m.content == "eventually")
    await task
    assert msg.author.id == emulator.bot.id


async def test_reply_and_dm(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    ch = _channel(bot, guild)
    alice = emulator.add_member(guild, "alice")
    said = await alice.say("question?")
    original = await ch.fetch_message(said.id)
    reply = await original.reply("answer")
    assert reply.reference is not None and reply.reference.message_id == said.id
    user = await bot.client.fetch_user(alice.id)
    dm = await user.send("psst")
    assert emulator.message(dm.id).content == "psst"
    assert emulator.channels[dm.channel.id].type == 1
    emulator.assert_clean()


async def test_op7_reconnect_resumes(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    emulator.request_reconnect()
    await eventually(lambda: emulator.gateway.resumes == 1)
    alice = emulator.add_member(guild, "alice")
    assert (await alice.run("/ping")).content == "pong"


async def test_a_delayed_request_is_overtaken_by_a_later_one(emulator: Emulator) -> None:
    guild = emulator.create_guild("Slow", channels=("general",))
    channel = next(iter(guild.channels.values()))
    emulator.delay_requests("POST /channels/{channel_id}/messages", 0.5)
    async with aiohttp.ClientSession(headers={"Authorization": "Bot x"}) as http:
        url = f"{emulator.api_base}/channels/{channel.id}/messages"

        async def post(text: str) -> None:
            async with http.post(url, json={"content": text}) as r:
                assert r.status == 200

        slow = asyncio.ensure_future(post("first, slow"))
        await asyncio.sleep(0.1)
        await post("second")
        await slow
    assert [m.content for m in emulator.messages(channel.id)] == ["second", "first, slow"]
