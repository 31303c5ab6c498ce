"""REST handlers for messages: list, create, get, edit, delete and bulk delete."""

from __future__ import annotations

from typing import Any

from . import permissions as P
from .models import Channel, Message, snowflake
from .rest import ApiRequest, Result, UploadedFile
from .routes import get_channel, get_message, require
from .routes_channels import open_thread_for_send
from .rules import DiscordError, check_message, form_error
from .state import EmulatorState
from .uploads import check_files, link_embed_files, make_attachments

EDITABLE = ("content", "embeds", "components", "allowed_mentions", "flags")

# -- helpers -----------------------------------------------------------------


def build_message(
    emu: EmulatorState,
    ch: Channel,
    payload: dict[str, Any],
    files: list[UploadedFile],
    **extra: Any,
) -> Message:
    """Create a bot message from a create payload (not stored yet)."""
    check_files(emu, payload, files)
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
    link_embed_files(msg.embeds, msg.attachments)
    msg.history.append(dict(payload))
    return msg


def normalize_components(components: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Copy components as Discord answers them: each numbered with an ``id``."""
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
            emoji = item.get("emoji")
            if isinstance(emoji, dict) and emoji.get("id") is None:
                # A unicode emoji comes back by name alone (a null id sent is not echoed).
                item["emoji"] = {k: v for k, v in emoji.items() if k != "id"}
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
    emu: EmulatorState, msg: Message, payload: dict[str, Any], files: list[UploadedFile]
) -> None:
    """Apply an edit payload to a message and dispatch MESSAGE_UPDATE."""
    from .models import iso_now

    check_message(payload, require_body=False, flags=msg.flags)
    if "attachments" in payload:
        keep = {str(a.get("id")) for a in payload.get("attachments") or []}
        kept = [a for a in msg.attachments if str(a.id) in keep]
    else:
        kept = list(msg.attachments)
    check_files(emu, payload, files, kept)
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
        msg.attachments = kept + make_attachments(emu, msg.channel_id, payload, files)
    link_embed_files(msg.embeds, msg.attachments)
    msg.flags &= ~128  # no longer "thinking"
    msg.edited_timestamp = iso_now()
    msg.payload.update(payload)
    msg.history.append(dict(payload))
    if not msg.ephemeral:
        emu.gateway.dispatch("MESSAGE_UPDATE", emu.message_event(msg), guild_id=msg.guild_id)


def delete_message(emu: EmulatorState, msg: Message) -> None:
    """Mark a message deleted and dispatch MESSAGE_DELETE."""
    msg.deleted = True
    if not msg.ephemeral:
        d = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
        if msg.guild_id is not None:
            d["guild_id"] = str(msg.guild_id)
        emu.gateway.dispatch("MESSAGE_DELETE", d, guild_id=msg.guild_id)


# -- routes ------------------------------------------------------------------


async def list_messages(emu: EmulatorState, api: ApiRequest) -> Result:
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


async def create_message(emu: EmulatorState, api: ApiRequest) -> Result:
    """Create a message, enforcing permissions, limits and enforce_nonce."""
    ch = get_channel(emu, api)
    payload = api.body or {}
    if ch.guild_id is not None:
        send = P.SEND_MESSAGES_IN_THREADS if ch.is_thread else P.SEND_MESSAGES
        require(emu, ch, P.VIEW_CHANNEL, send)
        if ch.is_thread:
            open_thread_for_send(emu, ch)
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


async def get_message_route(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return a message."""
    ch = get_channel(emu, api)
    if ch.guild_id is not None:
        require(emu, ch, P.READ_MESSAGE_HISTORY)
    return 200, get_message(emu, ch, api).to_dict(me=emu.bot.id)


async def edit_message_route(emu: EmulatorState, api: ApiRequest) -> Result:
    """Edit one of the bot's messages."""
    ch = get_channel(emu, api)
    msg = get_message(emu, ch, api)
    if msg.author.id != emu.bot.id:
        raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
    if api.files and ch.guild_id is not None:
        require(emu, ch, P.ATTACH_FILES)
    edit_message(emu, msg, api.body or {}, api.files)
    return 200, msg.to_dict(me=emu.bot.id)


async def delete_message_route(emu: EmulatorState, api: ApiRequest) -> Result:
    """Delete a message (others' need Manage Messages)."""
    ch = get_channel(emu, api)
    msg = get_message(emu, ch, api)
    if msg.author.id != emu.bot.id and ch.guild_id is not None:
        require(emu, ch, P.MANAGE_MESSAGES)
    delete_message(emu, msg)
    return 204, None


async def bulk_delete(emu: EmulatorState, api: ApiRequest) -> Result:
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
