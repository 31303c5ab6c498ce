"""REST handlers for application commands, interaction callbacks and follow-ups."""

from __future__ import annotations

import time
from typing import Any

from .interaction import Interaction
from .models import Message, snowflake
from .rest import ApiRequest, Result
from .routes_messages import build_message, delete_message, edit_message
from .rules import (
    UNKNOWN_COMMAND,
    UNKNOWN_MESSAGE,
    DiscordError,
    check_message,
    form_error,
    nest_errors,
    not_found,
)
from .state import EmulatorState

#: How long an interaction token takes follow-ups and edits (Discord: 15 minutes); the
#: Emulator's ``interaction_token_ttl`` is used, this is its default.
FOLLOWUP_TTL = 15 * 60.0
INVALID_WEBHOOK_TOKEN = 50027


# -- application commands -----------------------------------------------------


def _command_dict(
    emu: EmulatorState, body: dict[str, Any], guild_id: int | None, cid: int, version: int
) -> dict[str, Any]:
    out = {
        "id": str(cid),
        "application_id": str(emu.application_id),
        "version": str(version),
        "default_member_permissions": (
            None
            if body.get("default_member_permissions") is None
            else str(body["default_member_permissions"])
        ),
        "type": int(body.get("type") or 1),
        "name": body["name"],
        "name_localizations": body.get("name_localizations"),
        "description": body.get("description") or "",
        "description_localizations": body.get("description_localizations"),
        "dm_permission": body.get("dm_permission", True) if guild_id is None else None,
        "contexts": body.get("contexts"),
        "integration_types": body.get("integration_types") or [0],
        "nsfw": bool(body.get("nsfw", False)),
    }
    if body.get("options"):
        out["options"] = body["options"]
    if guild_id is not None:
        out["guild_id"] = str(guild_id)
        out.pop("dm_permission")
    return out


def _store(
    emu: EmulatorState, api: ApiRequest
) -> tuple[dict[tuple[str, int], dict[str, Any]], int | None]:
    if api.int_param("application_id") != emu.application_id:
        raise DiscordError(403, 50001, "Missing Access")
    if "guild_id" in api.params:
        gid = api.int_param("guild_id")
        if gid not in emu.guilds:
            raise DiscordError(403, 50001, "Missing Access")
        return emu.guild_commands[gid], gid
    return emu.global_commands, None


def _upsert(
    emu: EmulatorState, store: dict, body: dict[str, Any], gid: int | None
) -> dict[str, Any]:
    if not body.get("name"):
        raise form_error("name", "BASE_TYPE_REQUIRED", "This field is required")
    key = (body["name"], int(body.get("type") or 1))
    prior = store.get(key)
    cid = int(prior["id"]) if prior else snowflake()
    cmd = _command_dict(emu, body, gid, cid, snowflake())
    store[key] = cmd
    return cmd


async def list_commands(emu: EmulatorState, api: ApiRequest) -> Result:
    """List registered commands."""
    store, _gid = _store(emu, api)
    return 200, list(store.values())


