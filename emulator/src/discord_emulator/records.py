"""What the emulator records of the bot's requests: each request served and each rule broken."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Violation:
    """A request that broke one of Discord's rules."""

    kind: str
    method: str
    route: str
    status: int
    code: int
    message: str
    detail: Any = None


@dataclass
class RequestRecord:
    """One REST request the emulator served."""

    method: str
    route: str
    path: str
    status: int
    body: Any = None
    #: The bot token the request carried ('' without one): tells bot processes apart.
    token: str = ""
    at: float = field(default_factory=time.monotonic)
