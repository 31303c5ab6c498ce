"""Per-guild settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ballots import BallotStyle, parse_ballot_style
from bot.domain.clock import Clock
from bot.domain.community import check_dispute_hours
from bot.domain.months import parse_timezone
from bot.services import ledger
from bot.snapshots.guilds import GuildConfig
from db.models import GuildSettings
from db.session import Database


class GuildService:
    """Read and change a guild's settings."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, guild_id: int) -> GuildConfig:
        """Return a guild's settings, creating defaults the first time."""
        async with self._db.read() as session:
            row = await session.get(GuildSettings, guild_id)
            if row is not None:
                return config_of(row)
        async with self._db.write() as session:
            return config_of(await ensure(session, guild_id, self._clock))

    async def all(self) -> list[GuildConfig]:
        """Return every known guild's settings."""
        from sqlalchemy import select

        async with self._db.read() as session:
            return [config_of(row) for row in await session.scalars(select(GuildSettings))]

    async def set_polls_channel(self, guild_id: int, channel_id: int | None) -> GuildConfig:
        """Set the channel where polls and results are posted."""
        return await self._update(guild_id, polls_channel_id=channel_id)

    async def set_leaderboard_channel(self, guild_id: int, channel_id: int | None) -> GuildConfig:
        """Set the channel of the monthly leaderboard post."""
        return await self._update(guild_id, leaderboard_channel_id=channel_id)

    async def set_admin_role(self, guild_id: int, role_id: int | None) -> GuildConfig:
        """Set the role whose members may run admin commands (besides Manage Server)."""
        return await self._update(guild_id, admin_role_id=role_id)

    async def set_admin_channel(self, guild_id: int, channel_id: int | None) -> GuildConfig:
        """Set the channel where the admins' notices, disputes and digest go (None: replies)."""
        return await self._update(guild_id, admin_channel_id=channel_id)

    async def set_dispute_hours(self, guild_id: int, hours: int) -> GuildConfig:
        """Set how long after a resolution members may dispute it (0: disputes off)."""
        return await self._update(guild_id, dispute_hours=check_dispute_hours(hours))

    async def set_poll_threads(self, guild_id: int, on: bool) -> GuildConfig:
        """Turn discussion threads on new polls on or off."""
        return await self._update(guild_id, poll_threads=on)

    async def set_champion_role(self, guild_id: int, role_id: int | None) -> GuildConfig:
        """Set the role the month's rank-1 members get (None: no champion role)."""
        return await self._update(guild_id, champion_role_id=role_id)

    async def set_voter_role(self, guild_id: int, role_id: int | None) -> GuildConfig:
        """Set the role members need to vote (None: everyone votes)."""
        return await self._update(guild_id, voter_role_id=role_id)

    async def set_ballot_style(self, guild_id: int, style: BallotStyle) -> GuildConfig:
        """Set how new polls take votes (reactions or sealed)."""
        return await self._update(guild_id, ballot_style=style.value)

    async def set_web(self, guild_id: int, on: bool) -> GuildConfig:
        """Turn the server's public web pages on or off."""
        return await self._update(guild_id, web_enabled=on)

    async def voter_roles(self) -> list[tuple[int, int | None]]:
        """Return (guild, voter role) for every guild that has one."""
        from sqlalchemy import select

        async with self._db.read() as session:
            rows = await session.execute(
                select(GuildSettings.guild_id, GuildSettings.voter_role_id).where(
                    GuildSettings.voter_role_id.is_not(None)
                )
            )
            return [(g, r) for g, r in rows]

    async def with_champion_role(self) -> list[GuildConfig]:
        """Return the settings of every guild that has a champion role."""
        from sqlalchemy import select

        async with self._db.read() as session:
            rows = await session.scalars(
                select(GuildSettings).where(GuildSettings.champion_role_id.is_not(None))
            )
            return [config_of(row) for row in rows]

    async def with_admin_channel(self) -> list[GuildConfig]:
        """Return the settings of every guild that has an admin channel."""
        from sqlalchemy import select

        async with self._db.read() as session:
            rows = await session.scalars(
                select(GuildSettings).where(GuildSettings.admin_channel_id.is_not(None))
            )
            return [config_of(row) for row in rows]

    async def set_timezone(self, guild_id: int, name: str) -> GuildConfig:
        """Set the guild's time zone (IANA name), used for months."""
        zone = parse_timezone(name.strip())
        async with self._db.write() as session:
            row = await ensure(session, guild_id, self._clock)
            if row.timezone != zone.key:
                row.timezone = zone.key
                await session.flush()
                await ledger.rebuild(session, guild_id)  # months move with the time zone
            return config_of(row)

    async def _update(self, guild_id: int, **values: object) -> GuildConfig:
        async with self._db.write() as session:
            row = await ensure(session, guild_id, self._clock)
            for key, value in values.items():
                setattr(row, key, value)
            await session.flush()
            return config_of(row)


async def ensure(session: AsyncSession, guild_id: int, clock: Clock) -> GuildSettings:
    """Return the guild's settings row, creating it with defaults if missing."""
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        row = GuildSettings(
            guild_id=guild_id,
            timezone="UTC",
            dispute_hours=48,
            poll_threads=False,
            created_at=clock.now(),
        )
        session.add(row)
        await session.flush()
    return row


def config_of(row: GuildSettings) -> GuildConfig:
    """Turn a settings row into a snapshot."""
    return GuildConfig(
        guild_id=row.guild_id,
        timezone=row.timezone,
        polls_channel_id=row.polls_channel_id,
        leaderboard_channel_id=row.leaderboard_channel_id,
        admin_role_id=row.admin_role_id,
        seeded_at=row.seeded_at,
        created_at=row.created_at,
        admin_channel_id=row.admin_channel_id,
        dispute_hours=row.dispute_hours if row.dispute_hours is not None else 48,
        poll_threads=bool(row.poll_threads),
        champion_role_id=row.champion_role_id,
        voter_role_id=row.voter_role_id,
        ballot_style=parse_ballot_style(row.ballot_style),
        web_enabled=bool(row.web_enabled),
    )


def zone_of(config: GuildConfig) -> ZoneInfo:
    """Return a guild's time zone."""
    return parse_timezone(config.timezone)
