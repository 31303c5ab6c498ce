"""Tables of Called It. Discord ids (snowflakes) are 64-bit integers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC and give them back aware; refuse naive ones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC for storage."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to a stored datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class GuildSettings(Base):
    """Per-guild settings."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    polls_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    leaderboard_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    admin_role_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Where notices, disputes and the weekly digest go (None: into admins' replies).
    admin_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    #: How many hours after a resolution members may dispute it (0: disputes off).
    dispute_hours: Mapped[int] = mapped_column(Integer, default=48, server_default=text("48"))
    #: Whether each new poll gets a discussion thread on its message.
    poll_threads: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The role the month's rank-1 members get at each monthly post.
    champion_role_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Only members holding this role vote (None: everyone).
    voter_role_id: Mapped[int | None] = mapped_column(BigInteger)
    #: How new polls take votes: "reactions" (the default) or "sealed" (buttons, tally hidden).
    ballot_style: Mapped[str] = mapped_column(
        String(16), default="reactions", server_default="reactions"
    )
    #: Whether the server's public web pages are shown (off: every page is a 404).
    web_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    seeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PredictionSet(Base):
    """A set of predictions: a shipped or imported list, or the guild's own "Added here"."""

    __tablename__ = "prediction_sets"
    __table_args__ = (UniqueConstraint("guild_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Prediction(Base):
    """A prediction, numbered per guild with a short number users type."""

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("guild_id", "number"),
        UniqueConstraint("guild_id", "seed_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    statement: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100))
    made_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    criteria: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    seed_key: Mapped[str | None] = mapped_column(String(140))
    #: The set it belongs to; services always give one (the column is nullable only so that
    #: SQLite could add it without rebuilding the table under its polls and votes).
    set_id: Mapped[int | None] = mapped_column(ForeignKey("prediction_sets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Poll(Base):
    """A community poll on one prediction, posted as one Discord message."""

    __tablename__ = "polls"
    __table_args__ = (
        # One open poll per prediction at a time.
        Index(
            "uq_polls_open_prediction",
            "prediction_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # Polls of a prediction (latest-vote checks, the split into single- and multi-poll).
        Index("ix_polls_prediction", "prediction_id", "id"),
        Index(
            "ix_polls_open_closes_at",
            "closes_at",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prediction_id: Mapped[int] = mapped_column(ForeignKey("predictions.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    opened_by: Mapped[int | None] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(16))
    #: The message with the poll's result once posted; 0 when none is due any more.
    result_message_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The poll's one reminder once posted (0: none due); its claim is in the outbox.
    reminder_message_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The poll's discussion thread (started on its message), if any.
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    #: "reactions" or "sealed" (votes by button, tally hidden until close).
    ballot_style: Mapped[str] = mapped_column(
        String(16), default="reactions", server_default="reactions"
    )
    #: A sealed poll's published commitment at close: the Merkle root (hex) and its leaf count.
    sealed_root: Mapped[str | None] = mapped_column(String(64))
    sealed_count: Mapped[int | None] = mapped_column(Integer)


class Vote(Base):
    """One member's vote in one poll; clustered on (poll, member)."""

    __tablename__ = "votes"
    __table_args__ = (
        # The one secondary index, covering for tallies and boards: a board joins its tiny
        # per-(prediction, choice) score table on (prediction_id, choice) and visits each vote
        # once. It also serves a member's stats (prediction_id IN guild's, member_id = ?).
        # Every index costs each vote write, so there is no other.
        Index("ix_votes_prediction_choice", "prediction_id", "choice", "member_id", "poll_id"),
        {"sqlite_with_rowid": False},
    )

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prediction_id: Mapped[int] = mapped_column(ForeignKey("predictions.id", ondelete="CASCADE"))
    #: Ordinal of the choice: did_not=0, partly=1, came_true=2.
    choice: Mapped[int] = mapped_column(SmallInteger)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: A sealed ballot's per-vote random salt (hex) for its receipt; None on reaction polls.
    salt: Mapped[str | None] = mapped_column(String(32))


class Resolution(Base):
    """The current resolution of a prediction (absent while unresolved)."""

    __tablename__ = "resolutions"
    __table_args__ = (Index("ix_resolutions_guild_resolved_at", "guild_id", "resolved_at"),)

    prediction_id: Mapped[int] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    guild_id: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))


class ResolutionEvent(Base):
    """The audit trail: every change of a prediction's resolution."""

    __tablename__ = "resolution_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prediction_id: Mapped[int] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), index=True
    )
    guild_id: Mapped[int] = mapped_column(BigInteger)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    old_outcome: Mapped[str | None] = mapped_column(String(16))
    new_outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    #: The message announcing this change once posted; 0 when none is due any more.
    announced_message_id: Mapped[int | None] = mapped_column(BigInteger)


class Dispute(Base):
    """A member's dispute of one resolution change (one per member and change)."""

    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),
        Index("ix_disputes_prediction", "prediction_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    prediction_id: Mapped[int] = mapped_column(ForeignKey("predictions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("resolution_events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When a later resolution change closed it.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChampionRole(Base):
    """A member the bot gave (or is about to give) the champion role to, and for which month.

    Only members listed here ever lose the role through the bot; a row is deleted once the
    role was taken back, and `granted_at` is set once it was given.
    """

    __tablename__ = "champion_roles"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role_id: Mapped[int] = mapped_column(BigInteger)
    month: Mapped[str] = mapped_column(String(7))
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MemberScore(Base):
    """The score ledger: a member's totals per guild and period ('YYYY-MM' or 'all').

    Kept in step with resolutions in the same transaction (votes on a resolved prediction are
    frozen), ranks included, so a board is one indexed range read instead of an aggregation
    over its votes and a ranking of its members.
    """

    __tablename__ = "member_scores"
    __table_args__ = ({"sqlite_with_rowid": False},)

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    points: Mapped[float] = mapped_column(Float)
    peer: Mapped[float] = mapped_column(Float)
    scored: Mapped[int] = mapped_column(Integer)
    exact: Mapped[int] = mapped_column(Integer)
    #: The row's rank in its period's board (bot.domain.ranking), kept with every booking.
    place: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class LeaderboardPost(Base):
    """The record of one guild's monthly leaderboard post (its claim is in the outbox)."""

    __tablename__ = "leaderboard_posts"
    __table_args__ = (UniqueConstraint("guild_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    month: Mapped[str] = mapped_column(String(7))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class OutboxEntry(Base):
    """One thing done exactly once across restarts and replicas: its claim, then its record.

    Keyed by what it is (bot.services.outbox builds the keys): a post, or a month's role change.
    """

    __tablename__ = "outbox"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(64))
    #: When it was done; None while only claimed.
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class GuildNotice(Base):
    """A problem the bot tells a guild's admins about (a missing permission, a lost channel)."""

    __tablename__ = "guild_notices"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(String(400))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When an admin was last shown this text (None: not yet, or the text changed since).
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MemberName(Base):
    """A member's display name in a guild, as the latest reaction event carried it."""

    __tablename__ = "member_names"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class BotState(Base):
    """Small key/value facts the bot keeps, such as the hash of the last synced commands."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def sqlite_datetime(value: datetime) -> str:
    """Format an aware datetime exactly as SQLAlchemy stores it in SQLite (naive UTC text)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # The vote writer calls this per row, nearly always within the second before: the text up
    # to the second is kept, and only the microseconds are formatted (twice as fast as
    # isoformat, itself several times faster than strftime).
    global _last_second
    second = _last_second
    if (
        value.second != second[0]
        or value.minute != second[1]
        or value.hour != second[2]
        or value.day != second[3]
        or value.month != second[4]
        or value.year != second[5]
    ):
        text = value.isoformat(" ", "seconds")[:19]
        second = (value.second, value.minute, value.hour, value.day, value.month, value.year, text)
        _last_second = second
    return f"{second[6]}.{value.microsecond:06d}"


_last_second: tuple[int, int, int, int, int, int, str] = (-1, -1, -1, -1, -1, -1, "")
