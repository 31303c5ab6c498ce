"""sealed ballots and web pages: ballot styles, commitments, vote salts, the web opt-in

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing servers and polls stay on reactions, web pages off)."""
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(
            sa.Column("ballot_style", sa.String(16), server_default="reactions", nullable=False)
        )
        batch.add_column(
            sa.Column("web_enabled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("polls") as batch:
        batch.add_column(
            sa.Column("ballot_style", sa.String(16), server_default="reactions", nullable=False)
        )
        batch.add_column(sa.Column("sealed_root", sa.String(64), nullable=True))
        batch.add_column(sa.Column("sealed_count", sa.Integer(), nullable=True))
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("salt", sa.String(32), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("salt")
    with op.batch_alter_table("polls") as batch:
        batch.drop_column("sealed_count")
        batch.drop_column("sealed_root")
        batch.drop_column("ballot_style")
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("web_enabled")
        batch.drop_column("ballot_style")
