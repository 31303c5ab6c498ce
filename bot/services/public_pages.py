"""What the public web pages read beyond the boards: opt-in, open polls, sets, disputes."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.clock import Clock
from bot.services.guilds import config_of
from bot.services.shared_reads import snapshots_of
from bot.snapshots.guilds import GuildConfig, SetRef
from bot.snapshots.predictions import PredictionSnapshot
from db.models import GuildSettings, LeaderboardPost, Poll, Prediction, PredictionSet
from db.session import Database

#: At most this many open polls are listed on a server's page (newest deadline last).
OPEN_POLLS_SHOWN = 50


class PublicPages:
    """Read what a server's public pages show, and whether the server shows them at all."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def shown(self, guild_id: int) -> GuildConfig | None:
        """Return the server's settings if its pages are on, None if off or unknown."""
        async with self._db.read() as session:
            row = await session.get(GuildSettings, guild_id)
            if row is None or not row.web_enabled:
                return None
            return config_of(row)

    async def open_polls(self, guild_id: int) -> list[PredictionSnapshot]:
        """Return the predictions with an open poll, soonest deadline first."""
        async with self._db.read() as session:
            rows = (
                await session.scalars(
                    select(Prediction)
                    .join(Poll, Poll.prediction_id == Prediction.id)
                    .where(Poll.guild_id == guild_id, Poll.closed_at.is_(None))
                    .order_by(Poll.closes_at, Prediction.number)
                    .limit(OPEN_POLLS_SHOWN)
                )
            ).all()
            return await snapshots_of(session, rows)

    async def set_of(self, guild_id: int, set_id: int) -> SetRef | None:
        """Return one of the server's sets, None if the id is another server's or none."""
        async with self._db.read() as session:
            row = await session.get(PredictionSet, set_id)
        if row is None or row.guild_id != guild_id:
            return None
        return SetRef(row.id, row.name)

    async def latest_posted_month(self, guild_id: int) -> str | None:
        """Return the month ('YYYY-MM') of the server's latest monthly post, None before any."""
        async with self._db.read() as session:
            return await session.scalar(
                select(LeaderboardPost.month)
                .where(LeaderboardPost.guild_id == guild_id)
                .order_by(LeaderboardPost.month.desc())
                .limit(1)
            )
