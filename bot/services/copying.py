"""Copy a whole database into an empty one and prove the copy: row counts and every board."""

from __future__ import annotations

import logging

from sqlalchemy import select, union

from bot.domain.clock import Clock
from bot.domain.errors import CalledItError, Conflict
from bot.services.boards import BoardService
from bot.snapshots.ops import CopyReport
from db.copy import Progress, TargetNotEmpty, copy_tables, ensure_empty, row_counts
from db.migrate import upgrade
from db.models import GuildSettings, Prediction
from db.session import Database

log = logging.getLogger(__name__)


class CopyMismatch(CalledItError):
    """Raise when the copy does not equal its source."""


async def copy_database(
    source: Database,
    target: Database,
    clock: Clock,
    *,
    batch: int = 5000,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy every row of ``source`` into the empty ``target``, then verify the copy."""
    try:
        await ensure_empty(target)
    except TargetNotEmpty as exc:
        raise Conflict(f"{exc}; copy only into an empty database") from None
    await upgrade(target)
    rows = await copy_tables(source, target, batch=batch, progress=progress)
    source_counts, target_counts = await row_counts(source), await row_counts(target)
    wrong = [
        f"{name} {source_counts[name]} != {target_counts.get(name)}"
        for name in source_counts
        if source_counts[name] != target_counts.get(name) or rows[name] != source_counts[name]
    ]
    if wrong:
        raise CopyMismatch(f"the copy's row counts differ: {', '.join(wrong)}")
    guilds = await _guild_ids(source)
    before, after = BoardService(source, clock), BoardService(target, clock)
    for guild_id in guilds:
        if (await before.all_time(guild_id)).rows != (await after.all_time(guild_id)).rows:
            raise CopyMismatch(f"guild {guild_id}'s all-time board differs in the copy")
    log.info("copied %d rows; %d guild board(s) identical", sum(rows.values()), len(guilds))
    return CopyReport(rows, len(guilds))


async def _guild_ids(database: Database) -> list[int]:
    async with database.read() as session:
        query = union(select(GuildSettings.guild_id), select(Prediction.guild_id))
        return sorted(int(g) for g in await session.scalars(query))
