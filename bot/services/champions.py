"""The champion role's bookkeeping: whom the bot gave it to, and each month's one change."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from bot.domain.clock import Clock
from bot.domain.months import Month
from db.models import ChampionRole, LeaderboardPost
from db.session import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoleChanges:
    """What is left to do for a month: whom to give the role, whom to take it from."""

    give: tuple[int, ...]
    take: tuple[tuple[int, int], ...]  # (member, role the bot gave them)


class ChampionService:
    """Plan and record champion role changes (claimed once per guild and month in the outbox)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def latest_posted(self, guild_id: int) -> Month | None:
        """Return the latest month whose board was posted in a guild."""
        async with self._db.read() as session:
            month = await session.scalar(
                select(func.max(LeaderboardPost.month)).where(
                    LeaderboardPost.guild_id == guild_id, LeaderboardPost.posted_at.is_not(None)
                )
            )
        return Month.parse(month) if month else None

    async def plan(
        self, guild_id: int, month: Month, role_id: int, winners: frozenset[int]
    ) -> RoleChanges:
        """Record this month's champions (before any role moves) and return what is left."""
        async with self._db.write() as session:
            rows = {
                r.member_id: r
                for r in await session.scalars(
                    select(ChampionRole).where(ChampionRole.guild_id == guild_id)
                )
            }
            moved: list[tuple[int, int]] = []
            for member_id in winners:
                row = rows.get(member_id)
                if row is None:
                    session.add(
                        ChampionRole(
                            guild_id=guild_id,
                            member_id=member_id,
                            role_id=role_id,
                            month=str(month),
                        )
                    )
                elif row.role_id != role_id:  # the role changed: take the old, give the new
                    moved.append((member_id, row.role_id))
                    row.role_id, row.granted_at, row.month = role_id, None, str(month)
                else:
                    row.month = str(month)
            await session.flush()
            give = tuple(
                sorted(
                    await session.scalars(
                        select(ChampionRole.member_id).where(
                            ChampionRole.guild_id == guild_id,
                            ChampionRole.month == str(month),
                            ChampionRole.granted_at.is_(None),
                        )
                    )
                )
            )
        take = tuple(
            sorted([*moved, *((m, r.role_id) for m, r in rows.items() if m not in winners)])
        )
        return RoleChanges(give, take)

    async def given(self, guild_id: int, member_id: int) -> None:
        """Record that a champion got the role."""
        async with self._db.write() as session:
            await session.execute(
                update(ChampionRole)
                .where(ChampionRole.guild_id == guild_id, ChampionRole.member_id == member_id)
                .values(granted_at=self._clock.now())
            )

    async def not_given(self, guild_id: int, member_id: int) -> None:
        """Forget a champion who already held the role: the bot didn't add it, so never takes it."""
        await self.taken(guild_id, member_id)

    async def taken(self, guild_id: int, member_id: int) -> None:
        """Record that a former champion's role was taken back."""
        async with self._db.write() as session:
            await session.execute(
                delete(ChampionRole).where(
                    ChampionRole.guild_id == guild_id, ChampionRole.member_id == member_id
                )
            )

    async def holders(self, guild_id: int) -> dict[int, str]:
        """Return the members the bot gave the role to, with their month."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(ChampionRole.member_id, ChampionRole.month).where(
                    ChampionRole.guild_id == guild_id, ChampionRole.granted_at.is_not(None)
                )
            )
            return {m: month for m, month in rows}
