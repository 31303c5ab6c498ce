"""Giving and taking a role: checked in the cache first, refusals told to the admins."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from bot.domain.community import champion_role_problem
from bot.domain.roles import dangerous_role_problem, setter_problem

log = logging.getLogger(__name__)


class RoleKeeper:
    """Add and remove one role on members, within the role hierarchy."""

    def __init__(
        self, http: discord.http.HTTPClient, get_guild: Callable[[int], discord.Guild | None]
    ) -> None:
        self._http = http
        self._get_guild = get_guild

    def problem(self, guild_id: int, role_id: int) -> str | None:
        """Say why the bot can't give a role in a guild now (None: it can, or unknown)."""
        guild = self._get_guild(guild_id)
        if guild is None or guild.me is None:
            return None
        role = guild.get_role(role_id)
        given = role is not None and not role.is_default() and not role.managed
        if given and (problem := dangerous_role_problem(role.permissions.value, _allows(role))):
            return problem
        me = guild.me
        return champion_role_problem(
            exists=role is not None,
            is_everyone=role is not None and role.is_default(),
            managed=role is not None and role.managed,
            manage_roles=me.guild_permissions.manage_roles,
            below_mine=role is not None
            and (guild.owner_id == me.id or role.position < me.top_role.position),
        )

    def picker_problem(self, guild_id: int, role_id: int, picker: discord.abc.User) -> str | None:
        """Say why a person may not pick a role for the bot to hand out (None: they may)."""
        guild = self._get_guild(guild_id)
        role = guild.get_role(role_id) if guild is not None else None
        if guild is None or role is None:
            return None  # the role's own problem says so
        member = picker if isinstance(picker, discord.Member) else guild.get_member(picker.id)
        return setter_problem(
            is_owner=guild.owner_id == picker.id,
            manage_roles=member is not None and member.guild_permissions.manage_roles,
            outranks=member is not None and member.top_role.position > role.position,
        )

    async def holds(self, guild_id: int, member_id: int, role_id: int) -> bool | None:
        """Tell from fresh member data whether a member holds a role (None: they left)."""
        try:
            data = await self._http.get_member(guild_id, member_id)
        except discord.NotFound:
            return None
        return str(role_id) in data.get("roles", [])

    async def give(self, guild_id: int, member_id: int, role_id: int) -> str | None:
        """Give a member a role; return why not (a member who left is no error)."""
        return await self._change(self._http.add_role, guild_id, member_id, role_id)

    async def take(self, guild_id: int, member_id: int, role_id: int) -> str | None:
        """Take a role from a member; return why not (a member who left is no error)."""
        return await self._change(self._http.remove_role, guild_id, member_id, role_id)

    async def _change(
        self, call: Callable[..., Awaitable[None]], guild_id: int, member_id: int, role_id: int
    ) -> str | None:
        try:
            await call(guild_id, member_id, role_id, reason="Called It: the month's champions")
        except discord.NotFound as exc:
            if exc.code == 10011:  # Unknown Role
                return champion_role_problem(
                    exists=False,
                    is_everyone=False,
                    managed=False,
                    manage_roles=True,
                    below_mine=True,
                )
            return None  # the member left: nothing to give or take
        except discord.Forbidden:
            return "Discord refused to change the role (check Manage Roles and my role's position)"
        return None


def _allows(role: discord.Role) -> list[tuple[str, int]]:
    """Return (channel mention, bits allowed to the role there) for each channel overwrite."""
    result = []
    for channel in role.guild.channels:
        allow, _ = channel.overwrites_for(role).pair()
        if allow.value:
            result.append((channel.mention, allow.value))
    return result
