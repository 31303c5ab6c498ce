"""Which process serves which guild: Discord's shard rule and this process's share of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.errors import InvalidInput

#: Discord requires a shard per 2,500 guilds at most.
GUILDS_PER_SHARD = 2500


def shard_of(guild_id: int, shard_count: int) -> int:
    """Return the shard that carries a guild's events (Discord's rule)."""
    return (guild_id >> 22) % shard_count


def parse_shard_ids(text: str, shard_count: int) -> tuple[int, ...]:
    """Parse SHARD_IDS such as '0-3' or '4,5' (or '0-1,4') into sorted shard ids."""
    ids: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, _, high = part.partition("-")
        if not low.strip().isdigit() or (high and not high.strip().isdigit()):
            raise InvalidInput(f"SHARD_IDS: '{part}' is not a shard number or a range like 0-3.")
        first, last = int(low), int(high or low)
        if first > last:
            raise InvalidInput(f"SHARD_IDS: the range '{part}' runs backwards.")
        ids.update(range(first, last + 1))
    if not ids:
        raise InvalidInput("SHARD_IDS is empty: give shard numbers such as 0-3 or 4,5.")
    if max(ids) >= shard_count:
        raise InvalidInput(
            f"SHARD_IDS: shard {max(ids)} does not exist with SHARD_COUNT={shard_count} "
            f"(shards are 0 to {shard_count - 1})."
        )
    return tuple(sorted(ids))


@dataclass(frozen=True, slots=True)
class ShardScope:
    """The shards this process runs, out of how many: it does the work of their guilds only."""

    shard_count: int = 1
    shard_ids: tuple[int, ...] = (0,)

    @classmethod
    def of(cls, shard_count: int, shard_ids: Iterable[int] | None = None) -> ShardScope:
        """Return a scope; no ids means every shard."""
        ids = tuple(sorted(set(shard_ids))) if shard_ids is not None else tuple(range(shard_count))
        return cls(shard_count, ids)

    @property
    def everything(self) -> bool:
        """Tell whether this process serves every guild (one process, as by default)."""
        return len(self.shard_ids) == self.shard_count

    @property
    def syncs_commands(self) -> bool:
        """Tell whether this process syncs the slash commands (the one holding shard 0)."""
        return 0 in self.shard_ids

    def owns(self, guild_id: int) -> bool:
        """Tell whether this process serves a guild."""
        return self.everything or shard_of(guild_id, self.shard_count) in self.shard_ids

    def describe(self, guild_id: int) -> str:
        """Say which shard serves a guild, e.g. 'shard 1 of 2'."""
        return f"shard {shard_of(guild_id, self.shard_count)} of {self.shard_count}"
