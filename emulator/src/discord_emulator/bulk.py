"""Many realistic guilds at once: categories, text and voice channels, roles, emojis, members.

The shapes follow Discord's GUILD_CREATE: categories that deny @everyone some permissions
and allow a staff role, read-only and staff-only text channels, voice channels, coloured and
hoisted roles with typical permission sets, custom emojis, and a ``member_count`` that may be
larger than the members held here (most of a large guild is never sent without the members
intent). Each guild is built from its index, so a count of guilds is the same every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import permissions as P
from .models import Channel, Guild, Member, Overwrite, Role, User, snowflake
from .state import EmulatorState

TEXT, VOICE, CATEGORY = 0, 2, 4
CONNECT, SPEAK = 1 << 20, 1 << 21
STAFF = (
    P.KICK_MEMBERS
    | P.BAN_MEMBERS
    | P.MANAGE_MESSAGES
    | P.MANAGE_THREADS
    | P.MENTION_EVERYONE
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
)
ROLE_NAMES = ("Member", "Regular", "Verified", "Helper", "Events", "Artist", "Streamer", "Bots")
TEXT_NAMES = ("chat", "memes", "media", "links", "help", "ideas", "off-topic", "clips", "music")
CATEGORY_NAMES = ("Info", "Community", "Staff", "Voice", "Games", "Archive")


@dataclass(frozen=True, slots=True)
class Shape:
    """How big each guild is: channels (all kinds), roles besides @everyone, emojis, members."""

    channels: int = 25
    roles: int = 15
    emojis: int = 10
    members: int = 0
    #: What Discord counts (None: the members held plus the owner and the bot).
    member_count: int | None = None


def create_guilds(
    emu: EmulatorState, count: int, shape: Shape, *, prefix: str = "Guild"
) -> list[Guild]:
    """Create `count` guilds of `shape` in the emulator (dispatching GUILD_CREATE each)."""
    start = len(emu.guilds)
    guilds = []
    for n in range(start, start + count):
        guild = build_guild(emu, n, shape, name=f"{prefix} {n + 1}")
        emu.gateway.dispatch("GUILD_CREATE", guild.to_dict(), guild_id=guild.id)
        guilds.append(guild)
    return guilds


def build_guild(emu: EmulatorState, index: int, shape: Shape, *, name: str) -> Guild:
    """Build and register one realistic guild; return it."""
    rng = random.Random(index)
    owner = _user(emu, f"owner{index}")
    gid = snowflake()
    guild = Guild(gid, name, owner.id)
    guild.roles[gid] = Role(gid, gid, "@everyone", P.DEFAULT_EVERYONE, 0)
    staff = _roles(guild, shape.roles, rng)
    bot_role = Role(snowflake(), gid, emu.bot.username, P.DEFAULT_BOT, len(guild.roles))
    bot_role.managed = True
    guild.roles[bot_role.id] = bot_role
    guild.members[owner.id] = Member(owner, gid, [staff.id] if staff else [])
    guild.members[emu.bot.id] = Member(emu.bot, gid, [bot_role.id])
    for m in range(shape.members):
        user = _user(emu, f"g{index}m{m}")
        guild.members[user.id] = Member(user, gid)
    guild.member_count = shape.member_count
    _channels(emu, guild, shape.channels, staff, rng)
    guild.emojis = [
        {
            "id": str(snowflake()),
            "name": f"emote{e}",
            "roles": [],
            "require_colons": True,
            "managed": False,
            "animated": rng.random() < 0.2,
            "available": True,
        }
        for e in range(shape.emojis)
    ]
    emu.guilds[gid] = guild
    return guild


def _user(emu: EmulatorState, name: str) -> User:
    user = User(snowflake(), name)
    emu.users[user.id] = user
    return user


def _roles(guild: Guild, count: int, rng: random.Random) -> Role | None:
    """Add `count` roles (the top ones Admin and Moderator); return the staff role."""
    staff: Role | None = None
    for n in range(count):
        position = count - n  # the first one made is the highest
        if n == 0:
            name, perms, hoist = "Admin", P.ADMINISTRATOR, True
        elif n == 1:
            name, perms, hoist = "Moderator", STAFF | P.MANAGE_ROLES, True
        else:
            name = f"{ROLE_NAMES[n % len(ROLE_NAMES)]} {n}"
            perms, hoist = (P.DEFAULT_EVERYONE if n % 3 else 0), n % 4 == 0
        role = Role(snowflake(), guild.id, name, perms, position, color=rng.randrange(1 << 24))
        role.hoist = hoist
        role.mentionable = n % 2 == 0
        guild.roles[role.id] = role
        if n == 1 or (staff is None and n == 0):
            staff = role
    return staff


def _channels(
    emu: EmulatorState, guild: Guild, count: int, staff: Role | None, rng: random.Random
) -> None:
    """Add `count` channels: a few categories, voice channels, and text ("general" first)."""
    everyone = guild.id
    categories = [
        _channel(emu, guild, CATEGORY_NAMES[n % len(CATEGORY_NAMES)], CATEGORY, None)
        for n in range(max(1, count // 8) if count > 1 else 0)
    ]
    for n, category in enumerate(categories):
        if CATEGORY_NAMES[n % len(CATEGORY_NAMES)] == "Staff":
            _overwrite(category, everyone, deny=P.VIEW_CHANNEL)
            if staff is not None:
                _overwrite(category, staff.id, allow=P.VIEW_CHANNEL | P.SEND_MESSAGES)
        elif n % 2:
            _overwrite(category, everyone, deny=P.MENTION_EVERYONE | P.CREATE_PUBLIC_THREADS)
    rest = count - len(categories)
    voices = rest // 5
    for n in range(rest):
        parent = categories[n % len(categories)].id if categories and n else None
        if n and n > rest - voices - 1:
            voice = _channel(emu, guild, f"Voice {n}", VOICE, parent)
            if n % 2:
                _overwrite(voice, everyone, allow=CONNECT | SPEAK)
            continue
        name = "general" if n == 0 else f"{TEXT_NAMES[n % len(TEXT_NAMES)]}-{n}"
        text = _channel(emu, guild, name, TEXT, parent)
        text.topic = f"Talk about {name}" if rng.random() < 0.6 else None
        if n == 1:  # announcements: read-only for everyone, staff may post
            text.name = "announcements"
            _overwrite(text, everyone, deny=P.SEND_MESSAGES | P.ADD_REACTIONS)
            if staff is not None:
                _overwrite(text, staff.id, allow=P.SEND_MESSAGES)
        elif n % 4 == 3:
            _overwrite(text, everyone, deny=P.ATTACH_FILES | P.EMBED_LINKS)


def _channel(emu: EmulatorState, guild: Guild, name: str, kind: int, parent: int | None) -> Channel:
    ch = Channel(snowflake(), guild.id, name, type=kind, position=len(guild.channels))
    ch.parent_id = parent
    guild.channels[ch.id] = ch
    emu.channels[ch.id] = ch
    return ch


def _overwrite(channel: Channel, target: int, *, allow: int = 0, deny: int = 0) -> None:
    channel.overwrites[target] = Overwrite(target, 0, allow, deny)
