"""Claims on one-off jobs (a weekly digest, a month's role change): exactly one claimant wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.community import STALE_CLAIM
from db.models import JobClaim


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job this process claimed; `taken_over` is when a stale earlier claim was made."""

    taken_over: datetime | None = None


async def claim_job(
    session: AsyncSession, key: str, claimant: str, now: datetime, *, is_sqlite: bool
) -> Claimed | None:
    """Claim a job by key, or take over a stale claim; None when another claimant holds it."""
    insert = sqlite.insert if is_sqlite else postgresql.insert
    result = await session.execute(
        insert(JobClaim)
        .values(key=key, claimed_at=now, claimed_by=claimant)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return Claimed()
    stale = (
        JobClaim.key == key,
        JobClaim.done_at.is_(None),
        JobClaim.claimed_at < now - STALE_CLAIM,
    )
    before = await session.scalar(select(JobClaim.claimed_at).where(*stale))
    taken = await session.execute(
        update(JobClaim).where(*stale).values(claimed_at=now, claimed_by=claimant)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return Claimed(taken_over=before)
