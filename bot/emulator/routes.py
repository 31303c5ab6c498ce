"""REST handlers for users, channels, messages, reactions and guilds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import permissions as P
from .models import Attachment, Channel, Guild, Message, emoji_key, parse_emoji, snowflake
from .rest import ApiRequest, Result, UploadedFile, route
from .rules import (
    UNKNOWN_CHANNEL,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_ROLE,
    UNKNOWN_USER,
    DiscordError,
    check_message,
    form_error,
    missing_access,
    missing_permissions,
    not_found,
)

if TYPE_CHECKING:
    from .server import Emulator

EDITABLE = ("content", "embeds", "components", "allowed_mentions", "flags")


# -- helpers -----------------------------------------------------------------


def get_channel(emu: Emulator, api: ApiRequest) -> Channel:
    """Return the channel of the request, or raise Unknown Channel / Missing Access."""
    ch = emu.channels.get(api.int_param("channel_id"))
    if ch is None:
        raise not_found(UNKNOWN_CHANNEL, "Channel")
    if ch.guild_id is not None and not emu.permissions_for(ch, emu.bot) & P.VIEW_CHANNEL:
        raise missing_access()
    return ch


def get_message(emu: Emulator, ch: Channel, api: ApiRequest) -> Message:
    """Return the message of the request in a channel, or raise Unknown Message."""
    msg = emu.messages_by_id.get(api.int_param("message_id"))
    if msg is None or msg.deleted or msg.channel_id != ch.id:
        raise not_found(UNKNOWN_MESSAGE, "Message")
    return msg


def get_guild(emu: Emulator, api: ApiRequest) -> Guild:
    """Return the guild of the request or raise Unknown Guild."""
    g = emu.guilds.get(api.int_param("guild_id"))
    if g is None:
        raise not_found(UNKNOWN_GUILD, "Guild")
    return g


def require(emu: Emulator, ch: Channel, *bits: int) -> None:
    """Raise 403 50013 unless the bot has every permission bit in the channel."""
    perms = emu.permissions_for(ch, emu.bot)
    for bit in bits:
        if not perms & bit:
            raise missing_permissions()


def make_attachments(
    emu: Emulator, channel_id: int, payload: dict[str, Any], files: list[UploadedFile]
) -> list[Attachment]:
    """Build attachments from uploaded files and the payload's ``attachments`` entries."""
    meta = {str(a.get("id")): a for a in payload.get("attachments") or [] if "id" in a}
    out: list[Attachment] = []
    for i, f in enumerate(files):
        idx = f.field[len("files[") : -1] if f.field.startswith("files[") else str(i)
        info = meta.get(idx, {})
        aid = snowflake()
        filename = info.get("filename") or f.filename
        out.append(
            Attachment(
                aid,
                filename,
                f.data,
                f.content_type,
                info.get("description"),
                f"{emu.url}/attachments/{channel_id}/{aid}/{filename}",
            )
        )
    return out


def build_message(
    emu: Emulator,
    ch: Channel,
    payload: dict[str, Any],
    files: list[UploadedFile],
    **extra: Any,
) -> Message:
    """Create a bot message from a create payload (not stored yet)."""
    msg = Message(
        snowflake(),
        ch.id,
        ch.guild_id,
        emu.bot,
        content=payload.get("content") or "",
        embeds=[_embed(e) for e in payload.get("embeds") or []],
        components=normalize_components(payload.get("components")),
        attachments=make_attachments(emu, ch.id, payload, files),
        flags=int(payload.get("flags") or 0),
        allowed_mentions=payload.get("allowed_mentions"),
        tts=bool(payload.get("tts")),
        nonce=payload.get("nonce"),
        payload=dict(payload),
        **extra,
    )
    msg.history.append(dict(payload))
    return msg


