"""Setup helpers of the Emulator: guilds, channels, roles, members and permissions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import permissions as P
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT, Gateway
from .models import Channel, Guild, Member, Overwrite, Role, User, snowflake

if TYPE_CHECKING:
    from .people import Actor


def _id(obj: Any) -> int:
    """Return the integer id of a model, actor, discord.py object or raw id."""
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str):
        return int(obj)
    return int(obj.id)


class WorldMixin:
    """Create and change the guilds, channels, roles and members the bot sees."""

    bot: User
    application_id: int
    privileged_intents: int
    guilds: dict[int, Guild]
    channels: dict[int, Channel]
    users: dict[int, User]
    gateway: Gateway

    # -- setup helpers --------------------------------------------------------

    def enable_privileged_intents(
        self, *, members: bool = False, presences: bool = False, message_content: bool = False
    ) -> None:
        """Tick the privileged intents in the (emulated) developer portal."""
        self.privileged_intents = (
            (GUILD_MEMBERS if members else 0)
            | (GUILD_PRESENCES if presences else 0)
            | (MESSAGE_CONTENT if message_content else 0)
        )

    def create_user(self, name: str, *, bot: bool = False) -> User:
        """Create a user account."""
        user = User(snowflake(), name, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str = "Test Guild",
        *,
        bot_permissions: int = P.DEFAULT_BOT,
        everyone_permissions: int = P.DEFAULT_EVERYONE,
        channels: Iterable[str] = ("general",),
    ) -> Guild:
        """Create a guild with @everyone, an owner, the bot (with a managed role) and channels."""
        owner = self.create_user(f"{name.lower().replace(' ', '_')}_owner")
        gid = snowflake()
        guild = Guild(gid, name, owner.id)
        guild.roles[gid] = Role(gid, gid, "@everyone", everyone_permissions, 0)
        bot_role = Role(snowflake(), gid, self.bot.username, bot_permissions, 1, managed=True)
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(owner, gid)
        guild.members[self.bot.id] = Member(self.bot, gid, [bot_role.id])
        self.guilds[gid] = guild
        for ch in channels:
            self.create_channel(guild, ch, dispatch=False)
        self.gateway.dispatch("GUILD_CREATE", guild.to_dict(), guild_id=gid)
        return guild

    def bot_role(self, guild: Any) -> Role:
        """Return the bot's managed role in a guild."""
        g = self.guilds[_id(guild)]
        return next(r for r in g.roles.values() if r.managed and r.name == self.bot.username)

    def set_bot_permissions(self, guild: Any, permissions: int) -> None:
        """Set the permission bits of the bot's role in a guild."""
        role = self.bot_role(guild)
        role.permissions = permissions
        self.gateway.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role.to_dict()},
            guild_id=role.guild_id,
        )

    def create_channel(
        self, guild: Any, name: str, *, type: int = 0, dispatch: bool = True
    ) -> Channel:
        """Create a channel in a guild."""
        g = self.guilds[_id(guild)]
        ch = Channel(snowflake(), g.id, name, type=type, position=len(g.channels))
        g.channels[ch.id] = ch
        self.channels[ch.id] = ch
        if dispatch:
            self.gateway.dispatch("CHANNEL_CREATE", ch.to_dict(), guild_id=g.id)
        return ch

    def create_role(
        self, guild: Any, name: str, *, permissions: int = 0, position: int | None = None
    ) -> Role:
        """Create a role in a guild."""
        g = self.guilds[_id(guild)]
        pos = position if position is not None else 1
        role = Role(snowflake(), g.id, name, permissions, pos)
        g.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.to_dict()}, guild_id=g.id
        )
        return role

    def set_overwrite(self, channel: Any, target: Any, *, allow: int = 0, deny: int = 0) -> None:
        """Set a channel permission overwrite for a role or a member (Actor/User/Member/Role)."""
        ch = self.channels[_id(channel)]
        tid = _id(target)
        g = self.guilds[ch.guild_id] if ch.guild_id else None
        kind = 0 if g is not None and tid in g.roles else 1
        ch.overwrites[tid] = Overwrite(tid, kind, allow, deny)
        self.gateway.dispatch("CHANNEL_UPDATE", ch.to_dict(), guild_id=ch.guild_id)

    def dm_channel(self, user: Any) -> Channel:
        """Return the DM channel between the bot and a user (created on first use)."""
        uid = _id(user.user if hasattr(user, "user") else user)
        for ch in self.channels.values():
            if ch.type == 1 and ch.name == str(uid):
                return ch
        ch = Channel(snowflake(), None, str(uid), type=1)
        self.channels[ch.id] = ch
        return ch

    def add_member(
        self, guild: Any, name: str, *, roles: Iterable[Any] = (), dispatch: bool = True
    ) -> Actor:
        """Create a user, add them to the guild and return an Actor for them."""
        from .people import Actor

        g = self.guilds[_id(guild)]
        user = self.create_user(name)
        member = Member(user, g.id, [_id(r) for r in roles])
        g.members[user.id] = member
        if dispatch:
            self.gateway.dispatch(
                "GUILD_MEMBER_ADD", member.to_dict() | {"guild_id": str(g.id)}, guild_id=g.id
            )
        return Actor(self, g, user)

    def set_member_roles(self, guild: Any, user: Any, roles: Iterable[Any]) -> None:
        """Replace a member's roles (as an admin would in the client) and dispatch the update."""
        g = self.guilds[_id(guild)]
        member = g.members[_id(user)]
        member.roles = [_id(r) for r in roles]
        self.gateway.dispatch(
            "GUILD_MEMBER_UPDATE", member.to_dict() | {"guild_id": str(g.id)}, guild_id=g.id
        )

    def add_admin(self, guild: Any, name: str = "admin") -> Actor:
        """Add a member holding an Administrator role."""
        g = self.guilds[_id(guild)]
        role = next(
            (r for r in g.roles.values() if r.name == "Admin" and r.permissions & P.ADMINISTRATOR),
            None,
        ) or self.create_role(g, "Admin", permissions=P.ADMINISTRATOR, position=5)
        return self.add_member(g, name, roles=[role])

    def actor(self, guild: Any, user: Any) -> Actor:
        """Return an Actor for an existing member."""
        from .people import Actor

        return Actor(self, self.guilds[_id(guild)], self.users[_id(user)])

    def owner_of(self, guild: Any) -> Actor:
        """Return an Actor for the guild owner."""
        g = self.guilds[_id(guild)]
        return self.actor(g, g.owner_id)

    def permissions_for(self, channel: Any, user: Any) -> int:
        """Compute a member's permissions in a channel."""
        ch = self.channels[_id(channel)]
        if ch.guild_id is None:
            return P.ALL & ~P.ADMINISTRATOR
        return P.channel_permissions(self.guilds[ch.guild_id], ch, _id(user))
