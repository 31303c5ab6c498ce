"""Setup helpers of the Emulator: guilds, channels, roles, members and permissions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import permissions as P
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT
from .models import Channel, Guild, Member, Overwrite, Role, User, id_of, iso_now, snowflake
from .people import Actor, CommandError
from .rules import DiscordError
from .state import EmulatorState


class WorldMixin(EmulatorState):
    """Create and change the guilds, channels, roles and members the bot sees."""

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

    def create_user(self, name: str, *, bot: bool = False, user_id: int | None = None) -> User:
        """Create a user account (with the given id, or a new one)."""
        user = User(user_id or snowflake(), name, bot=bot)
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
        g = self.guilds[id_of(guild)]
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
        g = self.guilds[id_of(guild)]
        ch = Channel(snowflake(), g.id, name, type=type, position=len(g.channels))
        g.channels[ch.id] = ch
        self.channels[ch.id] = ch
        if dispatch:
            self.gateway.dispatch("CHANNEL_CREATE", ch.to_dict(), guild_id=g.id)
        return ch

    def create_role(
        self,
        guild: Any,
        name: str,
        *,
        permissions: int = 0,
        position: int | None = None,
        managed: bool = False,
    ) -> Role:
        """Create a role in a guild (managed: an integration's or a bot's own role)."""
        g = self.guilds[id_of(guild)]
        pos = position if position is not None else 1
        role = Role(snowflake(), g.id, name, permissions, pos, managed=managed)
        g.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.to_dict()}, guild_id=g.id
        )
        return role

    def edit_role(
        self, role: Role, *, permissions: int | None = None, position: int | None = None
    ) -> None:
        """Change a role's permissions or position (as an admin would) and dispatch the update."""
        if permissions is not None:
            role.permissions = permissions
        if position is not None:
            role.position = position
        self.gateway.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role.to_dict()},
            guild_id=role.guild_id,
        )

    def set_overwrite(self, channel: Any, target: Any, *, allow: int = 0, deny: int = 0) -> None:
        """Set a channel permission overwrite for a role or a member (Actor/User/Member/Role)."""
        ch = self.channels[id_of(channel)]
        tid = id_of(target)
        g = self.guilds[ch.guild_id] if ch.guild_id else None
        kind = 0 if g is not None and tid in g.roles else 1
        ch.overwrites[tid] = Overwrite(tid, kind, allow, deny)
        self.gateway.dispatch("CHANNEL_UPDATE", ch.to_dict(), guild_id=ch.guild_id)

    def dm_channel(self, user: Any) -> Channel:
        """Return the DM channel between the bot and a user (created on first use)."""
        uid = id_of(user.user if hasattr(user, "user") else user)
        for ch in self.channels.values():
            if ch.type == 1 and ch.name == str(uid):
                return ch
        ch = Channel(snowflake(), None, str(uid), type=1)
        self.channels[ch.id] = ch
        return ch

    def add_member(
        self,
        guild: Any,
        name: str,
        *,
        roles: Iterable[Any] = (),
        dispatch: bool = True,
        user_id: int | None = None,
    ) -> Actor:
        """Create a user (with the given id, or a new one), add them to the guild, return an Actor."""
        g = self.guilds[id_of(guild)]
        user = self.create_user(name, user_id=user_id)
        member = Member(user, g.id, [id_of(r) for r in roles])
        g.members[user.id] = member
        if dispatch:
            self.gateway.dispatch(
                "GUILD_MEMBER_ADD", member.to_dict() | {"guild_id": str(g.id)}, guild_id=g.id
            )
        return Actor(self, g, user)

    def set_member_roles(self, guild: Any, user: Any, roles: Iterable[Any]) -> None:
        """Replace a member's roles (as an admin would in the client) and dispatch the update."""
        g = self.guilds[id_of(guild)]
        member = g.members[id_of(user)]
        member.roles = [id_of(r) for r in roles]
        self.gateway.dispatch(
            "GUILD_MEMBER_UPDATE", member.to_dict() | {"guild_id": str(g.id)}, guild_id=g.id
        )

    def add_admin(self, guild: Any, name: str = "admin") -> Actor:
        """Add a member holding an Administrator role."""
        g = self.guilds[id_of(guild)]
        role = next(
            (r for r in g.roles.values() if r.name == "Admin" and r.permissions & P.ADMINISTRATOR),
            None,
        ) or self.create_role(g, "Admin", permissions=P.ADMINISTRATOR, position=5)
        return self.add_member(g, name, roles=[role])

    def actor(self, guild: Any, user: Any) -> Actor:
        """Return an Actor for an existing member."""
        return Actor(self, self.guilds[id_of(guild)], self.users[id_of(user)])

    def owner_of(self, guild: Any) -> Actor:
        """Return an Actor for the guild owner."""
        g = self.guilds[id_of(guild)]
        return self.actor(g, g.owner_id)

    def permissions_for(self, channel: Any, user: Any) -> int:
        """Compute a member's permissions in a channel (a thread follows its parent)."""
        ch = self.channels[id_of(channel)]
        if ch.guild_id is None:
            return P.ALL & ~P.ADMINISTRATOR
        if ch.is_thread and ch.parent_id in self.channels:
            ch = self.channels[ch.parent_id]
        return P.channel_permissions(self.guilds[ch.guild_id], ch, id_of(user))

    # -- moderation: channels and threads ---------------------------------------

    def require_moderator(self, by: Any, channel_id: int, bit: int, name: str) -> None:
        """Raise CommandError unless the person has a permission in the channel."""
        user = by.user if hasattr(by, "user") else self.users[id_of(by)]
        if not self.permissions_for(channel_id, user) & bit:
            raise CommandError(f"{user.username} lacks {name}: the Discord client hides that")

    def delete_channel(self, channel: Any, *, by: Any = None) -> Channel:
        """Delete a channel (and its threads) as an admin does; dispatch CHANNEL_DELETE.

        Its messages stay inspectable here but the API answers 404 Unknown Channel (10003).
        With `by` that person needs Manage Channels (Manage Threads for a thread).
        """
        ch = self.channels[id_of(channel)]
        if by is not None:
            bit, name = (
                (P.MANAGE_THREADS, "Manage Threads")
                if ch.is_thread
                else (P.MANAGE_CHANNELS, "Manage Channels")
            )
            self.require_moderator(by, ch.id, bit, name)
        g = self.guilds.get(ch.guild_id) if ch.guild_id is not None else None
        for thread in [t for t in (g.threads.values() if g else []) if t.parent_id == ch.id]:
            self._forget_channel(thread, g)
        self._forget_channel(ch, g)
        data = ch.to_dict()
        if ch.is_thread:
            data = {k: data[k] for k in ("id", "guild_id", "parent_id", "type")}
        event = "THREAD_DELETE" if ch.is_thread else "CHANNEL_DELETE"
        self.gateway.dispatch(event, data, guild_id=ch.guild_id)
        self.notify()
        return ch

    def _forget_channel(self, ch: Channel, g: Guild | None) -> None:
        self.channels.pop(ch.id, None)
        self.deleted_channels[ch.id] = ch
        if g is not None:
            g.channels.pop(ch.id, None)
            g.threads.pop(ch.id, None)

    def create_thread(
        self,
        message: Any,
        name: str,
        *,
        by: Any = None,
        auto_archive_duration: int = 1440,
        dispatch: bool = True,
    ) -> Channel:
        """Start a public thread on a message (id = the message id); dispatch THREAD_CREATE.

        `by` (an Actor or user) is the thread's owner and needs Create Public Threads;
        without it the bot owns the thread.
        """
        msg = self.messages_by_id[id_of(message)]
        parent = self.channels[msg.channel_id]
        owner = self.bot.id
        if by is not None:
            self.require_moderator(by, parent.id, P.CREATE_PUBLIC_THREADS, "Create Public Threads")
            owner = id_of(by)
        if msg.id in self.channels or msg.id in self.deleted_channels:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        g = self.guilds[parent.guild_id]  # type: ignore[index]
        thread = Channel(
            msg.id,
            g.id,
            name,
            type=11,
            parent_id=parent.id,
            owner_id=owner,
            auto_archive_duration=auto_archive_duration,
        )
        g.threads[thread.id] = thread
        self.channels[thread.id] = thread
        if dispatch:
            self.gateway.dispatch(
                "THREAD_CREATE", thread.to_dict() | {"newly_created": True}, guild_id=g.id
            )
        return thread

    def set_thread_state(
        self,
        thread: Any,
        *,
        archived: bool | None = None,
        locked: bool | None = None,
        by: Any = None,
    ) -> Channel:
        """Archive/unarchive or lock/unlock a thread as a moderator; dispatch THREAD_UPDATE."""
        th = self.channels[id_of(thread)]
        if by is not None and (locked is not None or id_of(by) != th.owner_id):
            self.require_moderator(by, th.id, P.MANAGE_THREADS, "Manage Threads")
        self.apply_thread_state(th, archived=archived, locked=locked)
        return th

    def apply_thread_state(
        self, th: Channel, *, archived: bool | None = None, locked: bool | None = None
    ) -> None:
        """Change a thread's archived/locked flags and dispatch THREAD_UPDATE if they changed."""
        before = (th.archived, th.locked)
        if archived is not None:
            th.archived = archived
            th.archive_timestamp = iso_now()
        if locked is not None:
            th.locked = locked
        if (th.archived, th.locked) != before:
            self.gateway.dispatch("THREAD_UPDATE", th.to_dict(), guild_id=th.guild_id)
