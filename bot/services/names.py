"""Members' display names per guild, as reaction events carried them (no member cache needed)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from bot.domain.clock import Clock
from db.id_lists import ids, one_of
from db.models import MemberName
from db.session import Database


class NameService:
    """Read the stored display names (the votes service writes them with each batch)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def of(self, guild_id: int, member_ids: Iterable[int]) -> dict[int, str]:
        """Return the stored names of these members; members with none are left out."""
        wanted = set(member_ids)
        if not wanted:
            return {}
        sqlite = self._db.is_sqlite
        async with self._db.read() as session:
            rows = await session.execute(
                select(MemberName.member_id, MemberName.name).where(
                    MemberName.guild_id == guild_id,
                    one_of(MemberName.member_id, "members", sqlite=sqlite),
                ),
                {"members": ids(wanted, sqlite=sqlite)},
            )
            return {member: name for member, name in rows}
