"""A member's dispute of a resolution, told to the admins (admin channel, else replies)."""

from __future__ import annotations

import logging

from bot.domain import notices
from bot.services.admin_teller import AdminTeller
from bot.services.disputes import DisputeService
from bot.snapshots.community import DisputeSnapshot

log = logging.getLogger(__name__)


class Disputing:
    """File the dispute, then tell the admins once, like a notice, until a new resolution."""

    def __init__(self, disputes: DisputeService, told: AdminTeller) -> None:
        self._disputes = disputes
        self._told = told

    async def dispute(
        self, guild_id: int, number: int, member_id: int, reason: str
    ) -> DisputeSnapshot:
        """File a member's dispute and tell the admins; raise a friendly error when refused."""
        filed = await self._disputes.file(guild_id, number, member_id, reason)
        await self._told.tell(
            guild_id,
            notices.member_dispute(
                filed.id, number, filed.title, filed.outcome.label, member_id, filed.reason
            ),
        )
        return filed

    async def closed(self, guild_id: int, dispute_ids: tuple[int, ...]) -> None:
        """Withdraw the told disputes a new resolution closed."""
        if dispute_ids:
            await self._told.fixed(guild_id, *(notices.dispute_key(i) for i in dispute_ids))
