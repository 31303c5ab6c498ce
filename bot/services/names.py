"""Members' display names per guild, as reaction events carried them (no member cache needed)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from bot.domain.clock import Clock
from db.models import MemberName
from db.session import Database

#: SQLite allows 32,766 bound parameters; look names up in chunks well below that.
_CHUNK = 900


class NameService:
    """Read the stored display names (the votes service writes them with each batch)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def of(self, guild_id: int, member_ids: Iterable[int]) -> dict[int, str]:
        """Return the stored names of these members; members with none are left out."""
        wanted = sorted(set(member_ids))
        found: dict[int, str] = {}
        async with self._db.read() as session:
            for start in range(0, len(wanted), _CHUNK):
                rows = await session.execute(
                    select(MemberName.member_id, MemberName.name).where(
                        MemberName.guild_id == guild_id,
                        MemberName.member_id.in_(wanted[start : start + _CHUNK]),
                    )
                )
                found.update({member: name for member, name in rows})
        return found
