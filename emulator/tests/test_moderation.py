"""What moderators do: reaction clears, channel deletes, threads, member roles."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest
from discord_emulator import CommandError, Emulator, Guild
from discord_emulator import permissions as P
from plain_bot import Bot, eventually


def _channel(bot: Bot, guild: Guild) -> discord.TextChannel:
    ch = bot.client.get_channel(next(iter(guild.channels)))
    assert isinstance(ch, discord.TextChannel)
    return ch


def _only_refusals(emu: Emulator) -> None:
    """Fail on any recorded problem other than the refusals a test provoked on purpose."""
    assert emu.unknown_routes == []
    assert {v.kind for v in emu.violations} <= {"permission", "rule"}, emu.violations


def _record(bot: Bot, *events: str) -> dict[str, list]:
    """Register handlers for `events` on the connected client; return what they receive."""
    seen: dict[str, list] = {e: [] for e in events}
    for name in events:

        async def handler(*args: object, _name: str = name) -> None:
            seen[_name].append(args[0] if len(args) == 1 else args)

        handler.__name__ = f"on_{name}"
        bot.client.event(handler)
    return seen


async def _voted(emulator: Emulator, guild: Guild) -> tuple[int, list]:
    """A message with 👍 from three people and ✅ from two."""
    owner = emulator.owner_of(guild)
    msg = await owner.say("vote here")
    people = [emulator.add_member(guild, f"p{i}") for i in range(3)]
    for p in people:
        await p.react(msg.id, "👍")
    for p in people[:2]:
        await p.react(msg.id, "✅")
    return msg.id, people


async def test_moderator_removes_one_emoji_then_all(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    seen = _record(bot, "raw_reaction_clear", "raw_reaction_clear_emoji")
    mid, people = await _voted(emulator, guild)
    await eventually(lambda: len(bot.reactions) == 5)
    with pytest.raises(CommandError):
        await people[0].clear_reactions(mid)  # no Manage Messages
    mod = emulator.add_admin(guild, "mod")
    assert await mod.clear_reactions(mid, "✅") == 2
    await eventually(lambda: len(seen["raw_reaction_clear_emoji"]) == 1)
    ev = seen["raw_reaction_clear_emoji"][0]
    assert str(ev.emoji) == "✅" and ev.message_id == mid and ev.guild_id == guild.id
    assert emulator.reactions(mid) == {"👍": {p.id for p in people}}
    assert await mod.clear_reactions(mid) == 3
    await eventually(lambda: len(seen["raw_reaction_clear"]) == 1)
    clear = seen["raw_reaction_clear"][0]
    assert (clear.message_id, clear.channel_id, clear.guild_id) == (
        mid,
        next(iter(guild.channels)),
        guild.id,
    )
    assert emulator.reactions(mid) == {}
    await asyncio.sleep(0.05)
    assert bot.removed == []  # no per-user removal events
    await people[0].react(mid, "👍")  # voting can go on
    assert emulator.reactions(mid) == {"👍": {people[0].id}}


async def test_bot_clears_over_rest_with_manage_messages(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    seen = _record(bot, "raw_reaction_clear", "raw_reaction_clear_emoji")
    mid, people = await _voted(emulator, guild)
    msg = await _channel(bot, guild).fetch_message(mid)
    await msg.clear_reaction("✅")
    assert set(emulator.reactions(mid)) == {"👍"}
    await msg.clear_reactions()
    assert emulator.reactions(mid) == {}
    await eventually(lambda: seen["raw_reaction_clear"] and seen["raw_reaction_clear_emoji"])
    emulator.set_bot_permissions(guild, P.DEFAULT_BOT & ~P.MANAGE_MESSAGES)
    await people[0].react(mid, "👍")
    with pytest.raises(discord.Forbidden) as info:
        await msg.clear_reactions()
    assert info.value.code == 50013
    with pytest.raises(discord.Forbidden):
        await msg.clear_reaction("👍")
    assert emulator.reactions(mid) == {"👍": {people[0].id}}
    assert [v.code for v in emulator.violations] == [50013, 50013]
    _only_refusals(emulator)


async def test_clears_while_offline_follow_resume_rules(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    seen = _record(bot, "raw_reaction_clear", "raw_reaction_clear_emoji")
    mid, _people = await _voted(emulator, guild)
    mod = emulator.add_admin(guild, "mod")
    async with emulator.bot_offline():
        await mod.clear_reactions(mid, "✅")
        assert set(emulator.reactions(mid)) == {"👍"}  # the true state changes at once
    await eventually(lambda: len(seen["raw_reaction_clear_emoji"]) == 1)  # replayed
    async with emulator.bot_offline(invalidate=True):
        await mod.clear_reactions(mid)
    await eventually(lambda: emulator.gateway.identifies == 2)
    await asyncio.sleep(0.1)
    assert seen["raw_reaction_clear"] == []  # lost with the session
    assert emulator.reactions(mid) == {}


async def test_deleted_channel_dispatches_and_its_messages_are_gone(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    seen = _record(bot, "guild_channel_delete")
    polls = emulator.create_channel(guild, "polls")
    await eventually(lambda: bot.client.get_channel(polls.id) is not None)
    dch = bot.client.get_channel(polls.id)
    assert isinstance(dch, discord.TextChannel)
    sent = await dch.send("a poll")
    member = emulator.add_member(guild, "member")
    with pytest.raises(CommandError):
        await member.delete_channel(polls)
    await emulator.add_admin(guild).delete_channel(polls)
    await eventually(lambda: len(seen["guild_channel_delete"]) == 1)
    assert seen["guild_channel_delete"][0].id == polls.id
    assert bot.client.get_channel(polls.id) is None
    with pytest.raises(discord.NotFound) as info:
        await dch.fetch_message(sent.id)
    assert info.value.code == 10003
    with pytest.raises(discord.NotFound) as info:
        await dch.send("again")
    assert info.value.code == 10003
    assert [m.content for m in emulator.messages(polls)] == ["a poll"]  # still inspectable
    assert polls.id in emulator.deleted_channels
    _only_refusals(emulator)


async def test_bot_deletes_a_channel_with_manage_channels(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    seen = _record(bot, "guild_channel_delete")
    extra = emulator.create_channel(guild, "extra")
    await eventually(lambda: bot.client.get_channel(extra.id) is not None)
    dch = bot.client.get_channel(extra.id)
    with pytest.raises(discord.Forbidden):
        await dch.delete()  # type: ignore[union-attr]
    emulator.set_bot_permissions(guild, P.DEFAULT_BOT | P.MANAGE_CHANNELS)
    await dch.delete()  # type: ignore[union-attr]
    await eventually(lambda: len(seen["guild_channel_delete"]) == 1)
    assert extra.id not in emulator.channels
    _only_refusals(emulator)


async def test_threads_on_a_message(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    seen = _record(bot, "thread_create", "thread_update")
    ch = _channel(bot, guild)
    msg = await ch.send("poll")
    thread = await msg.create_thread(name="Discuss")
    assert (
        thread.id == msg.id and thread.parent_id == ch.id and thread.owner_id == bot.client.user.id
    )  # type: ignore[union-attr]
    await eventually(lambda: len(seen["thread_create"]) == 1)
    assert emulator.channels[thread.id].is_thread
    sent = await thread.send("reminder: 24 h left")
    assert [m.content for m in emulator.messages(thread.id)] == ["reminder: 24 h left"]
    assert (await thread.fetch_message(sent.id)).content == "reminder: 24 h left"
    with pytest.raises(discord.HTTPException) as info:
        await msg.create_thread(name="Again")
    assert info.value.code == 160004
    await thread.edit(archived=True)  # the bot owns the thread
    assert emulator.channels[thread.id].archived
    with pytest.raises(discord.Forbidden):
        await thread.edit(locked=True)  # needs Manage Threads
    emulator.set_bot_permissions(guild, P.DEFAULT_BOT | P.MANAGE_THREADS)
    await thread.edit(locked=True)
    assert emulator.channels[thread.id].locked
    await thread.send("closing note")  # Manage Threads may post; it unarchives
    assert not emulator.channels[thread.id].archived
    await eventually(lambda: len(seen["thread_update"]) == 1)  # archived: left the cache
    await eventually(lambda: bot.client.get_channel(thread.id) is not None)  # back once active
    _only_refusals(emulator)


async def test_thread_permissions_and_moderator_lock(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    ch = _channel(bot, guild)
    msg = await ch.send("poll")
    emulator.set_overwrite(ch.id, emulator.bot_role(guild), deny=P.CREATE_PUBLIC_THREADS)
    with pytest.raises(discord.Forbidden):
        await msg.create_thread(name="Nope")
    emulator.set_overwrite(ch.id, emulator.bot_role(guild))
    member = emulator.add_member(guild, "member")
    thread = await member.start_thread(msg.id, "By a member")
    assert thread.owner_id == member.id
    await member.say("hello", in_channel=thread)
    with pytest.raises(CommandError):
        await member.set_thread_state(thread, locked=True)
    mod = emulator.add_admin(guild, "mod")
    await mod.set_thread_state(thread, archived=True, locked=True)
    dthread = await bot.client.fetch_channel(thread.id)
    assert isinstance(dthread, discord.Thread) and dthread.locked and dthread.archived
    with pytest.raises(discord.HTTPException) as info:
        await dthread.send("too late")
    assert info.value.code == 50083
    with pytest.raises(discord.Forbidden):
        await dthread.edit(archived=False)  # a locked thread needs Manage Threads
    _only_refusals(emulator)


async def test_member_lookup_and_role_hierarchy(emulator: Emulator, guild: Guild, bot: Bot) -> None:
    alice = emulator.add_member(guild, "alice")
    low = emulator.create_role(guild, "Low", position=1)
    emulator.bot_role(guild).position = 3
    dguild = bot.client.get_guild(guild.id)
    assert dguild is not None
    member = await dguild.fetch_member(alice.id)
    with pytest.raises(discord.Forbidden) as info:
        await member.add_roles(discord.Object(low.id))  # no Manage Roles yet
    assert info.value.code == 50013
    emulator.set_bot_permissions(guild, P.DEFAULT_BOT | P.MANAGE_ROLES)
    await member.add_roles(discord.Object(low.id))
    assert low.id in guild.members[alice.id].roles
    fetched = await dguild.fetch_member(alice.id)
    assert [r.id for r in fetched.roles if r.id != guild.id] == [low.id]
    emulator.set_bot_permissions(guild, P.ADMINISTRATOR)
    high = emulator.create_role(guild, "High", position=3)  # not below the bot's role
    with pytest.raises(discord.Forbidden):
        await member.add_roles(discord.Object(high.id))  # Administrator is no exception
    await member.remove_roles(discord.Object(low.id))
    assert guild.members[alice.id].roles == []
    with pytest.raises(discord.NotFound) as info:
        await dguild.fetch_member(123)
    assert info.value.code == 10007
    updates = [
        f for s in emulator.gateway.sessions.values() for _q, f in s.buffer if "MEMBER_UPDATE" in f
    ]
    assert updates == []  # no members intent, no GUILD_MEMBER_UPDATE
    _only_refusals(emulator)


async def test_reaction_add_carries_member_roles(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    voter_role = emulator.create_role(guild, "Voter")
    alice = emulator.add_member(guild, "alice", roles=[voter_role])
    msg = await emulator.owner_of(guild).say("vote")
    await alice.react(msg.id, "👍")
    await eventually(lambda: len(bot.reactions) == 1)
    member = bot.reactions[0].member
    assert member is not None and voter_role.id in [r.id for r in member.roles]


async def test_control_api_moderation(emulator: Emulator, guild: Guild) -> None:
    base = f"{emulator.url}/_emulator"
    mid, _people = await _voted(emulator, guild)
    mod = emulator.add_admin(guild, "mod")
    async with aiohttp.ClientSession() as s:
        body = {"emoji": "✅", "by": str(mod.id)}
        async with s.post(f"{base}/messages/{mid}/reactions/clear", json=body) as r:
            assert (await r.json()) == {"removed": 2}
        async with s.post(f"{base}/messages/{mid}/reactions/clear", json={}) as r:
            assert (await r.json()) == {"removed": 3}
        async with s.post(f"{base}/messages/{mid}/threads", json={"name": "T"}) as r:
            tid = int((await r.json())["id"])
        async with s.post(f"{base}/threads/{tid}/state", json={"archived": True}) as r:
            assert (await r.json())["thread_metadata"]["archived"] is True
        async with s.delete(f"{base}/channels/{next(iter(guild.channels))}") as r:
            assert r.status == 200
    assert emulator.reactions(mid) == {}
    assert tid == mid and tid in emulator.deleted_channels  # went with its parent
    assert not guild.channels


async def test_active_threads_come_back_in_guild_create(
    emulator: Emulator, guild: Guild, bot: Bot
) -> None:
    msg = await _channel(bot, guild).send("poll")
    thread = await msg.create_thread(name="Discuss")
    async with emulator.bot_offline(invalidate=True):
        pass
    await eventually(lambda: emulator.gateway.identifies == 2)
    await eventually(lambda: isinstance(bot.client.get_channel(thread.id), discord.Thread))
    cached = bot.client.get_channel(thread.id)
    assert isinstance(cached, discord.Thread) and cached.name == "Discuss" and not cached.archived
    emulator.assert_clean()
