"""Settings from the environment and `.env`, validated at start; built by a function, not at import."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.domain.errors import InvalidInput
from bot.domain.shards import parse_shard_ids
from bot.web.proxies import Proxies

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/calledit.db"
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
MAX_SNOWFLAKE = 2**63 - 1


def database_url(value: str) -> str:
    """Check a database URL and give it its async driver; raise ValueError saying what is wrong."""
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError(
            "not a database URL (e.g. sqlite+aiosqlite:///./data/calledit.db)"
        ) from None
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError("only sqlite and postgresql databases are supported")
    if url.drivername == backend:
        url = url.set(drivername=_ASYNC_DRIVERS[backend])
    if url.drivername == "postgresql+asyncpg":
        try:
            importlib.import_module("asyncpg")
        except ImportError:
            raise ValueError("PostgreSQL needs asyncpg: pip install 'calledit[postgres]'") from None
    return url.render_as_string(hide_password=False)


class ConfigError(Exception):
    """A setting has a bad value; the message is one line naming it."""


class Settings(BaseSettings):
    """Every setting of Called It. Names are the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # `SHARD_COUNT=` (as .env.example ships it) means "not set", in .env and environment.
        env_ignore_empty=True,
    )

    discord_token: SecretStr | None = Field(default=None, description="The bot's token.")
    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    dev_guild_id: int | None = Field(default=None, gt=0, le=MAX_SNOWFLAKE)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    #: How many shards the bot runs in all: a number, "auto" (Discord's advice), None (one).
    shard_count: int | Literal["auto"] | None = None
    #: This process's shards, e.g. "0-3" or "4,5"; None: every shard.
    shard_ids: str | None = None
    #: Seconds between runs of the scheduled work (deadlines, late posts, the monthly post).
    scheduler_interval: float = Field(default=30.0, gt=0, le=3600)
    #: Log SQL statements with their parameters (members' text) at DEBUG; off unless asked.
    log_sql: bool = False
    #: Seconds `calledit run` waits for an unreachable database before giving up (0: forever).
    database_wait: float = Field(default=0.0, ge=0)
    #: The address the HTTP server binds to (0.0.0.0: every interface, as in a container).
    web_host: str = "127.0.0.1"
    #: The HTTP port of the operator endpoints and the pages; None: no HTTP at all.
    web_port: int | None = Field(default=None, ge=1, le=65535)
    #: Where /metrics is served on its own; without METRICS_PORT it is on WEB_PORT.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    #: The public address of the server pages (/setup web answers with <it>/s/<server>).
    web_public_url: str | None = None
    #: Requests a second each client address may make (a burst of twice that); 0: no limit.
    web_rate: float = Field(default=20.0, ge=0)
    #: Reverse proxies (IP addresses, comma-separated) whose X-Forwarded-For names the client.
    web_trusted_proxies: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("shard_count", mode="before")
    @classmethod
    def _shard_count(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip().lower()
            if text == "auto":
                return "auto"
            if not text.isdigit() or int(text) < 1:
                raise ValueError("must be a number of shards (1 or more) or 'auto'")
            return int(text)
        if isinstance(value, int) and value < 1:
            raise ValueError("must be a number of shards (1 or more) or 'auto'")
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs SHARD_COUNT (a number, or 'auto')")
        try:  # checked against the count now when it is known; 'auto' is checked at start
            parse_shard_ids(value, count if isinstance(count, int) else 1 << 16)
        except InvalidInput as exc:
            raise ValueError(str(exc).removeprefix("SHARD_IDS: ")) from None
        return value.strip()

    @field_validator("web_trusted_proxies")
    @classmethod
    def _proxies(cls, value: str | None) -> str | None:
        Proxies.parse(value)  # raises ValueError naming a bad entry
        return value

    @property
    def trusted_proxies(self) -> Proxies:
        """Return the reverse proxies whose X-Forwarded-For is believed."""
        return Proxies.parse(self.web_trusted_proxies)

    @field_validator("web_host", "metrics_host")
    @classmethod
    def _host(cls, value: str) -> str:
        host = value.strip()
        if not host or any(c.isspace() or c in "/@" for c in host):
            raise ValueError("must be an address such as 127.0.0.1 or 0.0.0.0")
        return host

    @field_validator("metrics_port")
    @classmethod
    def _metrics_port(cls, value: int | None, info: ValidationInfo) -> int | None:
        same_host = info.data.get("metrics_host") == info.data.get("web_host")
        if value is not None and value == info.data.get("web_port") and same_host:
            raise ValueError("must differ from WEB_PORT (or leave it empty: /metrics on WEB_PORT)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return database_url(value)

    @field_validator("discord_api_base")
    @classmethod
    def _api_base(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8080/api/v10")
        return value.rstrip("/")

    @field_validator("web_public_url")
    @classmethod
    def _web_public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) address such as https://calledit.example.org")
        return value.strip().rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("ws", "wss") or not parsed.netloc:
            raise ValueError("must be a ws(s) URL such as ws://127.0.0.1:8080/")
        return value

    # Defined last: pydantic runs "before" validators last-defined first.
    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        """Treat a blank value (spaces only) as not set, like an empty one."""
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value

    @property
    def token(self) -> str | None:
        """Return the token's secret value (never log it)."""
        return self.discord_token.get_secret_value() if self.discord_token else None

    @property
    def sharded(self) -> bool:
        """Tell whether SHARD_COUNT is set (the bot then runs discord.py's AutoShardedBot)."""
        return self.shard_count is not None

    def sqlite_path(self) -> Path | None:
        """Return the SQLite file path, None for other databases."""
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        return Path(url.database)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment and .env; raise ConfigError with one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"Bad setting {name}: {message}") from None


def configure_logging(level: str, log_sql: bool = False) -> None:
    """Send logs to stderr with timestamps; SQL (with members' text) only if LOG_SQL asks."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("discord.client").addFilter(_NoVoiceNotice())
    # Database drivers log each statement with its parameters (members' text) at DEBUG.
    for driver in ("sqlalchemy", "aiosqlite", "asyncpg"):
        logging.getLogger(driver).setLevel(logging.WARNING)
    if log_sql:  # statements at INFO, their parameters (user text) included
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(max(logging.getLevelName(level), logging.WARNING))


class _NoVoiceNotice(logging.Filter):
    """Drop discord.py's notice that voice libraries are missing: Called It has no voice."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but the voice notice."""
        return "voice will NOT be supported" not in record.getMessage()
