"""Filter work across guilds to the guilds of this process's shards, in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, literal, true

from bot.domain.shards import ShardScope

#: One process serving every shard: the scope services use when none is given.
EVERYTHING = ShardScope()


def owned(guild_id: Any, scope: ShardScope) -> ColumnElement[bool]:
    """Return a condition true for rows of the guilds `scope` serves (Discord's shard rule).

    `(guild_id >> 22) % count IN (...)` reads the same on SQLite and PostgreSQL (where the
    shift must be by an integer: PostgreSQL has no `bigint >> bigint`).
    """
    if scope.everything:
        return true()
    shifted = guild_id.op(">>", precedence=100)(literal(22, Integer)).self_group()
    return (shifted % scope.shard_count).in_(scope.shard_ids)
