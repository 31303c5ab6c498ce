"""Simulated people: members and admins who run slash commands, click and react."""

from __future__ import annotations

import asyncio
from typing import Any

from . import permissions as P
from .clicking import Clicker, CommandError
from .models import Attachment, Channel, Guild, Message, User
from .results import InteractionResult
from .rules import DiscordError
from .state import EmulatorState

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)


def _oid(obj: Any) -> int:
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str) and obj.isdigit():
        return int(obj)
    if isinstance(obj, Actor):
        return obj.user.id
    return int(obj.id)


class Actor(Clicker):
    """A person in a guild who uses the bot like a Discord user would."""

    def __init__(self, emu: EmulatorState, guild: Guild, user: User) -> None:
        self.emu = emu
        self.guild = guild
        self.user = user

    @property
    def id(self) -> int:
        """Return the user id."""
        return self.user.id

    @property
    def mention(self) -> str:
        """Return the mention string."""
        return f"<@{self.user.id}>"

    def __repr__(self) -> str:
        return f"<Actor {self.user.username} ({self.user.id})>"

    def _channel(self, channel: Any | None) -> Channel:
        if channel is None:
            return next(c for c in self.guild.channels.values() if c.type == 0)
        return self.emu.channels[_oid(channel)]

    def give_role(self, role: Any) -> None:
        """Give the member a role directly (as an admin would in the client)."""
        member = self.guild.members[self.user.id]
        if _oid(role) not in member.roles:
            self.emu.set_member_roles(self.guild, self.user, [*member.roles, _oid(role)])

    # -- slash commands -------------------------------------------------------

    def _find_command(self, path: str, ctype: int = 1) -> tuple[dict[str, Any], list[str]]:
        parts = path.strip().lstrip("/").split()
        if not parts:
            raise CommandError("empty command path")
        for cmd in self.emu.registered_commands(self.guild):
            if cmd["name"] == parts[0] and int(cmd.get("type", 1)) == ctype:
                return cmd, parts[1:]
        names = sorted(c["name"] for c in self.emu.registered_commands(self.guild))
        raise CommandError(f"command /{parts[0]} is not registered (registered: {names})")

    def command_data(
        self, path: str, options: dict[str, Any], focused: str | None = None
    ) -> dict[str, Any]:
        """Build INTERACTION_CREATE ``data`` for a registered command path and options."""
        return self._build_data(path, options, focused)

    def _build_data(
        self, path: str, options: dict[str, Any], focused: str | None = None
    ) -> dict[str, Any]:
        cmd, rest = self._find_command(path)
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        resolved: dict[str, dict[str, Any]] = {}
        schema = cmd.get("options") or []
        container: list[dict[str, Any]] = []
        data["options"] = container
        for name in rest:
            sub = next(
                (
                    o
                    for o in schema
                    if o["name"] == name and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if sub is None:
                raise CommandError(f"/{cmd['name']} has no subcommand {name!r}")
            inner: list[dict[str, Any]] = []
            container.append({"type": sub["type"], "name": name, "options": inner})
            container = inner
            schema = sub.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
            raise CommandError(f"{path!r} needs a subcommand")
        known = {o["name"]: o for o in schema}
        for key in options:
            if key not in known:
                raise CommandError(f"{path!r} has no option {key!r} (options: {sorted(known)})")
        for opt in schema:
            name = opt["name"]
            if name not in options:
                if opt.get("required") and name != focused:
                    raise CommandError(f"{path!r} requires option {name!r}")
                continue
            value = options[name]
            if name == focused:
                container.append(
                    {"type": opt["type"], "name": name, "value": str(value), "focused": True}
                )
                continue
            container.append(
                {"type": opt["type"], "name": name, "value": self._value(opt, value, resolved)}
            )
        if resolved:
            data["resolved"] = resolved
        return data

    def _value(self, opt: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]]) -> Any:
        otype = opt["type"]
        emu = self.emu
        if otype == STRING:
            value = str(value)
            if len(value) > int(opt.get("max_length", 6000)) or len(value) < int(
                opt.get("min_length", 0)
            ):
                raise CommandError(f"option {opt['name']!r}: length out of range")
        elif otype == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise CommandError(f"option {opt['name']!r} must be an integer")
        elif otype == NUMBER:
            value = float(value) if not isinstance(value, int) else value
        elif otype == BOOLEAN:
            value = bool(value)
        elif otype in (USER, MENTIONABLE) and (_oid(value) in emu.users or otype == USER):
            uid = _oid(value)
            if uid not in emu.users:
                raise CommandError(f"option {opt['name']!r}: unknown user {uid}")
            resolved.setdefault("users", {})[str(uid)] = emu.users[uid].to_dict()
            member = self.guild.members.get(uid)
            if member is not None:
                resolved.setdefault("members", {})[str(uid)] = member.to_dict(with_user=False) | {
                    "permissions": str(emu.permissions_for(self._channel(None), uid))
                }
            return str(uid)
        elif otype == CHANNEL:
            ch = emu.channels[_oid(value)]
            types = opt.get("channel_types")
            if types and ch.type not in types:
                raise CommandError(f"option {opt['name']!r}: channel type {ch.type} not allowed")
            resolved.setdefault("channels", {})[str(ch.id)] = {
                "id": str(ch.id),
                "name": ch.name,
                "type": ch.type,
                "permissions": str(emu.permissions_for(ch, self.user.id)),
                "parent_id": str(ch.parent_id) if ch.parent_id else None,
                "flags": 0,
            }
            return str(ch.id)
        elif otype == ATTACHMENT:
            att = value if isinstance(value, Attachment) else None
            if att is None and isinstance(value, tuple) and len(value) == 2:
                att = emu.upload(str(value[0]), bytes(value[1]))
            if att is None:
                raise CommandError(f"option {opt['name']!r}: give an Attachment or (name, bytes)")
            if att.id not in emu.uploads:
                emu.uploads[att.id] = att
            resolved.setdefault("attachments", {})[str(att.id)] = att.to_dict()
            return str(att.id)
        elif otype in (ROLE, MENTIONABLE):
            rid = _oid(value)
            role = self.guild.roles.get(rid)
            if role is None:
                raise CommandError(f"option {opt['name']!r}: unknown role {rid}")
            resolved.setdefault("roles", {})[str(rid)] = role.to_dict()
            return str(rid)
        else:
            raise CommandError(f"option type {otype} is not supported by the emulator")
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise CommandError(
                f"option {opt['name']!r}: {value!r} is not one of {[c['value'] for c in choices]}"
            )
        if otype in (INTEGER, NUMBER):
            lo, hi = opt.get("min_value"), opt.get("max_value")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise CommandError(f"option {opt['name']!r}: {value} out of range [{lo}, {hi}]")
        return value

    def _check_visible(self, command: str, channel: Channel) -> None:
        cmd, _rest = self._find_command(command)
        if channel.guild_id is None:
            contexts = cmd.get("contexts")
            if (contexts is not None and 1 not in contexts) or cmd.get("dm_permission") is False:
                raise CommandError(
                    f"/{cmd['name']} is not offered in DMs: Discord shows it in servers only "
                    "(contexts)"
                )
            return
        required = cmd.get("default_member_permissions")
        if required is None:
            return
        perms = self.emu.permissions_for(channel, self.user)
        needed = int(required)
        if perms & P.ADMINISTRATOR or perms == P.ALL:
            return
        if needed == 0 or perms & needed != needed:
            raise CommandError(
                f"{self.user.username} cannot use /{cmd['name']}: Discord hides it from members "
                f"without permissions {needed} (default_member_permissions)"
            )

    def start(
        self,
        command: str,
        *,
        in_channel: Any = None,
        options: dict[str, Any] | None = None,
        check_permissions: bool = True,
        **kw_options: Any,
    ) -> InteractionResult:
        """Send a slash command interaction without waiting for the answer.

        Options come as keyword arguments (or an `options` dict for names such as ``timeout``).
        Like Discord, a command whose ``default_member_permissions`` the member lacks cannot be
        used (CommandError) unless `check_permissions` is False.
        """
        opts = {**(options or {}), **kw_options}
        channel = self._channel(in_channel)
        if check_permissions:
            self._check_visible(command, channel)
        data = self._build_data(command, opts)
        inter = self.emu.new_interaction(self, 2, data, channel)
        return InteractionResult(self.emu, inter)

    async def run(
        self,
        command: str,
        *,
        in_channel: Any = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        options: dict[str, Any] | None = None,
        check_permissions: bool = True,
        **kw_options: Any,
    ) -> InteractionResult:
        """Run a slash command (e.g. ``"/group sub"``) with options and wait for the final answer."""
        result = self.start(
            command,
            in_channel=in_channel,
            options=options,
            check_permissions=check_permissions,
            **kw_options,
        )
        return await result.wait_finished(timeout)

    async def autocomplete(
        self,
        command: str,
        focused: str,
        *,
        in_channel: Any = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        options: dict[str, Any] | None = None,
        **kw_options: Any,
    ) -> list[dict[str, Any]]:
        """Type into option `focused` and return the autocomplete choices the bot offers."""
        opts = {**(options or {}), **kw_options}
        opts.setdefault(focused, "")
        data = self._build_data(command, opts, focused=focused)
        inter = self.emu.new_interaction(self, 4, data, self._channel(in_channel))
        result = InteractionResult(self.emu, inter)
        await result.wait_answered(timeout)
        return result.choices

    # -- reactions and messages -----------------------------------------------

    async def react(self, message: Any, emoji: str) -> bool:
        """Add a reaction (raises DiscordError at 20 distinct reactions)."""
        changed = self.emu.react(self.user.id, message, emoji, True)
        await asyncio.sleep(0)
        return changed

    async def unreact(self, message: Any, emoji: str) -> bool:
        """Remove this person's reaction."""
        changed = self.emu.react(self.user.id, message, emoji, False)
        await asyncio.sleep(0)
        return changed

    async def say(self, content: str, *, in_channel: Any = None) -> Message:
        """Post a message in a channel (default: the guild's first text channel)."""
        return await self.emu.post_message(self._channel(in_channel), self.user, content)

    # -- moderation -----------------------------------------------------------

    async def clear_reactions(self, message: Any, emoji: str | None = None) -> int:
        """ "Remove All Reactions" (or one emoji entirely); needs Manage Messages; return count."""
        removed = self.emu.clear_reactions(message, emoji, by=self)
        await asyncio.sleep(0)
        return removed

    async def delete_channel(self, channel: Any) -> Channel:
        """Delete a channel or thread (needs Manage Channels / Manage Threads)."""
        ch = self.emu.delete_channel(channel, by=self)
        await asyncio.sleep(0)
        return ch

    async def start_thread(self, message: Any, name: str) -> Channel:
        """Start a public thread on a message (needs Create Public Threads)."""
        th = self.emu.create_thread(message, name, by=self)
        await asyncio.sleep(0)
        return th

    async def set_thread_state(
        self, thread: Any, *, archived: bool | None = None, locked: bool | None = None
    ) -> Channel:
        """Archive/unarchive or lock/unlock a thread (locking needs Manage Threads)."""
        th = self.emu.set_thread_state(thread, archived=archived, locked=locked, by=self)
        await asyncio.sleep(0)
        return th


__all__ = ["Actor", "CommandError", "DiscordError", "InteractionResult"]
