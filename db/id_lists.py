"""Lists of ids bound as one parameter, so a statement's text never depends on a list's length.

``column.in_([...])`` renders one placeholder per item, so each new length is a new statement
for the driver to prepare and keep. SQLite's driver keeps the last 128 per connection, at about
150 bytes per placeholder: 128 lookups of 700-830 ids held 15 MB of one connection's memory
(measured with ``sqlite3_memory_used``). asyncpg keeps its last 100 and prepares each new one
with a round trip. ``one_of`` binds the whole list as one value instead: a JSON array read with
``json_each`` on SQLite, an array compared with ``= ANY`` on PostgreSQL. One statement, one
parameter, whatever the length (and no parameter limit to chunk under).

SQLite's JSON functions are built in since 3.38 and compiled in by every current distribution;
``require_json`` checks each new SQLite connection for them, so a Python built without them
stops the bot at start with one line instead of failing every vote batch.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, any_, bindparam, func, literal_column, select


def one_of(column: ColumnElement[Any], name: str, *, sqlite: bool) -> ColumnElement[bool]:
    """Return ``column IN (the ids bound as `name`)``; bind them with ``ids``."""
    if sqlite:
        return column.in_(
            select(literal_column("value")).select_from(func.json_each(bindparam(name)))
        )
    return column == any_(bindparam(name, type_=ARRAY(column.type)))


def ids(values: Iterable[int], *, sqlite: bool) -> str | list[int]:
    """Return ids as ``one_of`` binds them: JSON text on SQLite, a list on PostgreSQL."""
    listed = [int(v) for v in values]
    return json.dumps(listed) if sqlite else listed


class SQLiteLacksJSON(RuntimeError):
    """This Python's SQLite has no JSON functions, which ``one_of`` needs."""


def require_json(cursor: Any) -> None:
    """Raise SQLiteLacksJSON unless a new SQLite connection (its DB-API cursor) has json_each."""
    try:
        cursor.execute("SELECT count(*) FROM json_each('[1]')")
        cursor.fetchall()
    except Exception as exc:  # the driver's own error type: sqlite3's, or aiosqlite's adapter's
        reason = str(exc)
    else:
        return
    # Raised outside the except block: the one line an admin reads is this, not the driver's.
    raise SQLiteLacksJSON(
        f"this Python's SQLite ({sqlite3.sqlite_version}) has no JSON functions ({reason}), "
        "which Called It needs: use a Python built with SQLite 3.38 or later, or PostgreSQL "
        "(DATABASE_URL)"
    )
