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
#: Components: rows per message, items per row, id and label lengths, total with components v2.
MAX_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
MAX_COMPONENTS_V2 = 40
IS_COMPONENTS_V2 = 1 << 15
ACTION_ROW, BUTTON = 1, 2
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
LINK_STYLE, PREMIUM_STYLE = 5, 6


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


def nest_errors(err: DiscordError, path: str) -> DiscordError:
    """Return `err` with its form errors nested under `path` (e.g. ``data`` of a callback)."""
    if not path or not err.errors:
        return err
    errors: dict[str, Any] = err.errors
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return DiscordError(err.status, err.code, err.message, errors)


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


def _check_button(comp: dict[str, Any], path: str) -> None:
    style = comp.get("style")
    if style == LINK_STYLE:
        if not comp.get("url"):
            raise form_error(f"{path}.url", "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        if comp.get("custom_id") is not None:
            raise form_error(
                f"{path}.custom_id",
                "BUTTON_COMPONENT_CUSTOM_ID_URL_EXCLUSIVE",
                "A custom id and url cannot both be specified",
            )
    elif style != PREMIUM_STYLE:
        if comp.get("custom_id") is None:
            raise form_error(
                f"{path}.custom_id",
                "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
                "A custom id is required",
            )
        if comp.get("url") is not None:
            raise form_error(
                f"{path}.url",
                "BUTTON_COMPONENT_CUSTOM_ID_URL_EXCLUSIVE",
                "A custom id and url cannot both be specified",
            )
    if _len(comp.get("label")) > MAX_LABEL:
        raise form_error(
            f"{path}.label", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_LABEL} or fewer in length."
        )


def _check_row(row: dict[str, Any], path: str) -> None:
    items = row.get("components")
    if not isinstance(items, list) or not items:
        raise form_error(
            f"{path}.components", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."
        )
    if len(items) > MAX_ROW_ITEMS:
        raise form_error(
            f"{path}.components",
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_ROW_ITEMS} or fewer in length.",
        )
    if len(items) > 1 and any(c.get("type") in SELECT_TYPES for c in items):
        raise form_error(
            f"{path}.components",
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )


def check_components(components: Any, *, flags: int = 0, path: str = "components") -> None:
    """Validate message components as Discord does (rows, buttons, custom ids, labels)."""
    if not isinstance(components, list):
        return
    v2 = bool(flags & IS_COMPONENTS_V2)
    if not v2 and len(components) > MAX_ROWS:
        raise form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ROWS} or fewer in length.")
    seen: set[str] = set()
    count = 0

    def walk(comp: Any, where: str, top: bool) -> None:
        nonlocal count
        if not isinstance(comp, dict):
            return
        count += 1
        ctype = comp.get("type")
        if top and not v2 and ctype != ACTION_ROW:
            raise form_error(
                f"{where}.type", "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).'
            )
        if ctype == ACTION_ROW:
            _check_row(comp, where)
        elif ctype == BUTTON:
            _check_button(comp, where)
        custom_id = comp.get("custom_id")
        if custom_id is not None:
            if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= MAX_CUSTOM_ID:
                raise form_error(
                    f"{where}.custom_id",
                    "BASE_TYPE_BAD_LENGTH",
                    f"Must be between 1 and {MAX_CUSTOM_ID} in length.",
                )
            if custom_id in seen:
                raise form_error(
                    f"{where}.custom_id",
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(custom_id)
        for i, child in enumerate(comp.get("components") or []):
            walk(child, f"{where}.components.{i}", False)
        for key in ("component", "accessory"):
            if isinstance(comp.get(key), dict):
                walk(comp[key], f"{where}.{key}", False)

    for i, comp in enumerate(components):
        walk(comp, f"{path}.{i}", True)
    if v2 and count > MAX_COMPONENTS_V2:
        raise form_error(
            path,
            "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED",
            f"Must be {MAX_COMPONENTS_V2} or fewer components in total.",
        )


def check_message(payload: dict[str, Any], *, require_body: bool = True, flags: int = 0) -> None:
    """Validate a message create/edit payload against the bot limits Discord enforces.

    `flags` are the message's flags when the payload itself has none (an edit).
    """
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
    check_components(payload.get("components"), flags=int(payload.get("flags") or flags or 0))
    if require_body and not (
        content
        or embeds
        or payload.get("components")
        or payload.get("attachments")
        or payload.get("sticker_ids")
        or payload.get("poll")
    ):
        raise DiscordError(400, 50006, "Cannot send an empty message")
