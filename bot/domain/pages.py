"""Where a server's public pages live: the paths the web pages serve and /setup web names."""

from __future__ import annotations

#: The largest Discord snowflake (a signed 64-bit integer); larger ids are no id at all.
MAX_ID = 2**63 - 1


def server_path(guild_id: int) -> str:
    """Return the path of a server's public page."""
    return f"/s/{guild_id}"


def parse_id(text: str) -> int | None:
    """Return a snowflake or prediction number from a path segment, None for anything else."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def server_link(public_url: str | None, guild_id: int) -> str | None:
    """Return the full address of a server's page, None when no public address is set."""
    if not public_url:
        return None
    return public_url.rstrip("/") + server_path(guild_id)
