"""A server's settings and its prediction sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.ballots import BallotStyle


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """A guild's settings."""

    guild_id: int
    timezone: str
    polls_channel_id: int | None
    leaderboard_channel_id: int | None
    admin_role_id: int | None
    seeded_at: datetime | None
    created_at: datetime
    admin_channel_id: int | None = None
    dispute_hours: int = 48
    poll_threads: bool = False
    champion_role_id: int | None = None
    voter_role_id: int | None = None
    ballot_style: BallotStyle = BallotStyle.REACTIONS
    web_enabled: bool = False


@dataclass(frozen=True, slots=True)
class SetSnapshot:
    """A set with its counts: predictions (not archived), how many resolved, open polls."""

    id: int
    key: str
    name: str
    source: str
    count: int
    resolved: int
    open_polls: int


@dataclass(frozen=True, slots=True)
class SetRef:
    """A set picked by a member: its id and name."""

    id: int
    name: str
