"""The champion role: the month's rank-1 members get it at the monthly post, last month's lose
it (only those the bot gave it to), exactly once across a crash and two processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from discord_emulator import permissions as P
from discord_emulator.models import Role
from sqlalchemy import select

from bot.services.outbox import STALE_CLAIM
from db.models import ChampionRole, OutboxEntry
from tests.bot.conftest import World

DECEMBER_1 = datetime(2025, 12, 1, 0, 5, tzinfo=UTC)
JANUARY_1 = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
ROLE_ROUTES = ("PUT", "DELETE")
ROLE_PATH = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"


def role_requests(world: World) -> list[tuple[str, str]]:
    """Return the role add/remove requests the bot made, in order."""
    return [(m, r.path) for m in ROLE_ROUTES for r in world.emu.requests_to(m, ROLE_PATH)]


def holders(world: World, role: Role) -> set[int]:
    """Return who holds a role in the emulator."""
    return {uid for uid, m in world.guild.members.items() if role.id in m.roles}


async def champion_role(world: World, *, manage_roles: bool = True, position: int = 1) -> Role:
    """Create a Champion role below the bot's (with Manage Roles), as the bot's cache sees it."""
    role = world.emu.create_role(world.guild, "Champion", position=position)
    world.emu.bot_role(world.guild).position = 3
    perms = P.DEFAULT_BOT | (P.MANAGE_ROLES if manage_roles else 0)
    world.emu.set_bot_permissions(world.guild, perms)

    def seen() -> bool:
        guild = world.bot.get_guild(world.guild.id)
        return (
            guild is not None
            and guild.get_role(role.id) is not None
            and guild.me.guild_permissions.manage_roles is manage_roles
            and guild.me.top_role.position == 3
        )

    await world.emu.wait_for(seen, timeout=5)
    return role


async def month_won_by(world: World, number: int, winners: list[int], loser: int) -> None:
    """Open a poll, have the winners call it and the loser miss it, and resolve it now."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    await world.services.guilds.set_leaderboard_channel(world.guild.id, world.leaderboard.id)
    await world.run(world.admin, "/poll open", prediction=str(number))
    poll = world.poll_message(number)
    for index in winners:
        await world.members[index].react(poll.id, "✅")
    await world.members[loser].react(poll.id, "❌")
    await world.settle()
    await world.run(world.admin, "/prediction resolve", prediction=str(number), outcome="came_true")


async def stored(world: World) -> dict[int, tuple[str, bool]]:
    """Return the stored champions: member -> (month, given)."""
    async with world.services.db.read() as session:
        rows = await session.scalars(select(ChampionRole))
        return {r.member_id: (r.month, r.granted_at is not None) for r in rows}


async def test_champions_get_the_role_and_last_months_lose_it_once(live: World) -> None:
    role = await champion_role(live)
    result = await live.run(live.admin, "/setup champion-role", role=role)
    assert result.content.startswith("Champion role set.")
    m = [x.id for x in live.members]
    live.emu.set_member_roles(live.guild, live.members[5], [role])  # a moderator gave it
    await month_won_by(live, 1, [0, 1], 2)  # a tie: both are champions
    live.clock.set(DECEMBER_1)
    await live.bot.scheduler.tick()
    assert holders(live, role) == {m[0], m[1], m[5]}
    assert await stored(live) == {m[0]: ("2025-11", True), m[1]: ("2025-11", True)}
    live.clock.set(DECEMBER_1 + timedelta(days=2))
    await month_won_by(live, 2, [2], 0)
    live.clock.set(JANUARY_1)
    await live.bot.scheduler.tick()
    assert holders(live, role) == {m[2], m[5]}  # the bot never takes what it didn't give
    assert await stored(live) == {m[2]: ("2025-12", True)}
    before = len(role_requests(live))
    await live.bot.scheduler.tick()
    live.clock.advance(STALE_CLAIM * 3)
    await live.bot.scheduler.tick()
    assert len(role_requests(live)) == before == 5  # 2 given, 2 taken, 1 given: once each
    cleared = await live.run(live.admin, "/setup champion-role")
    assert cleared.content.startswith("Champion role cleared.")


