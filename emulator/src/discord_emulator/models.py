"""In-memory Discord objects held by the emulator and their JSON shapes."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

_counter = itertools.count(1)


def snowflake() -> int:
    """Return a new unique snowflake based on the current time."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


#: Serialize compact JSON, as Discord sends it (no spaces, UTF-8 as is).
dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def id_of(obj: Any) -> int:
    """Return the integer id of a model, actor, discord.py object or raw id."""
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str):
        return int(obj)
    return int(obj.id)


def iso_now() -> str:
    """Return the current UTC time as an ISO 8601 string."""
    return datetime.now(UTC).isoformat()


def new_token() -> str:
    """Return a random interaction token."""
    return "emu_" + secrets.token_urlsafe(24)


@dataclass
class User:
    """A Discord user account (a person or a bot)."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Serialize as a Discord user object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    """A guild role with its permission bits."""

    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    managed: bool = False
    hoist: bool = False
    mentionable: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Serialize as a Discord role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Member:
    """A user's membership in a guild."""

    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def to_dict(self, *, with_user: bool = True) -> dict[str, Any]:
        """Serialize as a Discord guild member object."""
        data: dict[str, Any] = {
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
            "flags": 0,
            "joined_at": self.joined_at,
            "nick": self.nick,
            "pending": False,
            "premium_since": None,
            "roles": [str(r) for r in self.roles],
            "mute": False,
            "deaf": False,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        return data


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Serialize as a Discord overwrite object."""
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class Channel:
    """A guild channel (text by default)."""

    id: int
    guild_id: int | None
    name: str
    type: int = 0
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    last_message_id: int | None = None
    #: Thread fields (types 10-12): creator, state and counters.
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    archive_timestamp: str | None = None
    created_at: str = field(default_factory=iso_now)
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        """Return whether the channel is a thread (announcement, public or private)."""
        return self.type in (10, 11, 12)

    def to_dict(self) -> dict[str, Any]:
        """Serialize as a Discord channel object."""
        if self.is_thread:
            return self._thread_dict()
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "flags": 0,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "permission_overwrites": [o.to_dict() for o in self.overwrites.values()],
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
            "nsfw": False,
        }
        if self.type == 0:
            data["topic"] = self.topic
            data["last_pin_timestamp"] = None
        elif self.type == 2:  # voice
            data |= {"bitrate": 64000, "user_limit": 0, "rtc_region": None}
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data

    def _thread_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "owner_id": str(self.owner_id),
            "name": self.name,
            "flags": 0,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
            "message_count": self.message_count,
            "member_count": 1,
            "total_message_sent": self.message_count,
            "thread_metadata": {
                "archived": self.archived,
                "archive_timestamp": self.archive_timestamp or self.created_at,
                "auto_archive_duration": self.auto_archive_duration,
                "locked": self.locked,
                "create_timestamp": self.created_at,
            },
        }


@dataclass
class Guild:
    """A guild with its roles, channels and members."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    threads: dict[int, Channel] = field(default_factory=dict)
    emojis: list[dict[str, Any]] = field(default_factory=list)
    #: Members Discord counts (most are not held here); None: the members held.
    member_count: int | None = None

    @property
    def everyone(self) -> Role:
        """Return the @everyone role (its id is the guild id)."""
        return self.roles[self.id]

    def to_dict(self, *, with_members: bool = True) -> dict[str, Any]:
        """Serialize as a GUILD_CREATE payload."""
        members = list(self.members.values()) if with_members else []
        count = len(self.members) if self.member_count is None else self.member_count
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": self.emojis,
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso_now(),
            "large": count > 250,
            "unavailable": False,
            "member_count": count,
            "voice_states": [],
            "members": [m.to_dict() for m in members],
            "channels": [c.to_dict() for c in self.channels.values()],
            "threads": [t.to_dict() for t in self.threads.values() if not t.archived],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class Attachment:
    """A file attached to a message, with its bytes."""

    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Serialize as a Discord attachment object (without the bytes)."""
        out: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            out["content_type"] = self.content_type
        if self.description:
            out["description"] = self.description
        return out


def emoji_key(emoji: dict[str, Any]) -> str:
    """Return the canonical string for an emoji: ``name`` or ``name:id``."""
    if emoji.get("id"):
        return f"{emoji.get('name') or ''}:{emoji['id']}"
    return str(emoji["name"])


def parse_emoji(text: str) -> dict[str, Any]:
    """Parse ``👍``, ``name:id`` or ``<:name:id>`` into an emoji object."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].removeprefix("a:").lstrip(":")
    if ":" in text:
        name, _, eid = text.rpartition(":")
        if eid.isdigit():
            return {"id": eid, "name": name or None}
    return {"id": None, "name": text}


@dataclass
class Message:
    """A message with its full payload and the true reaction state."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict[str, Any] | None = None
    tts: bool = False
    nonce: str | int | None = None
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    interaction_id: int | None = None
    webhook_id: int | None = None
    type: int = 0
    deleted: bool = False
    reactions: dict[str, dict[int, None]] = field(default_factory=dict)
    reaction_emojis: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    interaction_user: User | None = None
    interaction_type: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    reference: dict[str, Any] | None = None

    @property
    def ephemeral(self) -> bool:
        """Return whether the message is ephemeral (flag 64)."""
        return bool(self.flags & 64)

    def reaction_state(self) -> dict[str, set[int]]:
        """Return ``{emoji: {user ids}}`` for the message."""
        return {k: set(v) for k, v in self.reactions.items() if v}

    def to_dict(self, *, me: int | None = None) -> dict[str, Any]:
        """Serialize as a Discord message object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "channel_id": str(self.channel_id),
            "author": self.author.to_dict(),
            "content": self.content,
            "embeds": self.embeds,
            "components": self.components,
            "attachments": [a.to_dict() for a in self.attachments],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": self.tts,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "flags": self.flags,
        }
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.reference is not None:
            data["message_reference"] = self.reference
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        elif self.interaction_id is not None and self.interaction_user is not None:
            data["interaction_metadata"] = {
                "id": str(self.interaction_id),
                "type": self.interaction_type or 2,
                "user": self.interaction_user.to_dict(),
                "authorizing_integration_owners": {},
            }
        reactions = []
        for key, users in self.reactions.items():
            if not users:
                continue
            reactions.append(
                {
                    "emoji": self.reaction_emojis[key],
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "burst_colors": [],
                    "me_burst": False,
                    "me": me in users if me is not None else False,
                    "burst_me": False,
                    "burst_count": 0,
                }
            )
        if reactions:
            data["reactions"] = reactions
        return data
