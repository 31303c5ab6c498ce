"""member score places: each ledger row keeps its rank in its period's board

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (the bot places the rows it finds unplaced when it starts)."""
    with op.batch_alter_table("member_scores") as batch:
        batch.add_column(
            sa.Column("place", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("member_scores") as batch:
        batch.drop_column("place")
