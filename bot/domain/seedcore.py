"""The parts every set file shares: a validated prediction, a set, the defaults an import gives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.errors import CalledItError, SeedFileError
from bot.domain.inputs import (
    CRITERIA_MAX,
    SOURCE_MAX,
    STATEMENT_MAX,
    TITLE_MAX,
    check_dates,
    clean_text,
)

KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: A set holds at most this many predictions; parsers stop at the next one.
MAX_PREDICTIONS = 200
#: Fields an import's options can stand in for.
DEFAULTABLE = ("source", "made_on", "due")


@dataclass(frozen=True, slots=True)
class SeedPrediction:
    """One prediction of a set, validated."""

    key: str
    title: str
    statement: str
    source: str
    made_on: date
    due: date
    criteria: str | None = None


@dataclass(frozen=True, slots=True)
class SeedSet:
    """A named set of predictions, validated."""

    key: str
    name: str
    predictions: tuple[SeedPrediction, ...]

    def seed_key(self, item: SeedPrediction) -> str:
        """Return the guild-unique key that makes loading idempotent."""
        return f"{self.key}/{item.key}"

    @property
    def source(self) -> str:
        """Return the set's source: the one its predictions share, or 'mixed'."""
        sources = {item.source for item in self.predictions}
        return sources.pop() if len(sources) == 1 else "mixed"


@dataclass(frozen=True, slots=True)
class SeedDefaults:
    """What an import gives for files that lack it: the file's own values win."""

    source: str | None = None
    made_on: date | None = None
    due: date | None = None

    def fill(self, fields: dict[str, object]) -> dict[str, object]:
        """Return the fields with the missing source, made_on and due filled in."""
        out = dict(fields)
        for field in ("source", "made_on", "due"):
            value = getattr(self, field)
            if value is not None and out.get(field) in (None, ""):
                out[field] = value
        return out


NO_DEFAULTS = SeedDefaults()


def missing_line(missing: list[str], hint: str) -> str:
    """Return one line naming what a file lacks, how to write it, and the options that give it."""
    plural = "s" if len(missing) > 1 else ""
    return (
        f"missing {', '.join(missing)}: {hint}, or give the {' and '.join(missing)} option{plural}"
    )


def too_many() -> str:
    """Return the reason a file with one prediction too many is refused."""
    return f"more than {MAX_PREDICTIONS} predictions in the file"


def build(fields: dict[str, object], name: str, line: int, default_key: str) -> SeedPrediction:
    """Validate one prediction's fields."""
    try:
        key = str(fields.get("key", default_key))
        if not KEY.match(key):
            raise SeedFileError(name, line, f"key '{key}' must be lowercase letters, digits, . _ -")
        title = clean_text(_as_str(fields, "title"), "title", TITLE_MAX)
        statement = clean_text(_as_str(fields, "statement"), "statement", STATEMENT_MAX)
        source = clean_text(_as_str(fields, "source"), "source", SOURCE_MAX)
        criteria_raw = fields.get("criteria")
        criteria = (
            clean_text(str(criteria_raw), "criteria", CRITERIA_MAX, required=False)
            if criteria_raw is not None
            else None
        )
        made_on = _as_date(fields, "made_on")
        due = _as_date(fields, "due")
        check_dates(made_on, due)
    except SeedFileError:
        raise
    except CalledItError as exc:
        raise SeedFileError(name, line, exc.message) from None
    assert title and statement and source
    return SeedPrediction(key, title, statement, source, made_on, due, criteria)


def _as_str(fields: dict[str, object], field: str) -> str:
    value = fields.get(field)
    if not isinstance(value, str):
        raise CalledItError(f"'{field}' is missing or not text")
    return value


def _as_date(fields: dict[str, object], field: str) -> date:
    value = fields.get(field)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CalledItError(f"'{field}' is missing or not a date (YYYY-MM-DD)")


def parse_loose_date(text: str, name: str, line: int) -> date:
    for fmt in ("%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise SeedFileError(name, line, f"'{text}' is not a date")


def slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]
    return slug or "imported"
