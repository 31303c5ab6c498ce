"""outbox: one table of claims for everything done exactly once

Moves the claims of the monthly posts (leaderboard_posts), of the one-off jobs (job_claims)
and of the reminders (polls.reminder_claimed_at) into `outbox`; the records other code reads
(leaderboard_posts of posted months, polls.reminder_message_id) stay where they are.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Who claimed a reminder before claims were kept with their claimant.
EARLIER = "before-0010"

# The tables as they are before this revision, typed so SQLite's stored text reads as datetimes.
JOB_CLAIMS = sa.table(
    "job_claims",
    sa.column("key", sa.String),
    sa.column("claimed_at", sa.DateTime),
    sa.column("claimed_by", sa.String),
    sa.column("done_at", sa.DateTime),
)
BOARD_POSTS = sa.table(
    "leaderboard_posts",
    sa.column("guild_id", sa.BigInteger),
    sa.column("month", sa.String),
    sa.column("claimed_at", sa.DateTime),
    sa.column("claimed_by", sa.String),
    sa.column("posted_at", sa.DateTime),
    sa.column("channel_id", sa.BigInteger),
    sa.column("message_id", sa.BigInteger),
)
POLLS = sa.table(
    "polls",
    sa.column("id", sa.Integer),
    sa.column("guild_id", sa.BigInteger),
    sa.column("channel_id", sa.BigInteger),
    sa.column("reminder_claimed_at", sa.DateTime),
    sa.column("reminder_message_id", sa.BigInteger),
)


def upgrade() -> None:
    """Apply this revision."""
    outbox = op.create_table(
        "outbox",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_outbox")),
    )
    assert outbox is not None
    bind = op.get_bind()
    rows = [
        {
            "key": key,
            "guild_id": int(key.split(":")[1]),
            "claimed_at": claimed_at,
            "claimed_by": claimed_by,
            "posted_at": done_at,
            "channel_id": None,
            "message_id": None,
        }
        for key, claimed_at, claimed_by, done_at in bind.execute(sa.select(JOB_CLAIMS))
    ]
    rows += [
        {
            "key": f"board:{guild_id}:{month}",
            "guild_id": guild_id,
            "claimed_at": claimed_at,
            "claimed_by": claimed_by,
            "posted_at": posted_at,
            "channel_id": channel_id,
            "message_id": message_id,
        }
        for guild_id, month, claimed_at, claimed_by, posted_at, channel_id, message_id in (
            bind.execute(sa.select(BOARD_POSTS))
        )
    ]
    rows += [
        {
            "key": f"reminder:{poll_id}",
            "guild_id": guild_id,
            "claimed_at": claimed_at,
            "claimed_by": EARLIER,
            "posted_at": claimed_at if message_id is not None else None,
            "channel_id": channel_id if message_id else None,
            "message_id": message_id,
        }
        for poll_id, guild_id, channel_id, claimed_at, message_id in bind.execute(
            sa.select(POLLS).where(POLLS.c.reminder_claimed_at.is_not(None))
        )
    ]
    if rows:
        op.bulk_insert(outbox, rows)
    op.execute("DELETE FROM leaderboard_posts WHERE posted_at IS NULL")  # claims only
    with op.batch_alter_table("leaderboard_posts") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
        batch.alter_column("posted_at", existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table("polls") as batch:
        batch.drop_column("reminder_claimed_at")
    op.drop_table("job_claims")


def downgrade() -> None:
    """Revert this revision (the claims go back where they were)."""
    job_claims = op.create_table(
        "job_claims",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_job_claims")),
    )
    assert job_claims is not None
    with op.batch_alter_table("polls") as batch:
        batch.add_column(sa.Column("reminder_claimed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("leaderboard_posts") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.alter_column("posted_at", existing_type=sa.DateTime(), nullable=True)
    bind = op.get_bind()
    outbox = sa.table(
        "outbox",
        sa.column("key", sa.String),
        sa.column("guild_id", sa.BigInteger),
        sa.column("claimed_at", sa.DateTime),
        sa.column("claimed_by", sa.String),
        sa.column("posted_at", sa.DateTime),
        sa.column("channel_id", sa.BigInteger),
        sa.column("message_id", sa.BigInteger),
    )
    entries = list(bind.execute(sa.select(outbox)))
    jobs = []
    for key, guild_id, claimed_at, claimed_by, posted_at, channel_id, message_id in entries:
        kind, _, rest = key.partition(":")
        if kind in ("digest", "champion"):
            jobs.append(
                {
                    "key": key,
                    "claimed_at": claimed_at,
                    "claimed_by": claimed_by,
                    "done_at": posted_at,
                }
            )
        elif kind == "reminder":
            bind.execute(
                sa.update(POLLS)
                .where(POLLS.c.id == int(rest))
                .values(reminder_claimed_at=claimed_at)
            )
        elif kind == "board":
            month = rest.split(":")[1]
            claim = {"claimed_at": claimed_at, "claimed_by": claimed_by}
            updated = bind.execute(
                sa.update(BOARD_POSTS)
                .where(BOARD_POSTS.c.guild_id == guild_id, BOARD_POSTS.c.month == month)
                .values(**claim)
            )
            if updated.rowcount == 0:
                bind.execute(
                    sa.insert(BOARD_POSTS).values(
                        guild_id=guild_id,
                        month=month,
                        posted_at=posted_at,
                        channel_id=channel_id,
                        message_id=message_id,
                        **claim,
                    )
                )
    if jobs:
        op.bulk_insert(job_claims, jobs)
    op.execute("UPDATE leaderboard_posts SET claimed_at = posted_at WHERE claimed_at IS NULL")
    op.execute("UPDATE leaderboard_posts SET claimed_by = 'after-0010' WHERE claimed_by IS NULL")
    with op.batch_alter_table("leaderboard_posts") as batch:
        batch.alter_column("claimed_at", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("claimed_by", existing_type=sa.String(length=64), nullable=False)
    op.drop_table("outbox")