async def test_a_crash_between_the_post_and_the_role_change_gives_the_role_once(
    live: World,
) -> None:
    role = await champion_role(live)
    await live.services.guilds.set_champion_role(live.guild.id, role.id)
    await month_won_by(live, 1, [0, 1], 2)
    live.clock.set(DECEMBER_1)
    # The crash: a process posted the board, recorded the champions, gave the role to one
    # of them, and died before the rest.
    async with live.services.db.write() as session:
        session.add(
            OutboxEntry(
                key=f"champion:{live.guild.id}:2025-11",
                guild_id=live.guild.id,
                claimed_at=live.clock.now(),
                claimed_by="dead-host:1",
            )
        )
        session.add(
            ChampionRole(
                guild_id=live.guild.id,
                member_id=live.members[0].id,
                role_id=role.id,
                month="2025-11",
                granted_at=live.clock.now(),
            )
        )
    live.emu.set_member_roles(live.guild, live.members[0], [role])
    await live.bot.scheduler.tick()
    board = [m for m in live.emu.messages(live.leaderboard.id) if m.embeds]
    assert len(board) == 1  # the post went out
    assert holders(live, role) == {live.members[0].id}  # the claim is fresh: nobody took over
    live.clock.advance(STALE_CLAIM + timedelta(seconds=30))
    await live.bot.scheduler.tick()
    await live.bot.scheduler.tick()
    assert holders(live, role) == {live.members[0].id, live.members[1].id}
    assert [p for _, p in role_requests(live)] == [
        f"/guilds/{live.guild.id}/members/{live.members[1].id}/roles/{role.id}"
    ]  # only what was left


async def test_two_processes_change_the_role_once(world: World) -> None:
    async with world.running():
        role = await champion_role(world)
        await world.services.guilds.set_champion_role(world.guild.id, role.id)
        await month_won_by(world, 1, [0, 1], 2)
    world.clock.set(DECEMBER_1)
    async with world.running() as first, world.running() as second:
        await asyncio.gather(first.scheduler.tick(), second.scheduler.tick())
        await asyncio.gather(first.scheduler.tick(), second.scheduler.tick())
    assert holders(world, role) == {world.members[0].id, world.members[1].id}
    assert len(role_requests(world)) == 2


async def test_a_role_the_bot_cannot_give_is_refused_at_setup(live: World) -> None:
    everyone = live.guild.roles[live.guild.id]
    refused = await live.run(live.admin, "/setup champion-role", role=everyone)
    assert refused.content == "@everyone can't be the champion role: pick a role of its own."
    high = await champion_role(live, position=5)  # above the bot's highest role
    refused = await live.run(live.admin, "/setup champion-role", role=high)
    assert refused.content == (
        f"I can't use <@&{high.id}> as the champion role: the champion role is not below my "
        "highest role, so I can't give it: move my role above it."
    )
    assert (await live.services.guilds.get(live.guild.id)).champion_role_id is None


async def test_without_manage_roles_at_post_time_the_admins_are_told_and_the_post_goes_out(
    live: World,
) -> None:
    role = await champion_role(live)
    await live.run(live.admin, "/setup champion-role", role=role)
    live.emu.set_bot_permissions(live.guild, P.DEFAULT_BOT)  # Manage Roles taken away
    await live.emu.wait_for(
        lambda: not live.bot.get_guild(live.guild.id).me.guild_permissions.manage_roles,  # type: ignore[union-attr]
        timeout=5,
    )
    await month_won_by(live, 1, [0], 2)
    live.clock.set(DECEMBER_1)
    await live.bot.scheduler.tick()
    assert len([m for m in live.emu.messages(live.leaderboard.id) if m.embeds]) == 1
    assert holders(live, role) == set() and role_requests(live) == []
    told = await live.run(live.admin, "/poll open", prediction="2")
    assert (
        "The month's champions didn't get their role: I lack Manage Roles, so I can't give the "
        "champion role." in told.content
    )
    # Granted again: the role follows at the next run.
    live.emu.set_bot_permissions(live.guild, P.DEFAULT_BOT | P.MANAGE_ROLES)
    await live.emu.wait_for(
        lambda: live.bot.get_guild(live.guild.id).me.guild_permissions.manage_roles,  # type: ignore[union-attr]
        timeout=5,
    )
    await live.bot.scheduler.tick()
    assert holders(live, role) == {live.members[0].id}


async def test_a_deleted_champion_role_is_told_and_the_post_goes_out(live: World) -> None:
    role = await champion_role(live)
    await live.run(live.admin, "/setup champion-role", role=role)
    del live.guild.roles[role.id]  # a moderator deleted the role
    live.emu.gateway.dispatch(
        "GUILD_ROLE_DELETE",
        {"guild_id": str(live.guild.id), "role_id": str(role.id)},
        guild_id=live.guild.id,
    )
    await live.emu.wait_for(
        lambda: live.bot.get_guild(live.guild.id).get_role(role.id) is None,  # type: ignore[union-attr]
        timeout=5,
    )
    await month_won_by(live, 1, [0], 2)
    live.clock.set(DECEMBER_1)
    await live.bot.scheduler.tick()
    assert len([m for m in live.emu.messages(live.leaderboard.id) if m.embeds]) == 1
    assert role_requests(live) == []
    told = await live.run(live.admin, "/poll open", prediction="2")
    assert "the champion role no longer exists (deleted?)" in told.content