async def bulk_overwrite(emu: EmulatorState, api: ApiRequest) -> Result:
    """Replace all commands (ids are kept for unchanged name+type)."""
    store, gid = _store(emu, api)
    body = api.body or []
    if len(body) > 100:
        raise form_error("_root", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    old = dict(store)
    store.clear()
    out = []
    for item in body:
        key = (item.get("name"), int(item.get("type") or 1))
        if key in old:
            store[key] = old[key]
        out.append(_upsert(emu, store, item, gid))
    return 200, out


async def create_command(emu: EmulatorState, api: ApiRequest) -> Result:
    """Create or update one command."""
    store, gid = _store(emu, api)
    existed = ((api.body or {}).get("name"), int((api.body or {}).get("type") or 1)) in store
    return (200 if existed else 201), _upsert(emu, store, api.body or {}, gid)


def _find_command(store: dict, cid: int) -> tuple[tuple[str, int], dict[str, Any]]:
    for key, cmd in store.items():
        if int(cmd["id"]) == cid:
            return key, cmd
    raise not_found(UNKNOWN_COMMAND, "application command")


async def get_command(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return one command."""
    store, _gid = _store(emu, api)
    return 200, _find_command(store, api.int_param("command_id"))[1]


async def edit_command(emu: EmulatorState, api: ApiRequest) -> Result:
    """Edit one command."""
    store, gid = _store(emu, api)
    key, cmd = _find_command(store, api.int_param("command_id"))
    del store[key]
    merged = {k: v for k, v in cmd.items() if k not in ("id", "version")} | (api.body or {})
    new = _command_dict(emu, merged, gid, int(cmd["id"]), snowflake())
    store[(new["name"], new["type"])] = new
    return 200, new


async def delete_command(emu: EmulatorState, api: ApiRequest) -> Result:
    """Delete one command."""
    store, _gid = _store(emu, api)
    key, _cmd = _find_command(store, api.int_param("command_id"))
    del store[key]
    return 204, None


# -- interaction callback -----------------------------------------------------


def _interaction(emu: EmulatorState, api: ApiRequest) -> Interaction:
    inter = emu.interactions.get(api.int_param("interaction_id"))
    if inter is None or inter.token != api.params["interaction_token"]:
        raise not_found(10062, "interaction")
    return inter


async def interaction_callback(emu: EmulatorState, api: ApiRequest) -> Result:
    """Acknowledge an interaction (types 1, 4-9), enforcing 3 s and single acknowledgement."""
    inter = _interaction(emu, api)
    if inter.response_type is not None:
        raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
    if time.monotonic() - inter.created > emu.interaction_timeout:
        inter.acknowledged_late = True
        raise not_found(10062, "interaction")
    body = api.body or {}
    ctype = int(body.get("type", 0))
    data = body.get("data") or {}
    ch = emu.channels[inter.channel_id]
    message: Message | None = None
    _check_type(inter, ctype)
    if ctype == 4:
        try:
            check_message(data | ({"attachments": [1]} if api.files else {}))
        except DiscordError as err:
            raise nest_errors(err, "data") from None
        message = build_message(
            emu,
            ch,
            data,
            api.files,
            interaction_id=inter.id,
            interaction_user=inter.user,
            interaction_type=inter.type,
            interaction_metadata=inter.metadata(),
            application_id=emu.application_id,
            type=20 if inter.type == 2 else 0,
        )
        message.flags &= 64 | 4 | 4096 | 32768
        inter.original = emu.store_message(message)
    elif ctype == 5:
        flags = int(data.get("flags") or 0) & 64
        message = build_message(
            emu,
            ch,
            {},
            [],
            interaction_id=inter.id,
            interaction_user=inter.user,
            interaction_type=inter.type,
            interaction_metadata=inter.metadata(),
            application_id=emu.application_id,
            type=20 if inter.type == 2 else 0,
        )
        message.flags = flags | 128
        inter.original = emu.store_message(message)
    elif ctype in (6, 7):
        assert inter.source_message is not None
        inter.original = inter.source_message
        if ctype == 7:
            try:
                edit_message(emu, inter.source_message, data, api.files)
            except DiscordError as err:
                raise nest_errors(err, "data") from None
            message = inter.source_message
    elif ctype == 8:
        choices = data.get("choices") or []
        if len(choices) > 25:
            raise form_error(
                "data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
            )
        inter.choices = choices
    elif ctype == 9:
        inter.modal = data
    inter.response_type = ctype
    inter.response_data = data
    inter.acknowledged_at = time.monotonic()
    if ctype in (4, 7) and inter.answered_at is None:
        inter.answered_at = inter.acknowledged_at  # the message is the first answer
    emu.notify()
    return 200, _callback_answer(emu, inter, ctype, message)


def _check_type(inter: Interaction, ctype: int) -> None:
    """Refuse a response type Discord does not take for this interaction."""
    if ctype not in (1, 4, 5, 6, 7, 8, 9):
        raise form_error("type", "BASE_TYPE_CHOICES", "Value must be one of (1, 4, 5, 6, 7, 8, 9).")
    if (
        (ctype in (6, 7) and inter.source_message is None)
        or (ctype == 8 and inter.type != 4)
        or (ctype == 9 and inter.type == 5)
    ):
        raise form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid response type")


def _callback_answer(
    emu: EmulatorState, inter: Interaction, ctype: int, message: Message | None
) -> dict[str, Any]:
    """Return the callback's JSON answer (``with_response``): the interaction and resource."""
    resp: dict[str, Any] = {
        "interaction": {
            "id": str(inter.id),
            "type": inter.type,
            "response_message_loading": ctype == 5,
            "response_message_ephemeral": bool(message is not None and message.ephemeral),
        }
    }
    resp["interaction"]["channel_id"] = str(inter.channel_id)
    if inter.guild_id is not None:
        resp["interaction"]["guild_id"] = str(inter.guild_id)
    if message is not None:
        resp["interaction"]["response_message_id"] = str(message.id)
        if ctype in (4, 7):
            resp["resource"] = {"type": ctype, "message": message.to_dict(me=emu.bot.id)}
    return resp


# -- interaction webhooks (follow-ups, @original) ------------------------------


def _webhook_interaction(emu: EmulatorState, api: ApiRequest) -> Interaction:
    inter = emu.interactions_by_token.get(api.params["webhook_token"])
    if inter is None or api.int_param("webhook_id") != emu.application_id:
        raise DiscordError(404, 10015, "Unknown Webhook")
    if time.monotonic() - inter.created > emu.interaction_token_ttl:
        # Discord answers an expired interaction token (after 15 minutes) with 401 50027.
        raise DiscordError(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
    if inter.response_type is None:
        raise DiscordError(404, 10015, "Unknown Webhook")
    return inter


def _target(emu: EmulatorState, inter: Interaction, api: ApiRequest) -> Message:
    if "message_id" not in api.params:
        if inter.original is None or inter.original_deleted:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        return inter.original
    mid = api.int_param("message_id")
    for msg in [inter.original, *inter.followups]:
        if msg is not None and msg.id == mid and not msg.deleted:
            return msg
    raise not_found(UNKNOWN_MESSAGE, "Message")


async def followup(emu: EmulatorState, api: ApiRequest) -> Result:
    """Send a follow-up message for an interaction."""
    inter = _webhook_interaction(emu, api)
    payload = api.body or {}
    check_message(payload | ({"attachments": [1]} if api.files else {}))
    ch = emu.channels[inter.channel_id]
    if (
        inter.response_type == 5
        and inter.original is not None
        and inter.original.flags & 128
        and not inter.followups
    ):
        # Discord turns the first follow-up after a deferral into the original response.
        msg = inter.original
        edit_message(emu, msg, payload, api.files)
        inter.original_edited = True
        inter.answered()
    else:
        msg = build_message(
            emu,
            ch,
            payload,
            api.files,
            interaction_id=inter.id,
            interaction_user=inter.user,
            interaction_type=inter.type,
            interaction_metadata=inter.metadata(),
            application_id=emu.application_id,
            webhook_id=emu.application_id,
        )
        msg.flags &= 64 | 4 | 4096 | 32768
        emu.store_message(msg)
    inter.followups.append(msg)
    inter.answered()
    if api.query.get("wait") in ("false", "False", "0"):
        return 204, None
    return 200, msg.to_dict(me=emu.bot.id)


async def get_webhook_message(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return the original response or a follow-up."""
    inter = _webhook_interaction(emu, api)
    return 200, _target(emu, inter, api).to_dict(me=emu.bot.id)


async def edit_webhook_message(emu: EmulatorState, api: ApiRequest) -> Result:
    """Edit the original response or a follow-up."""
    inter = _webhook_interaction(emu, api)
    msg = _target(emu, inter, api)
    edit_message(emu, msg, api.body or {}, api.files)
    if msg is inter.original:
        inter.original_edited = True
        inter.answered()
    return 200, msg.to_dict(me=emu.bot.id)


async def delete_webhook_message(emu: EmulatorState, api: ApiRequest) -> Result:
    """Delete the original response or a follow-up."""
    inter = _webhook_interaction(emu, api)
    msg = _target(emu, inter, api)
    delete_message(emu, msg)
    if msg is inter.original:
        inter.original_deleted = True
    return 204, None
