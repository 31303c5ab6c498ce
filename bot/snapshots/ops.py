"""What operator tasks report: shards seen running, a database copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ShardSeen:
    """One shard's last known process and when it said so."""

    shard_id: int
    shard_count: int
    process: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What was copied and checked."""

    rows: dict[str, int]
    guilds: int

    @property
    def total(self) -> int:
        """Return how many rows were copied in all."""
        return sum(self.rows.values())
