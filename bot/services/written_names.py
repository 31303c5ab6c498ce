"""Which display names were written already, in a fixed table: a vote writes a name only when new.

A dict of (guild, member) to name held every name written until it was cleared at 200,000
of them: 56 MB at that size (measured), growing with every new voter of a big instance.
Here each (guild, member) hashes to one of ``SLOTS`` slots, which
holds a 64-bit hash of (guild, member, name) as last committed: one 1 MB array made at
start, nothing made per name. Two members sharing a slot only cost a name written again.
A name is wrongly taken for written only if two 64-bit hashes are equal (about 1 in 10^19).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

#: Slots in the table (a power of two): 131,072 members' names, 8 bytes each.
SLOTS = 1 << 17


class WrittenNames:
    """Remember, by hash, the display name last committed for each (guild, member)."""

    def __init__(self, slots: int = SLOTS) -> None:
        if slots < 1 or slots & (slots - 1):
            raise ValueError("slots must be a power of two")
        self._mask = slots - 1
        self._table = array("q", bytes(8 * slots))

    def written(self, guild_id: int, member_id: int, name: str) -> bool:
        """Return whether this is the member's name last committed (nothing to write)."""
        return self._table[hash((guild_id, member_id)) & self._mask] == hash(
            (guild_id, member_id, name)
        )

    def committed(self, names: Iterable[tuple[tuple[int, int], str]]) -> None:
        """Take note of names a batch committed."""
        table, mask = self._table, self._mask
        for (guild_id, member_id), name in names:
            table[hash((guild_id, member_id)) & mask] = hash((guild_id, member_id, name))
