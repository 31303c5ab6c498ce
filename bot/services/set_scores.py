"""Scores narrowed to one prediction set, summed from its resolved predictions' votes.

The ledger keeps totals per guild and period across every set; a board of one set is rarer,
so it is added up from the set's resolved predictions (each a frozen table of scores).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.months import Month
from bot.domain.outcomes import Outcome
from bot.services.ledger import scores_of


async def totals(
    session: AsyncSession, resolved: list[tuple[int, Outcome]]
) -> list[tuple[int, float, float, int, int]]:
    """Return (member, points, peer, scored, exact) summed over these resolved predictions."""
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0])
    for prediction_id, outcome in resolved:
        for member_id, points, peer, exact in await scores_of(session, prediction_id, outcome):
            row = sums[member_id]
            row[0] += points
            row[1] += peer
            row[2] += 1
            row[3] += exact
    return [(m, p, q, int(n), int(e)) for m, (p, q, n, e) in sums.items()]


async def member_months(
    session: AsyncSession,
    member_id: int,
    resolved: list[tuple[int, Outcome, datetime]],
    zone: tzinfo,
) -> dict[str, float]:
    """Return a member's points per month ('YYYY-MM') over these resolved predictions."""
    months: dict[str, float] = defaultdict(float)
    for prediction_id, outcome, at in resolved:
        for voter, points, _, _ in await scores_of(session, prediction_id, outcome):
            if voter == member_id:
                months[str(Month.containing(at, zone))] += points
    return dict(months)
