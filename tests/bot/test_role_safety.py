"""Roles an attacker or a careless admin could abuse: the champion role never hands out a
dangerous permission nor is picked by someone who couldn't give it themselves; the bot takes
back only the champion roles it added; @everyone and managed roles can't be the admin role."""

from __future__ import annotations

from discord_emulator import Actor
from discord_emulator import permissions as P
from discord_emulator.models import Role

from tests.bot.conftest import World
from tests.bot.test_champion_role import (
    DECEMBER_1,
    JANUARY_1,
    champion_role,
    holders,
    month_won_by,
    role_requests,
)


async def member_with(
    world: World, name: str, *, permissions: int, position: int
) -> tuple[Actor, Role]:
    """Add a member holding one role of their own with these permissions, seen by the bot."""
    role = world.emu.create_role(world.guild, name, permissions=permissions, position=position)
    member = world.emu.add_member(world.guild, name.lower(), roles=[role])
    await world.emu.wait_for(
        lambda: world.bot.get_guild(world.guild.id).get_role(role.id) is not None,  # type: ignore[union-attr]
        timeout=5,
    )
    return member, role


async def edited(world: World, role: Role, permissions: int) -> None:
    """Change a role's permissions as a moderator would, and wait until the bot sees it."""
    world.emu.edit_role(role, permissions=permissions)
    await world.emu.wait_for(
        lambda: (
            world.bot.get_guild(world.guild.id).get_role(role.id).permissions.value  # type: ignore[union-attr]
            == permissions
        ),
        timeout=5,
    )


async def test_a_champion_role_carrying_a_dangerous_permission_is_refused(live: World) -> None:
    role = await champion_role(live)
    for bits, named in [
        (P.ADMINISTRATOR, "Administrator"),
        (P.MANAGE_GUILD | P.KICK_MEMBERS, "Manage Server and Kick Members"),
        (P.MODERATE_MEMBERS, "Timeout Members"),
        (P.MENTION_EVERYONE, "Mention @everyone, @here and All Roles"),
    ]:
        await edited(live, role, bits)
        refused = await live.run(live.admin, "/setup champion-role", role=role)
        assert refused.ephemeral and refused.content == (
            f"I can't use <@&{role.id}> as the champion role: that role carries {named}, "
            "which the bot must never hand out."
        )
        assert refused.allowed_mentions == {"parse": []}
    await edited(live, role, P.PRIORITY_SPEAKER)
    live.emu.set_overwrite(live.general, role, allow=P.MANAGE_MESSAGES)
    await live.emu.wait_for(
        lambda: (
            live.bot.get_channel(live.general.id)
            .overwrites_for(  # type: ignore[union-attr]
                live.bot.get_guild(live.guild.id).get_role(role.id)  # type: ignore[union-attr]
            )
            .manage_messages
            is True
        ),
        timeout=5,
    )
    refused = await live.run(live.admin, "/setup champion-role", role=role)
    assert refused.content == (
        f"I can't use <@&{role.id}> as the champion role: that role is allowed Manage Messages "
        f"in <#{live.general.id}>, which the bot must never hand out."
    )
    assert (await live.services.guilds.get(live.guild.id)).champion_role_id is None
    live.emu.set_overwrite(live.general, role, allow=P.ADD_REACTIONS)
    await live.emu.wait_for(
        lambda: (
            not live.bot.get_channel(live.general.id)
            .overwrites_for(  # type: ignore[union-attr]
                live.bot.get_guild(live.guild.id).get_role(role.id)  # type: ignore[union-attr]
            )
            .manage_messages
        ),
        timeout=5,
    )
    accepted = await live.run(live.admin, "/setup champion-role", role=role)
    assert accepted.content.startswith("Champion role set.")  # Priority Speaker is harmless


async def test_only_who_could_give_the_role_themselves_picks_the_champion_role(
    live: World,
) -> None:
    role = await champion_role(live)  # position 1, the bot's role at 3
    helpers, helper_role = await member_with(live, "Helpers", permissions=0, position=2)
    set_admin = await live.run(live.admin, "/setup admin-role", role=helper_role)
    assert set_admin.content.startswith("Admin role set.")
    server_manager, _ = await member_with(live, "Managers", permissions=P.MANAGE_GUILD, position=2)
    low_moderator, _ = await member_with(
        live, "Juniors", permissions=P.MANAGE_GUILD | P.MANAGE_ROLES, position=1
    )
    for person, why in [
        (helpers, "you need Manage Roles to pick the role I hand out"),
        (server_manager, "you need Manage Roles to pick the role I hand out"),
        (low_moderator, "your highest role must be above the role you pick"),
    ]:
        refused = await live.run(person, "/setup champion-role", role=role)
        assert refused.ephemeral and refused.content == (
            f"You can't pick <@&{role.id}> as the champion role: {why}."
        )
        assert refused.allowed_mentions == {"parse": []}
    assert (await live.services.guilds.get(live.guild.id)).champion_role_id is None
    by_owner = await live.run(live.emu.owner_of(live.guild), "/setup champion-role", role=role)
    assert by_owner.content.startswith("Champion role set.")
    by_admin = await live.run(live.admin, "/setup champion-role", role=role)  # Admin at 5
    assert by_admin.content.startswith("Champion role set.")


