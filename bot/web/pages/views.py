"""The templates' environment: autoescaped HTML, and the small filters the pages share."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from urllib.parse import urlsplit

import jinja2

from bot.domain.outcomes import Choice
from bot.render.texts import num, peer

#: The server's name when the process serving the pages does not know it (no gateway).
NO_SERVER_NAME = "This server"


def when(value: datetime | None) -> str:
    """Format an instant in UTC, e.g. '3 Nov 2025, 09:00 UTC'."""
    if value is None:
        return ""
    return f"{value:%-d %b %Y, %H:%M} UTC"


def day(value: date | datetime | None) -> str:
    """Format a date, e.g. '3 Nov 2025'."""
    return "" if value is None else f"{value:%-d %b %Y}"


def link(url: str | None) -> str | None:
    """Return an evidence URL when it is an http(s) address a browser may follow, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def percent(value: float) -> str:
    """Format a share as a whole percentage."""
    return f"{value:.0%}"


def environment() -> jinja2.Environment:
    """Return the pages' template environment (every value escaped unless marked safe)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web.pages", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=when, day=day, link=link, num=num, peer=peer, percent=percent)
    env.globals.update(choices=tuple(Choice))
    return env


def style_sheet() -> bytes:
    """Return the one style sheet's bytes."""
    return resources.files("bot.web.pages").joinpath("static/calledit.css").read_bytes()
