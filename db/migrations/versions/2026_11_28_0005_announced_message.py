"""resolution event announced message

Revision ID: b7e2c94a1d30
Revises: 8d41f0b2c6a7
Create Date: 2026-11-28 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e2c94a1d30"
down_revision: str | None = "8d41f0b2c6a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: changes made before it need no announcement any more (0)."""
    with op.batch_alter_table("resolution_events") as batch:
        batch.add_column(sa.Column("announced_message_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE resolution_events SET announced_message_id = 0")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("resolution_events") as batch:
        batch.drop_column("announced_message_id")
