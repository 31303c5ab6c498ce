"""Discord's message rules and the JSON error bodies it answers with."""

from __future__ import annotations

from typing import Any

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_REACTIONS = 20
EMBED_LIMITS = {
    "title": 256,
    "description": 4096,
    "footer.text": 2048,
    "author.name": 256,
}
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024


class DiscordError(Exception):
    """An error Discord answers with: HTTP status, JSON code, message and optional details."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """Return the JSON error body."""
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def form_error(path: str, code: str, message: str) -> DiscordError:
    """Build a 400 50035 Invalid Form Body error for one field path."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return DiscordError(400, 50035, "Invalid Form Body", errors)


def missing_permissions() -> DiscordError:
    """Return Discord's 403 Missing Permissions error."""
    return DiscordError(403, 50013, "Missing Permissions")


def missing_access() -> DiscordError:
    """Return Discord's 403 Missing Access error."""
    return DiscordError(403, 50001, "Missing Access")


def not_found(code: int, what: str) -> DiscordError:
    """Return a 404 Unknown <what> error with its Discord code."""
    return DiscordError(404, code, f"Unknown {what}")


UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_EMOJI = 10014
UNKNOWN_WEBHOOK = 10015
UNKNOWN_USER = 10013
UNKNOWN_INTERACTION = 10062
UNKNOWN_COMMAND = 10063


def _len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def check_embed(embed: dict[str, Any], path: str) -> int:
    """Validate one embed's field limits and return its character total."""
    total = 0
    for key, limit in EMBED_LIMITS.items():
        obj: Any = embed
        for part in key.split("."):
            obj = obj.get(part) if isinstance(obj, dict) else None
        n = _len(obj)
        if n > limit:
            raise form_error(
                f"{path}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
            )
        total += n
    fields = embed.get("fields") or []
    if len(fields) > MAX_FIELDS:
        raise form_error(
            f"{path}.fields", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_FIELDS} or fewer in length."
        )
    for i, fld in enumerate(fields):
        name, value = fld.get("name"), fld.get("value")
        if not name or not value:
            raise form_error(f"{path}.fields.{i}", "BASE_TYPE_REQUIRED", "This field is required")
        if _len(name) > MAX_FIELD_NAME:
            raise form_error(
                f"{path}.fields.{i}.name",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_FIELD_NAME} or fewer in length.",
            )
        if _len(value) > MAX_FIELD_VALUE:
            raise form_error(
                f"{path}.fields.{i}.value",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_FIELD_VALUE} or fewer in length.",
            )
        total += _len(name) + _len(value)
    return total


def check_message(payload: dict[str, Any], *, require_body: bool = True) -> None:
    """Validate a message create/edit payload against the bot limits Discord enforces."""
    content = payload.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        raise form_error(
            "content", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT} or fewer in length."
        )
    embeds = payload.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        raise form_error(
            "embeds", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length."
        )
    total = 0
    for i, embed in enumerate(embeds):
        total += check_embed(embed, f"embeds.{i}")
    if total > MAX_EMBED_TOTAL:
        raise form_error(
            "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    if require_body and not (
        content
        or embeds
        or payload.get("components")
        or payload.get("attachments")
        or payload.get("sticker_ids")
        or payload.get("poll")
    ):
        raise DiscordError(400, 50006, "Cannot send an empty message")
