"""Seeding many new servers at once: a few statements per chunk instead of a transaction each.

A bot's first start in a thousand servers (or a shard's) finds them all new. One by one that
was a transaction of some ten statements per server; here each chunk of servers is one
transaction of four statements. Only servers the database has never seen are seeded here
(no settings row yet); any other goes through `PredictionService.load_seed`, which merges.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.seedfile import SeedPrediction, SeedSet
from db.models import GuildSettings, Prediction, PredictionSet
from db.session import Database

#: Servers per transaction (ten predictions each: 2,000 rows in one statement).
SEED_CHUNK = 200


def seed_fields(item: SeedPrediction, set_id: int) -> dict[str, object]:
    """Return what a seed item sets on its prediction (the same whether bulk or merged)."""
    return {
        "title": item.title,
        "statement": item.statement,
        "source": item.source,
        "made_on": item.made_on,
        "due": item.due,
        "criteria": item.criteria,
        "set_id": set_id,
    }


async def seed_new_guilds(
    database: Database, clock: Clock, guild_ids: Iterable[int], seed: SeedSet
) -> set[int]:
    """Seed the servers never seen before in bulk; return those seeded (the rest are known)."""
    wanted = sorted(set(guild_ids))
    done: set[int] = set()
    for start in range(0, len(wanted), SEED_CHUNK):
        async with database.write() as session:
            done.update(await _seed_chunk(session, clock, wanted[start : start + SEED_CHUNK], seed))
    return done


async def _seed_chunk(
    session: AsyncSession, clock: Clock, chunk: list[int], seed: SeedSet
) -> list[int]:
    known = set(
        await session.scalars(
            select(GuildSettings.guild_id).where(GuildSettings.guild_id.in_(chunk))
        )
    )
    new = [guild_id for guild_id in chunk if guild_id not in known]
    if not new:
        return []
    now = clock.now()
    await session.execute(
        insert(GuildSettings),
        [
            {
                "guild_id": guild_id,
                "timezone": "UTC",
                "dispute_hours": 48,
                "poll_threads": False,
                "created_at": now,
                "seeded_at": now,
            }
            for guild_id in new
        ],
    )
    await session.execute(
        insert(PredictionSet),
        [
            {
                "guild_id": guild_id,
                "key": seed.key,
                "name": seed.name[:100],
                "source": seed.source[:100],
                "created_at": now,
            }
            for guild_id in new
        ],
    )
    rows = await session.execute(
        select(PredictionSet.guild_id, PredictionSet.id).where(
            PredictionSet.guild_id.in_(new), PredictionSet.key == seed.key
        )
    )
    set_of = {guild_id: set_id for guild_id, set_id in rows}
    await session.execute(
        insert(Prediction),
        [
            {
                "guild_id": guild_id,
                "number": number,
                "seed_key": seed.seed_key(item),
                **seed_fields(item, set_of[guild_id]),
                "archived": False,
                "created_at": now,
                "updated_at": now,
            }
            for guild_id in new
            for number, item in enumerate(seed.predictions, start=1)
        ],
    )
    return new