async def test_a_champion_role_made_dangerous_later_is_not_given_and_the_admins_are_told(
    live: World,
) -> None:
    role = await champion_role(live)
    assert (await live.run(live.admin, "/setup champion-role", role=role)).content.startswith(
        "Champion role set."
    )
    await edited(live, role, P.ADMINISTRATOR)  # edited after it was set
    await month_won_by(live, 1, [0], 2)
    live.clock.set(DECEMBER_1)
    await live.bot.scheduler.tick()
    assert len([m for m in live.emu.messages(live.leaderboard.id) if m.embeds]) == 1
    assert holders(live, role) == set() and role_requests(live) == []
    told = await live.run(live.admin, "/poll open", prediction="2")
    assert (
        "The month's champions didn't get their role: that role carries Administrator, which "
        "the bot must never hand out." in told.content
    )
    await edited(live, role, 0)  # fixed: the role follows at the next run
    await live.bot.scheduler.tick()
    assert holders(live, role) == {live.members[0].id}


async def test_a_champion_who_already_held_the_role_keeps_it_the_next_month(
    live: World,
) -> None:
    role = await champion_role(live)
    await live.run(live.admin, "/setup champion-role", role=role)
    m = [x.id for x in live.members]
    live.emu.set_member_roles(live.guild, live.members[0], [role])  # a moderator gave it
    await month_won_by(live, 1, [0, 1], 2)
    live.clock.set(DECEMBER_1)
    await live.bot.scheduler.tick()
    assert holders(live, role) == {m[0], m[1]}
    assert [p for _, p in role_requests(live)] == [
        f"/guilds/{live.guild.id}/members/{m[1]}/roles/{role.id}"
    ]  # only the one the bot added
    await month_won_by(live, 2, [2], 0)
    live.clock.set(JANUARY_1)
    await live.bot.scheduler.tick()
    assert holders(live, role) == {m[0], m[2]}  # member 0 keeps the moderator's role


async def test_everyone_or_a_managed_role_as_the_admin_role_is_refused(live: World) -> None:
    everyone = live.guild.roles[live.guild.id]
    refused = await live.run(live.admin, "/setup admin-role", role=everyone)
    assert refused.ephemeral and refused.content == (
        "@everyone can't be the admin role: it would make every member an admin; "
        "pick a role of its own."
    )
    integration = live.emu.create_role(live.guild, "Some Bot", managed=True)
    await live.emu.wait_for(
        lambda: live.bot.get_guild(live.guild.id).get_role(integration.id) is not None,  # type: ignore[union-attr]
        timeout=5,
    )
    refused = await live.run(live.admin, "/setup admin-role", role=integration)
    assert refused.ephemeral and refused.content == (
        f"I can't use <@&{integration.id}> as the admin role: it is managed by an integration "
        "or a bot, which decides who holds it: pick a role your moderators give."
    )
    assert refused.allowed_mentions == {"parse": []}
    assert (await live.services.guilds.get(live.guild.id)).admin_role_id is None


async def test_an_everyone_admin_role_stored_before_the_fix_makes_nobody_an_admin(
    live: World,
) -> None:
    await live.services.guilds.set_admin_role(live.guild.id, live.guild.id)  # @everyone
    denied = await live.run(live.members[4], "/setup voter-role")
    assert denied.ephemeral and denied.content.startswith("Only admins can do that")
    helpers = live.emu.create_role(live.guild, "Helpers")
    live.emu.set_member_roles(live.guild, live.members[4], [helpers])
    await live.services.guilds.set_admin_role(live.guild.id, helpers.id)
    await live.emu.wait_for(
        lambda: live.bot.get_guild(live.guild.id).get_role(helpers.id) is not None,  # type: ignore[union-attr]
        timeout=5,
    )
    allowed = await live.run(live.members[4], "/setup voter-role")
    assert allowed.content.startswith("Everyone votes.")  # a role of its own still works
