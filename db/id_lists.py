"""Lists of ids bound as one parameter, so a statement's text never depends on a list's length.

``column.in_([...])`` renders one placeholder per item, so each new length is a new statement
for the driver to prepare and keep. SQLite's driver keeps the last 128 per connection, at about
150 bytes per placeholder: 128 lookups of 700-830 ids held 15 MB of one connection's memory
(measured with ``sqlite3_memory_used``). asyncpg keeps its last 100 and prepares each new one
with a round trip. ``one_of`` binds the whole list as one value instead: a JSON array read with
``json_each`` on SQLite, an array compared with ``= ANY`` on PostgreSQL. One statement, one
parameter, whatever the length (and no parameter limit to chunk under).
"""

from __future__ import annotations

import json
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
