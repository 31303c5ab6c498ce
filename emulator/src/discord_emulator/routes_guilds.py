"""REST handlers for guilds, their channels, roles and members."""

from __future__ import annotations

from . import permissions as P
from .rest import ApiRequest, Result
from .routes import get_guild
from .rules import (
    UNKNOWN_MEMBER,
    UNKNOWN_ROLE,
    form_error,
    missing_access,
    missing_permissions,
    not_found,
)
from .state import EmulatorState


async def get_guild_route(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return a guild (without members and channels, like Discord)."""
    g = get_guild(emu, api)
    data = g.to_dict(with_members=False)
    for key in (
        "members",
        "channels",
        "threads",
        "presences",
        "voice_states",
        "joined_at",
        "large",
        "unavailable",
        "member_count",
        "stage_instances",
        "guild_scheduled_events",
        "soundboard_sounds",
    ):
        data.pop(key, None)
    data.update(
        region="",
        widget_enabled=False,
        widget_channel_id=None,
        max_members=500000,
        max_presences=None,
        max_video_channel_users=25,
        max_stage_video_channel_users=50,
        safety_alerts_channel_id=None,
        home_header=None,
        incidents_data=None,
        nsfw=False,
    )
    if api.query.get("with_counts") in ("true", "True", "1"):
        data["approximate_member_count"] = len(g.members)
        data["approximate_presence_count"] = 0
    return 200, data


async def guild_channels(emu: EmulatorState, api: ApiRequest) -> Result:
    """List a guild's channels."""
    g = get_guild(emu, api)
    return 200, [c.to_dict() for c in g.channels.values()]


async def guild_roles(emu: EmulatorState, api: ApiRequest) -> Result:
    """List a guild's roles."""
    g = get_guild(emu, api)
    return 200, [r.to_dict() for r in g.roles.values()]


async def get_member(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return a guild member."""
    g = get_guild(emu, api)
    member = g.members.get(api.int_param("user_id"))
    if member is None:
        raise not_found(UNKNOWN_MEMBER, "Member")
    return 200, member.to_dict()


async def list_members(emu: EmulatorState, api: ApiRequest) -> Result:
    """List members by ascending id (needs the Server Members intent enabled in the portal)."""
    from .gateway import GUILD_MEMBERS

    g = get_guild(emu, api)
    if not emu.privileged_intents & GUILD_MEMBERS:
        raise missing_access()
    limit = int(api.query.get("limit", 1))
    if not 1 <= limit <= 1000:
        raise form_error("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 1000.")
    after = int(api.query.get("after", 0))
    ids = sorted(u for u in g.members if u > after)[:limit]
    return 200, [g.members[u].to_dict() for u in ids]


def _role_change(emu: EmulatorState, api: ApiRequest, add: bool) -> Result:
    g = get_guild(emu, api)
    member = g.members.get(api.int_param("user_id"))
    if member is None:
        raise not_found(UNKNOWN_MEMBER, "Member")
    role = g.roles.get(api.int_param("role_id"))
    if role is None:
        raise not_found(UNKNOWN_ROLE, "Role")
    perms = P.base_permissions(g, emu.bot.id)
    if not perms & P.MANAGE_ROLES:
        raise missing_permissions()
    if g.owner_id != emu.bot.id and role.position >= P.highest_role_position(g, emu.bot.id):
        # Administrator does not lift the role hierarchy; only the owner is above it.
        raise missing_permissions()
    if role.managed or role.id == g.id:
        raise missing_permissions()
    if add and role.id not in member.roles:
        member.roles.append(role.id)
    elif not add and role.id in member.roles:
        member.roles.remove(role.id)
    else:
        return 204, None
    emu.gateway.dispatch(
        "GUILD_MEMBER_UPDATE", member.to_dict() | {"guild_id": str(g.id)}, guild_id=g.id
    )
    return 204, None


async def add_member_role(emu: EmulatorState, api: ApiRequest) -> Result:
    """Give a member a role (needs Manage Roles and a higher role)."""
    return _role_change(emu, api, True)


async def remove_member_role(emu: EmulatorState, api: ApiRequest) -> Result:
    """Take a role from a member (needs Manage Roles and a higher role)."""
    return _role_change(emu, api, False)
