"""REST handlers for channels and threads: get, edit, delete, typing and thread starts."""

from __future__ import annotations

from typing import Any

from . import permissions as P
from .models import Channel
from .rest import ApiRequest, Result
from .routes import channel_dict, get_channel, get_message, require
from .rules import DiscordError, form_error, missing_access, missing_permissions
from .state import EmulatorState


def thread_archived() -> DiscordError:
    """Return Discord's answer to acting on an archived thread (other than unarchiving it)."""
    return DiscordError(400, 50083, "Thread is archived")


def open_thread_for_send(emu: EmulatorState, th: Channel) -> None:
    """Refuse a send in a locked thread without Manage Threads; unarchive an archived one."""
    manage = emu.permissions_for(th, emu.bot) & P.MANAGE_THREADS
    if th.locked and not manage:
        raise thread_archived() if th.archived else missing_permissions()
    if th.archived:
        emu.apply_thread_state(th, archived=False)


async def get_channel_route(emu: EmulatorState, api: ApiRequest) -> Result:
    """Return a channel."""
    return 200, channel_dict(emu, get_channel(emu, api))


async def patch_channel(emu: EmulatorState, api: ApiRequest) -> Result:
    """Edit a channel's name or topic, or a thread's name, archived and locked flags."""
    ch = get_channel(emu, api)
    body = api.body or {}
    if ch.is_thread:
        return 200, patch_thread(emu, ch, body)
    require(emu, ch, P.MANAGE_CHANNELS)
    if "name" in body:
        ch.name = body["name"]
    if "topic" in body:
        ch.topic = body["topic"]
    emu.gateway.dispatch("CHANNEL_UPDATE", ch.to_dict(), guild_id=ch.guild_id)
    return 200, ch.to_dict()


def patch_thread(emu: EmulatorState, th: Channel, body: dict[str, Any]) -> dict[str, Any]:
    """Apply a thread edit with Discord's permission rules; return the thread."""
    perms = emu.permissions_for(th, emu.bot)
    manage = bool(perms & P.MANAGE_THREADS)
    owner = th.owner_id == emu.bot.id
    archived, locked = body.get("archived"), body.get("locked")
    if locked is not None and locked != th.locked and not manage:
        raise missing_permissions()
    if archived is False and th.archived and th.locked and not manage:
        raise missing_permissions()  # only Manage Threads unarchives a locked thread
    if archived is not None and archived != th.archived and not (owner or manage):
        raise missing_permissions()
    if th.archived and archived is not False and set(body) - {"archived", "locked"}:
        raise thread_archived()
    if body.get("name") is not None:
        if not (owner or manage):
            raise missing_permissions()
        th.name = body["name"]
    if body.get("auto_archive_duration") is not None:
        th.auto_archive_duration = int(body["auto_archive_duration"])
    emu.apply_thread_state(th, archived=archived, locked=locked)
    if "name" in body or "auto_archive_duration" in body:
        emu.gateway.dispatch("THREAD_UPDATE", th.to_dict(), guild_id=th.guild_id)
    return th.to_dict()


async def delete_channel(emu: EmulatorState, api: ApiRequest) -> Result:
    """Delete a channel (Manage Channels) or a thread (Manage Threads)."""
    ch = get_channel(emu, api)
    if ch.guild_id is None:
        raise missing_access()
    require(emu, ch, P.MANAGE_THREADS if ch.is_thread else P.MANAGE_CHANNELS)
    data = channel_dict(emu, ch)
    emu.delete_channel(ch)
    return 200, data


async def start_thread(emu: EmulatorState, api: ApiRequest) -> Result:
    """Start a public thread on a message (needs Create Public Threads)."""
    ch = get_channel(emu, api)
    msg = get_message(emu, ch, api)
    if ch.guild_id is None or ch.is_thread or ch.type not in (0, 5):
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    require(emu, ch, P.VIEW_CHANNEL, P.CREATE_PUBLIC_THREADS)
    body = api.body or {}
    if not body.get("name"):
        raise form_error("name", "BASE_TYPE_REQUIRED", "This field is required")
    th = emu.create_thread(
        msg, body["name"], auto_archive_duration=int(body.get("auto_archive_duration") or 1440)
    )
    return 201, th.to_dict()


async def typing(emu: EmulatorState, api: ApiRequest) -> Result:
    """Trigger the typing indicator."""
    ch = get_channel(emu, api)
    if ch.guild_id is not None:
        require(emu, ch, P.SEND_MESSAGES)
    return 204, None
