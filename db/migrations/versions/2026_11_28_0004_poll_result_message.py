"""poll result message

Revision ID: 8d41f0b2c6a7
Revises: 5c0a7e3d9b21
Create Date: 2026-11-28 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d41f0b2c6a7"
down_revision: str | None = "5c0a7e3d9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: polls closed before it need no result post any more (0)."""
    with op.batch_alter_table("polls") as batch:
        batch.add_column(sa.Column("result_message_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE polls SET result_message_id = 0 WHERE closed_at IS NOT NULL")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("polls") as batch:
        batch.drop_column("result_message_id")
