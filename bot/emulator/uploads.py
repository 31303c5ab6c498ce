"""Uploaded files: attachments built from multipart parts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Attachment, snowflake

#: Discord's upload limit per message for a bot in an unboosted guild.
UPLOAD_LIMIT = 10 * 1024 * 1024

if TYPE_CHECKING:
    from .rest import UploadedFile
    from .server import Emulator


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
