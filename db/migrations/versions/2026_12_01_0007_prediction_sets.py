"""prediction sets: every prediction belongs to a set (shipped, imported, or "Added here")

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The set of predictions added with /prediction add, and the shipped set's display name.
ADDED_KEY, ADDED_NAME, ADDED_SOURCE = "added-here", "Added here", "this server"
KNOWN_NAMES = {"llm-predictions-for-2025": "LLM Predictions For 2025"}
FK = "fk_predictions_set_id_prediction_sets"


def upgrade() -> None:
    """Apply this revision (portable defaults: SQLite and PostgreSQL alike)."""
    op.create_table(
        "prediction_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prediction_sets")),
        sa.UniqueConstraint("guild_id", "key", name=op.f("uq_prediction_sets_guild_id_key")),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a referencing column in place; a batch rebuild of predictions would
        # drop the table under its polls and votes (foreign keys are on).
        op.execute(
            "ALTER TABLE predictions ADD COLUMN set_id INTEGER "
            f"CONSTRAINT {FK} REFERENCES prediction_sets (id)"
        )
    else:
        op.add_column("predictions", sa.Column("set_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "predictions", "prediction_sets", ["set_id"], ["id"])
    op.create_index(op.f("ix_predictions_set_id"), "predictions", ["set_id"], unique=False)
    _backfill()


def _backfill() -> None:
    """Give each existing prediction the set of its seed key, or "Added here"."""
    bind = op.get_bind()
    predictions = sa.table(
        "predictions",
        sa.column("id", sa.Integer()),
        sa.column("guild_id", sa.BigInteger()),
        sa.column("seed_key", sa.String()),
        sa.column("source", sa.String()),
        sa.column("set_id", sa.Integer()),
    )
    sets = sa.table(
        "prediction_sets",
        sa.column("id", sa.Integer()),
        sa.column("guild_id", sa.BigInteger()),
        sa.column("key", sa.String()),
        sa.column("name", sa.String()),
        sa.column("source", sa.String()),
    )
    rows = bind.execute(
        sa.select(
            predictions.c.id, predictions.c.guild_id, predictions.c.seed_key, predictions.c.source
        )
    ).all()
    members: dict[tuple[int, str], list[int]] = {}
    sources: dict[tuple[int, str], set[str]] = {}
    for row_id, guild_id, seed_key, source in rows:
        key = seed_key.split("/", 1)[0][:64] if seed_key and "/" in seed_key else ADDED_KEY
        members.setdefault((guild_id, key), []).append(row_id)
        sources.setdefault((guild_id, key), set()).add(source)
    for (guild_id, key), ids in members.items():
        found = sources[(guild_id, key)]
        name = ADDED_NAME if key == ADDED_KEY else KNOWN_NAMES.get(key, key)
        source = ADDED_SOURCE if key == ADDED_KEY else found.pop() if len(found) == 1 else "mixed"
        bind.execute(
            sa.insert(sets).values(
                guild_id=guild_id,
                key=key,
                name=name[:100],
                source=source[:100],
            )
        )
        set_id = bind.execute(
            sa.select(sets.c.id).where(sets.c.guild_id == guild_id, sets.c.key == key)
        ).scalar_one()
        bind.execute(sa.update(predictions).where(predictions.c.id.in_(ids)).values(set_id=set_id))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_predictions_set_id"), table_name="predictions")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE predictions DROP COLUMN set_id")
    else:
        op.drop_constraint(FK, "predictions", type_="foreignkey")
        op.drop_column("predictions", "set_id")
    op.drop_table("prediction_sets")
