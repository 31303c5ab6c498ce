"""community: admin channel, poll reminders and threads, disputes, champion and voter roles

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (portable defaults: SQLite and PostgreSQL alike)."""
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(sa.Column("admin_channel_id", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("dispute_hours", sa.Integer(), server_default=sa.text("48"), nullable=False)
        )
        batch.add_column(
            sa.Column("poll_threads", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("champion_role_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("voter_role_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("polls") as batch:
        batch.add_column(sa.Column("reminder_claimed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reminder_message_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))
    # Polls closed before this revision need no reminder any more (0).
    op.execute("UPDATE polls SET reminder_message_id = 0 WHERE closed_at IS NOT NULL")
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("prediction_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["resolution_events.id"],
            name=op.f("fk_disputes_event_id_resolution_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prediction_id"],
            ["predictions.id"],
            name=op.f("fk_disputes_prediction_id_predictions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("event_id", "member_id", name=op.f("uq_disputes_event_id_member_id")),
    )
    op.create_index("ix_disputes_prediction", "disputes", ["prediction_id", "closed_at"])
    op.create_table(
        "champion_roles",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("role_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_champion_roles")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("champion_roles")
    op.drop_index("ix_disputes_prediction", table_name="disputes")
    op.drop_table("disputes")
    with op.batch_alter_table("polls") as batch:
        batch.drop_column("thread_id")
        batch.drop_column("reminder_message_id")
        batch.drop_column("reminder_claimed_at")
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("voter_role_id")
        batch.drop_column("champion_role_id")
        batch.drop_column("poll_threads")
        batch.drop_column("dispute_hours")
        batch.drop_column("admin_channel_id")
