"""guild notices

Revision ID: 5c0a7e3d9b21
Revises: 1eb04a96f221
Create Date: 2026-11-28 15:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c0a7e3d9b21"
down_revision: str | None = "1eb04a96f221"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "guild_notices",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=400), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("shown_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", "key", name=op.f("pk_guild_notices")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("guild_notices")
