"""A member's own breakdown: each scored prediction with their vote, the outcome and the points."""

from __future__ import annotations

import math

from sqlalchemy import and_, select

from bot.domain.ballots import BallotStyle
from bot.domain.clock import Clock
from bot.domain.outcomes import Choice, Outcome
from bot.domain.scoring import score_table
from bot.services.shared_reads import latest_votes
from bot.services.tally_cache import ResolvedTallies
from bot.snapshots.boards import Breakdown, BreakdownItem
from db.models import Poll, Prediction, Resolution, Vote
from db.session import Database

PAGE_SIZE = 10


class BreakdownService:
    """Explain a member's points, prediction by prediction."""

    def __init__(
        self, db: Database, clock: Clock, resolved_tallies: ResolvedTallies | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        #: Tallies of resolved predictions, shared with the boards (frozen while resolved).
        self._tallies = resolved_tallies or ResolvedTallies()

    async def page(
        self, guild_id: int, member_id: int, page: int = 1, *, set_id: int | None = None
    ) -> Breakdown:
        """Return one page (newest resolution first) of a member's scored predictions."""
        ours = [
            Prediction.guild_id == guild_id,
            Prediction.id.in_(
                select(Resolution.prediction_id).where(Resolution.outcome != Outcome.VOID.value)
            ),
        ]
        if set_id is not None:
            ours.append(Prediction.set_id == set_id)
        voted = latest_votes(
            and_(
                Vote.member_id == member_id,
                Vote.prediction_id.in_(select(Prediction.id).where(*ours)),
            )
        )
        async with self._db.read() as session:
            mine = {p: c for p, _, c in await session.execute(voted)}
            rows = (
                await session.execute(
                    select(
                        Prediction.id,
                        Prediction.number,
                        Prediction.title,
                        Resolution.outcome,
                        Resolution.resolved_at,
                    )
                    .join(Resolution, Resolution.prediction_id == Prediction.id)
                    .where(Prediction.id.in_(list(mine)))
                    .order_by(Resolution.resolved_at.desc(), Prediction.number.desc())
                )
            ).all()
            pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
            page = min(max(1, page), pages)
            shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            counts = await self._tallies.of(session, guild_id, [r.id for r in shown])
            sealed = set(
                await session.scalars(
                    select(Vote.prediction_id)
                    .join(Poll, Poll.id == Vote.poll_id)
                    .where(
                        Vote.member_id == member_id,
                        Vote.prediction_id.in_([r.id for r in shown]),
                        Poll.ballot_style == BallotStyle.SEALED.value,
                    )
                )
            )
        items = []
        for r in shown:
            outcome = Outcome(r.outcome)
            vote = Choice.from_ordinal(mine[r.id])
            score = score_table(counts[r.id].as_dict(), outcome)[vote]
            items.append(
                BreakdownItem(
                    r.number, r.title, vote, outcome, score.points, r.resolved_at, r.id in sealed
                )
            )
        return Breakdown(member_id, tuple(items), page, pages, len(rows))
