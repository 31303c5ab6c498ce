"""Uploaded files: attachments from multipart parts and Discord's upload rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Attachment, snowflake
from .rules import DiscordError, form_error
from .state import EmulatorState

#: Discord's upload limit per message for a bot in an unboosted guild.
UPLOAD_LIMIT = 10 * 1024 * 1024

if TYPE_CHECKING:
    from .rest import UploadedFile


def make_attachments(
    emu: EmulatorState, channel_id: int, payload: dict[str, Any], files: list[UploadedFile]
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


MAX_DESCRIPTION = 1024
#: Embed fields whose URL may point at an uploaded file with ``attachment://filename``.
EMBED_FILE_FIELDS = (
    ("image", "url"),
    ("thumbnail", "url"),
    ("author", "icon_url"),
    ("footer", "icon_url"),
)


def check_files(
    emu: EmulatorState,
    payload: dict[str, Any],
    files: list[UploadedFile],
    kept: list[Attachment] | None = None,
) -> None:
    """Enforce Discord's upload rules: size limit, description length, embed file references.

    The emulator is stricter than Discord on one point: an embed that names
    ``attachment://x.png`` without uploading ``x.png`` is refused (Discord would show it
    without its image), so the mistake cannot go unnoticed.
    """
    total = sum(len(f.data) for f in files)
    if total > emu.upload_limit:
        raise DiscordError(413, 40005, "Request entity too large")
    entries = payload.get("attachments") or []
    for i, entry in enumerate(entries):
        if len(entry.get("description") or "") > MAX_DESCRIPTION:
            raise form_error(
                f"attachments.{i}.description",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_DESCRIPTION} or fewer in length.",
            )
    names = {a.filename for a in kept or []} | set(_filenames(payload, files))
    for i, embed in enumerate(payload.get("embeds") or []):
        for part, key in EMBED_FILE_FIELDS:
            url = (embed.get(part) or {}).get(key)
            ref = url.startswith("attachment://") if isinstance(url, str) else False
            if ref and url.removeprefix("attachment://") not in names:
                raise form_error(
                    f"embeds.{i}.{part}.{key}",
                    "ATTACHMENT_NOT_FOUND",
                    f"{url} was not uploaded with this message.",
                )


def _filenames(payload: dict[str, Any], files: list[UploadedFile]) -> list[str]:
    meta = {str(a.get("id")): a for a in payload.get("attachments") or [] if "id" in a}
    out = []
    for i, f in enumerate(files):
        idx = f.field[len("files[") : -1] if f.field.startswith("files[") else str(i)
        out.append(meta.get(idx, {}).get("filename") or f.filename)
    return out


def link_embed_files(embeds: list[dict[str, Any]], attachments: list[Attachment]) -> None:
    """Point ``attachment://name`` embed URLs at the uploaded files, as Discord does."""
    by_name = {a.filename: a for a in attachments}
    for embed in embeds:
        for part, key in EMBED_FILE_FIELDS:
            obj = embed.get(part)
            url = obj.get(key) if isinstance(obj, dict) else None
            if isinstance(url, str) and url.startswith("attachment://"):
                att = by_name.get(url.removeprefix("attachment://"))
                if att is not None:
                    embed[part] = dict(obj, **{key: att.url, f"proxy_{key}": att.url})  # type: ignore[arg-type]