def normalize_components(components: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Copy components, numbering each with an ``id`` as Discord does in responses."""
    counter = 0
    used: set[int] = set()

    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        nonlocal counter
        out = []
        for item in items:
            item = dict(item)
            if not item.get("id"):
                counter += 1
                while counter in used:
                    counter += 1
                item["id"] = counter
            used.add(item["id"])
            if isinstance(item.get("components"), list):
                item["components"] = walk(item["components"])
            if isinstance(item.get("component"), dict):
                item["component"] = walk([item["component"]])[0]
            out.append(item)
        return out

    return walk(components or [])


def _embed(e: dict[str, Any]) -> dict[str, Any]:
    return {"type": "rich", **e}


def edit_message(
    emu: Emulator, msg: Message, payload: dict[str, Any], files: list[UploadedFile]
) -> None:
    """Apply an edit payload to a message and dispatch MESSAGE_UPDATE."""
    from .models import iso_now

    check_message(payload, require_body=False)
    if "content" in payload:
        msg.content = payload["content"] or ""
    if "embeds" in payload:
        msg.embeds = [_embed(e) for e in payload["embeds"] or []]
    if "components" in payload:
        msg.components = normalize_components(payload["components"])
    if "allowed_mentions" in payload:
        msg.allowed_mentions = payload["allowed_mentions"]
    if "flags" in payload and payload["flags"] is not None:
        msg.flags = (msg.flags & 64) | (int(payload["flags"]) & ~64)
    if "attachments" in payload or files:
        keep = {str(a.get("id")) for a in payload.get("attachments") or []}
        kept = [a for a in msg.attachments if str(a.id) in keep]
        msg.attachments = kept + make_attachments(emu, msg.channel_id, payload, files)
    msg.flags &= ~128  # no longer "thinking"
    msg.edited_timestamp = iso_now()
    msg.payload.update(payload)
    msg.history.append(dict(payload))
    if not msg.ephemeral:
        emu.gateway.dispatch("MESSAGE_UPDATE", emu.message_event(msg), guild_id=msg.guild_id)


def delete_message(emu: Emulator, msg: Message) -> None:
    """Mark a message deleted and dispatch MESSAGE_DELETE."""
    msg.deleted = True
    if not msg.ephemeral:
        d = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
        if msg.guild_id is not None:
            d["guild_id"] = str(msg.guild_id)
        emu.gateway.dispatch("MESSAGE_DELETE", d, guild_id=msg.guild_id)


def channel_dict(emu: Emulator, ch: Channel) -> dict[str, Any]:
    """Serialize a channel (DMs include their recipients)."""
    data = ch.to_dict()
    if ch.type == 1:
        data.pop("name", None)
        data.pop("position", None)
        data.pop("permission_overwrites", None)
        data.pop("parent_id", None)
        data.pop("rate_limit_per_user", None)
        data.pop("nsfw", None)
        rid = int(ch.name) if ch.name.isdigit() else None
        data["recipients"] = [emu.users[rid].to_dict()] if rid in emu.users else []
    return data


# -- users, application, gateway ---------------------------------------------


@route("GET", "/users/@me")
async def get_me(emu: Emulator, api: ApiRequest) -> Result:
    """Return the bot user."""
    return 200, emu.bot.to_dict() | {
        "verified": True,
        "mfa_enabled": False,
        "email": None,
        "locale": "en-US",
        "premium_type": 0,
    }


@route("GET", "/users/{user_id}")
async def get_user(emu: Emulator, api: ApiRequest) -> Result:
    """Return a user."""
    user = emu.users.get(api.int_param("user_id"))
    if user is None:
        raise not_found(UNKNOWN_USER, "User")
    return 200, user.to_dict()


def _application(emu: Emulator) -> dict[str, Any]:
    return {
        "id": str(emu.application_id),
        "name": emu.bot.username,
        "icon": None,
        "description": "",
        "type": None,
        "bot": emu.bot.to_dict(),
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "flags_new": "0",
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": emu.owner.to_dict(),
        "approximate_guild_count": len(emu.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": [],
        "summary": "",
        "rpc_origins": [],
        "tags": [],
    }


@route("GET", "/oauth2/applications/@me")
async def get_oauth_app(emu: Emulator, api: ApiRequest) -> Result:
    """Return the bot's application."""
    return 200, _application(emu)


@route("GET", "/applications/@me")
async def get_app(emu: Emulator, api: ApiRequest) -> Result:
    """Return the bot's application."""
    return 200, _application(emu)


@route("GET", "/gateway", auth=False)
async def get_gateway(emu: Emulator, api: ApiRequest) -> Result:
    """Return the gateway URL."""
    return 200, {"url": emu.gateway_url.rstrip("/")}


@route("GET", "/gateway/bot")
async def get_gateway_bot(emu: Emulator, api: ApiRequest) -> Result:
    """Return the gateway URL with shard advice and session start limits."""
    return 200, {
        "url": emu.gateway_url.rstrip("/"),
        "shards": 1,
        "session_start_limit": {
            "total": 1000,
            "remaining": 999,
            "reset_after": 86_400_000,
            "max_concurrency": 1,
        },
    }


@route("POST", "/users/@me/channels")
async def create_dm(emu: Emulator, api: ApiRequest) -> Result:
    """Open a DM channel with a user."""
    rid = int((api.body or {}).get("recipient_id", 0))
    if rid not in emu.users:
        raise not_found(UNKNOWN_USER, "User")
    for ch in emu.channels.values():
        if ch.type == 1 and ch.name == str(rid):
            return 200, channel_dict(emu, ch)
    ch = Channel(snowflake(), None, str(rid), type=1)
    emu.channels[ch.id] = ch
    return 200, channel_dict(emu, ch)


# -- channels and messages ----------------------------------------------------


@route("GET", "/channels/{channel_id}")
async def get_channel_route(emu: Emulator, api: ApiRequest) -> Result:
    """Return a channel."""
    return 200, channel_dict(emu, get_channel(emu, api))


@route("PATCH", "/channels/{channel_id}")
async def patch_channel(emu: Emulator, api: ApiRequest) -> Result:
    """Edit a channel's name or topic."""
    ch = get_channel(emu, api)
    require(emu, ch, P.MANAGE_CHANNELS)
    body = api.body or {}
    if "name" in body:
        ch.name = body["name"]
    if "topic" in body:
        ch.topic = body["topic"]
    emu.gateway.dispatch("CHANNEL_UPDATE", ch.to_dict(), guild_id=ch.guild_id)
    return 200, ch.to_dict()


@route("POST", "/channels/{channel_id}/typing")
async def typing(emu: Emulator, api: ApiRequest) -> Result:
    """Trigger the typing indicator."""
    ch = get_channel(emu, api)
    if ch.guild_id is not None:
        require(emu, ch, P.SEND_MESSAGES)
    return 204, None


@route("GET", "/channels/{channel_id}/messages")
async def list_messages(emu: Emulator, api: ApiRequest) -> Result:
    """List messages newest first with before/after/limit."""
    ch = get_channel(emu, api)
    if ch.guild_id is not None:
        require(emu, ch, P.READ_MESSAGE_HISTORY)
    limit = int(api.query.get("limit", 50))
    if not 1 <= limit <= 100:
        raise form_error("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
    msgs = [m for m in emu.channel_messages.get(ch.id, []) if not m.deleted and not m.ephemeral]
    if "before" in api.query:
        msgs = [m for m in msgs if m.id < int(api.query["before"])]
    if "after" in api.query:
        after = int(api.query["after"])
        msgs = [m for m in msgs if m.id > after][:limit]
        return 200, [m.to_dict(me=emu.bot.id) for m in reversed(msgs)]
    return 200, [m.to_dict(me=emu.bot.id) for m in reversed(msgs)][:limit]


@route("POST", "/channels/{channel_id}/messages")
async def create_message(emu: Emulator, api: ApiRequest) -> Result:
    """Create a message, enforcing permissions, limits and enforce_nonce."""
    ch = get_channel(emu, api)
    payload = api.body or {}
    if ch.guild_id is not None:
        require(emu, ch, P.VIEW_CHANNEL, P.SEND_MESSAGES)
        if payload.get("embeds"):
            require(emu, ch, P.EMBED_LINKS)
        if api.files:
            require(emu, ch, P.ATTACH_FILES)
    check_message(payload | ({"attachments": [1]} if api.files else {}))
    nonce = payload.get("nonce")
    if nonce is not None and payload.get("enforce_nonce"):
        prior = emu.nonces.get((ch.id, str(nonce)))
        if prior is not None:
            return 200, prior.to_dict(me=emu.bot.id)
    ref = payload.get("message_reference")
    target = None
    if ref and ref.get("message_id"):
        target = emu.messages_by_id.get(int(ref["message_id"]))
        if (target is None or target.deleted) and ref.get("fail_if_not_exists", True):
            raise form_error(
                "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
            )
    msg = build_message(emu, ch, payload, api.files)
    msg.flags &= ~64
    if ref and ref.get("message_id") and target is not None and not target.deleted:
        msg.type = 19
        msg.reference = {
            "type": 0,
            "message_id": str(target.id),
            "channel_id": str(target.channel_id),
        }
        if target.guild_id is not None:
            msg.reference["guild_id"] = str(target.guild_id)
    if nonce is not None:
        emu.nonces[(ch.id, str(nonce))] = msg
    emu.store_message(msg)
    return 200, msg.to_dict(me=emu.bot.id)


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message_route(emu: Emulator, api: ApiRequest) -> Result:
    """Return a message."""
    ch = get_channel(emu, api)
    if ch.guild_id is not None:
        require(emu, ch, P.READ_MESSAGE_HISTORY)
    return 200, get_message(emu, ch, api).to_dict(me=emu.bot.id)


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_message_route(emu: Emulator, api: ApiRequest) -> Result:
    """Edit one of the bot's messages."""
    ch = get_channel(emu, api)
    msg = get_message(emu, ch, api)
    if msg.author.id != emu.bot.id:
        raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
    if api.files and ch.guild_id is not None:
        require(emu, ch, P.ATTACH_FILES)
    edit_message(emu, msg, api.body or {}, api.files)
    return 200, msg.to_dict(me=emu.bot.id)


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_message_route(emu: Emulator, api: ApiRequest) -> Result:
    """Delete a message (others' need Manage Messages)."""
    ch = get_channel(emu, api)
    msg = get_message(emu, ch, api)
    if msg.author.id != emu.bot.id and ch.guild_id is not None:
        require(emu, ch, P.MANAGE_MESSAGES)
    delete_message(emu, msg)
    return 204, None


@route("POST", "/channels/{channel_id}/messages/bulk-delete")
async def bulk_delete(emu: Emulator, api: ApiRequest) -> Result:
    """Delete 2 to 100 messages."""
    ch = get_channel(emu, api)
    require(emu, ch, P.MANAGE_MESSAGES)
    ids = [int(i) for i in (api.body or {}).get("messages", [])]
    if not 2 <= len(ids) <= 100:
        raise form_error("messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
    for mid in ids:
        msg = emu.messages_by_id.get(mid)
        if msg is not None and msg.channel_id == ch.id:
            delete_message(emu, msg)
    return 204, None


# -- reactions ----------------------------------------------------------------


def _reaction_target(emu: Emulator, api: ApiRequest) -> tuple[Channel, Message, dict[str, Any]]:
    ch = get_channel(emu, api)
    if ch.guild_id is not None:
        require(emu, ch, P.READ_MESSAGE_HISTORY)
    msg = get_message(emu, ch, api)
    emoji = parse_emoji(api.params["emoji_name"])
    if not emoji.get("name") and not emoji.get("id"):
        raise DiscordError(400, 10014, "Unknown Emoji")
    return ch, msg, emoji


def _dispatch_reaction(emu: Emulator, msg: Message, djson: str | None, add: bool) -> None:
    if djson is not None:
        event = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
        emu.gateway.dispatch_many([(event, djson, msg.guild_id)])


@route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me")
async def add_own_reaction(emu: Emulator, api: ApiRequest) -> Result:
    """Add the bot's reaction (a new emoji needs Add Reactions)."""
    ch, msg, emoji = _reaction_target(emu, api)
    if not msg.reactions.get(emoji_key(emoji)) and ch.guild_id is not None:
        require(emu, ch, P.ADD_REACTIONS)
    _dispatch_reaction(emu, msg, emu.apply_reaction(emu.bot.id, msg, emoji, True), True)
    return 204, None


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me")
async def remove_own_reaction(emu: Emulator, api: ApiRequest) -> Result:
    """Remove the bot's reaction."""
    _ch, msg, emoji = _reaction_target(emu, api)
    _dispatch_reaction(emu, msg, emu.apply_reaction(emu.bot.id, msg, emoji, False), False)
    return 204, None


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}")
async def remove_user_reaction(emu: Emulator, api: ApiRequest) -> Result:
    """Remove someone's reaction (needs Manage Messages)."""
    ch, msg, emoji = _reaction_target(emu, api)
    uid = api.int_param("user_id")
    if uid != emu.bot.id and ch.guild_id is not None:
        require(emu, ch, P.MANAGE_MESSAGES)
    _dispatch_reaction(emu, msg, emu.apply_reaction(uid, msg, emoji, False), False)
    return 204, None


@route("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}")
async def list_reaction_users(emu: Emulator, api: ApiRequest) -> Result:
    """List users who reacted with an emoji, by ascending id, paginated with after/limit."""
    _ch, msg, emoji = _reaction_target(emu, api)
    limit = int(api.query.get("limit", 25))
    if not 1 <= limit <= 100:
        raise form_error("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
    after = int(api.query.get("after", 0))
    ids = sorted(u for u in msg.reactions.get(emoji_key(emoji), {}) if u > after)[:limit]
    return 200, [emu.users[u].to_dict() for u in ids if u in emu.users]


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}")
async def clear_emoji(emu: Emulator, api: ApiRequest) -> Result:
    """Remove all reactions of one emoji (needs Manage Messages)."""
    ch, msg, emoji = _reaction_target(emu, api)
    require(emu, ch, P.MANAGE_MESSAGES)
    key = emoji_key(emoji)
    if msg.reactions.pop(key, None):
        d = {
            "channel_id": str(ch.id),
            "message_id": str(msg.id),
            "emoji": msg.reaction_emojis[key],
        }
        if ch.guild_id:
            d["guild_id"] = str(ch.guild_id)
        emu.gateway.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", d, guild_id=ch.guild_id)
    return 204, None


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions")
async def clear_reactions(emu: Emulator, api: ApiRequest) -> Result:
    """Remove all reactions (needs Manage Messages)."""
    ch = get_channel(emu, api)
    require(emu, ch, P.MANAGE_MESSAGES)
    msg = get_message(emu, ch, api)
    msg.reactions.clear()
    d = {"channel_id": str(ch.id), "message_id": str(msg.id)}
    if ch.guild_id:
        d["guild_id"] = str(ch.guild_id)
    emu.gateway.dispatch("MESSAGE_REACTION_REMOVE_ALL", d, guild_id=ch.guild_id)
    return 204, None


# -- guilds, members, roles ---------------------------------------------------


@route("GET", "/guilds/{guild_id}")
async def get_guild_route(emu: Emulator, api: ApiRequest) -> Result:
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


@route("GET", "/guilds/{guild_id}/channels")
async def guild_channels(emu: Emulator, api: ApiRequest) -> Result:
    """List a guild's channels."""
    g = get_guild(emu, api)
    return 200, [c.to_dict() for c in g.channels.values()]


@route("GET", "/guilds/{guild_id}/roles")
async def guild_roles(emu: Emulator, api: ApiRequest) -> Result:
    """List a guild's roles."""
    g = get_guild(emu, api)
    return 200, [r.to_dict() for r in g.roles.values()]


@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(emu: Emulator, api: ApiRequest) -> Result:
    """Return a guild member."""
    g = get_guild(emu, api)
    member = g.members.get(api.int_param("user_id"))
    if member is None:
        raise not_found(UNKNOWN_MEMBER, "Member")
    return 200, member.to_dict()


@route("GET", "/guilds/{guild_id}/members")
async def list_members(emu: Emulator, api: ApiRequest) -> Result:
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


def _role_change(emu: Emulator, api: ApiRequest, add: bool) -> Result:
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
    if perms != P.ALL and role.position >= P.highest_role_position(g, emu.bot.id):
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


@route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_member_role(emu: Emulator, api: ApiRequest) -> Result:
    """Give a member a role (needs Manage Roles and a higher role)."""
    return _role_change(emu, api, True)


@route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_member_role(emu: Emulator, api: ApiRequest) -> Result:
    """Take a role from a member (needs Manage Roles and a higher role)."""
    return _role_change(emu, api, False)


from . import routes_interactions  # noqa: E402, F401  (registers interaction routes)
