"""Resolved predictions' tallies, kept across resolution changes.

A resolved prediction takes no votes (its poll is closed, and no poll opens until it is
unresolved), so its tally is frozen while it stays resolved. Each guild's tallies are kept
beside the latest resolution event they were read under; when a guild has newer events, only
the predictions those events changed are forgotten (and read again when next asked for), so a
resolution costs the next /stats one prediction's tally, not every one of the member's.
Correct across processes too: the events are read from the database, not remembered.

This rests on resolution events becoming visible in id order: an event committed after a
higher id was already seen would never be read as "newer", and its prediction's tally would
stay kept. It holds because every event is written inside ``Database.write()``, which takes
the one writer's lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's transaction-scoped advisory
lock, released only once the commit is visible). Anything that writes resolution events
must do it there too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.shared_reads import tallies
from bot.snapshots.predictions import Tally
from db.models import ResolutionEvent

_LATEST = select(func.max(ResolutionEvent.id)).where(ResolutionEvent.guild_id == bindparam("guild"))
_CHANGED = (
    select(ResolutionEvent.prediction_id)
    .where(
        ResolutionEvent.id > bindparam("after"),
        ResolutionEvent.id <= bindparam("upto"),
        ResolutionEvent.guild_id == bindparam("guild"),
    )
    .distinct()
)


@dataclass(slots=True)
class _Kept:
    """One guild's tallies, good as of its resolution event `event`."""

    event: int
    tallies: dict[int, Tally] = field(default_factory=dict)


class ResolvedTallies:
    """Tallies of resolved predictions, per guild, forgotten one prediction at a time."""

    GUILDS = 256

    def __init__(self) -> None:
        self._guilds: dict[int, _Kept] = {}

    def clear(self) -> None:
        """Forget every tally (benchmarks use it to time the cold path)."""
        self._guilds.clear()

    async def of(
        self, session: AsyncSession, guild_id: int, prediction_ids: Iterable[int]
    ) -> dict[int, Tally]:
        """Return the tallies of resolved predictions of a guild (read only those not kept)."""
        wanted = list(prediction_ids)
        kept = await self._current(session, guild_id)
        missing = [p for p in wanted if p not in kept.tallies]
        if not missing:
            return {p: kept.tallies[p] for p in wanted}
        read = await tallies(session, missing)
        if self._guilds.get(guild_id) is kept:  # no newer event was seen meanwhile
            kept.tallies.update(read)
        return {p: kept.tallies.get(p) or read[p] for p in wanted}

    async def _current(self, session: AsyncSession, guild_id: int) -> _Kept:
        """Return the guild's kept tallies, less those of predictions changed since."""
        latest = await session.scalar(_LATEST, {"guild": guild_id}) or 0
        kept = self._guilds.get(guild_id)
        if kept is not None and kept.event == latest:
            return kept
        fresh = _Kept(latest)
        if kept is not None and kept.event < latest:
            changed = set(
                await session.scalars(
                    _CHANGED, {"after": kept.event, "upto": latest, "guild": guild_id}
                )
            )
            fresh.tallies = {p: t for p, t in kept.tallies.items() if p not in changed}
        # A fresh object: a read begun under the older event stores nothing into it.
        self._guilds.pop(guild_id, None)
        if len(self._guilds) >= self.GUILDS:
            self._guilds.pop(next(iter(self._guilds)))
        self._guilds[guild_id] = fresh
        return fresh
