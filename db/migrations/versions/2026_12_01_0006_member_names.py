"""member names: each member's display name per guild, as reaction events carry it

Revision ID: 0006
Revises: b7e2c94a1d30
Create Date: 2026-12-01 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "b7e2c94a1d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (portable defaults: SQLite and PostgreSQL alike)."""
    op.create_table(
        "member_names",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_member_names")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("member_names")
