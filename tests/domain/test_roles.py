"""The one list of dangerous permissions, and who may pick a handed-out role."""

from __future__ import annotations

import discord

from bot.domain.roles import (
    DANGEROUS,
    admin_role_problem,
    dangerous,
    dangerous_role_problem,
    setter_problem,
)


def test_the_list_names_discords_own_moderating_permissions() -> None:
    names = {
        "administrator",
        "manage_guild",
        "manage_roles",
        "manage_channels",
        "manage_messages",
        "manage_webhooks",
        "kick_members",
        "ban_members",
        "moderate_members",
        "mention_everyone",
        "manage_nicknames",
        "manage_expressions",
        "manage_events",
        "manage_threads",
        "view_audit_log",
        "mute_members",
        "deafen_members",
        "move_members",
    }
    bits = discord.Permissions(**dict.fromkeys(names, True)).value
    assert bits & ~sum(DANGEROUS) == 0  # every one is listed
    assert dangerous(discord.Permissions(priority_speaker=True, send_messages=True).value) == []
    assert dangerous(discord.Permissions.general().value) != []


def test_a_role_is_refused_for_its_server_wide_or_channel_permissions() -> None:
    assert dangerous_role_problem(0) is None
    assert dangerous_role_problem(1 << 3 | 1 << 1) == (
        "that role carries Administrator and Kick Members, which the bot must never hand out"
    )
    assert dangerous_role_problem(0, [("#a", 1 << 6), ("#b", 1 << 13)]) == (
        "that role is allowed Manage Messages in #b, which the bot must never hand out"
    )


def test_the_picker_needs_manage_roles_and_a_higher_role_unless_owner() -> None:
    assert setter_problem(is_owner=True, manage_roles=False, outranks=False) is None
    assert setter_problem(is_owner=False, manage_roles=True, outranks=True) is None
    assert setter_problem(is_owner=False, manage_roles=False, outranks=True) is not None
    assert setter_problem(is_owner=False, manage_roles=True, outranks=False) is not None


def test_everyone_and_managed_roles_cannot_be_the_admin_role() -> None:
    assert admin_role_problem(is_everyone=False, managed=False) is None
    assert admin_role_problem(is_everyone=True, managed=False) is not None
    assert admin_role_problem(is_everyone=False, managed=True) is not None
