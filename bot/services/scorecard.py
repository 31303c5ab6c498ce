"""Scorecards: how a source's predictions fared, and how the community's majority compared."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.domain.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.outcomes import Outcome
from bot.services.shared_reads import shown_tallies
from bot.snapshots.boards import SourceCard, SourceItem
from db.models import Prediction, Resolution
from db.session import Database


class ScorecardService:
    """Summarise predictions by source."""

    #: At most this many predictions of one source are listed with their split (the grid).
    ITEMS = 30

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def require_source(
        self, guild_id: int, source: str, *, set_id: int | None = None
    ) -> None:
        """Raise NotFound unless the guild has a (non-archived) prediction from this source."""
        async with self._db.read() as session:
            sources = await session.scalars(
                select(Prediction.source).where(*_ours(guild_id, set_id)).distinct()
            )
            if not any(s.casefold() == source.strip().casefold() for s in sources):
                raise NotFound(f"No predictions from the source '{source}' here.")

    async def cards(
        self, guild_id: int, source: str | None = None, *, set_id: int | None = None
    ) -> list[SourceCard]:
        """Return one card per source (or only the named source, matched case-insensitively)."""
        statement = (
            select(
                Prediction.id,
                Prediction.source,
                Resolution.outcome,
                Prediction.number,
                Prediction.title,
            )
            .outerjoin(Resolution, Resolution.prediction_id == Prediction.id)
            .where(*_ours(guild_id, set_id))
            .order_by(Prediction.number)
        )
        async with self._db.read() as session:
            rows = (await session.execute(statement)).all()
            if source is not None:
                rows = [r for r in rows if r.source.casefold() == source.strip().casefold()]
                if not rows:
                    raise NotFound(f"No predictions from the source '{source}' here.")
            shown: dict[str, list[int]] = {}
            for r in rows:
                listed = shown.setdefault(r.source.casefold(), [])
                if len(listed) < self.ITEMS:
                    listed.append(r.id)
            on_card = {i for ids in shown.values() for i in ids}
            counts = await shown_tallies(
                session, [r.id for r in rows if r.outcome is not None or r.id in on_card]
            )
        cards: dict[str, dict[str, int]] = {}
        names: dict[str, str] = {}
        items: dict[str, list[SourceItem]] = {}
        for prediction_id, name, outcome, number, title in rows:
            key = name.casefold()
            names.setdefault(key, name)
            card = cards.setdefault(key, dict.fromkeys(_FIELDS, 0))
            card["total"] += 1
            if prediction_id in on_card:
                items.setdefault(key, []).append(
                    SourceItem(
                        number,
                        title,
                        Outcome(outcome) if outcome is not None else None,
                        counts[prediction_id],
                    )
                )
            if outcome is None:
                card["open"] += 1
                continue
            result = Outcome(outcome)
            card[result.value if result is not Outcome.VOID else "void"] += 1
            majority = counts[prediction_id].majority
            if result.choice is not None and majority is not None:
                card["majority_compared"] += 1
                card["majority_agreed"] += int(majority is result.choice)
        return [
            SourceCard(source=names[k], **cards[k], items=tuple(items.get(k, ())))
            for k in sorted(cards)
        ]


def _ours(guild_id: int, set_id: int | None) -> list[Any]:
    """Return the conditions for a guild's live predictions, in one set when given."""
    conditions: list[Any] = [Prediction.guild_id == guild_id, Prediction.archived.is_(False)]
    if set_id is not None:
        conditions.append(Prediction.set_id == set_id)
    return conditions


_FIELDS = (
    "total",
    "came_true",
    "partly",
    "did_not",
    "void",
    "open",
    "majority_compared",
    "majority_agreed",
)
