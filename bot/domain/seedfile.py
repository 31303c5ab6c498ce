"""Prediction sets as data: structured TOML, the seed document's markdown, and CSV.

Each parses to a validated ``SeedSet``; a malformed, oversized or overlong file raises
``SeedFileError`` naming the line and the reason, before anything is written anywhere.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.domain.errors import CalledItError, SeedFileError
from bot.domain.rules import (
    CRITERIA_MAX,
    SOURCE_MAX,
    STATEMENT_MAX,
    TITLE_MAX,
    check_dates,
    clean_text,
)

_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

#: A prediction set read from a file or an upload: at most this many bytes and predictions.
MAX_BYTES = 256 * 1024
MAX_PREDICTIONS = 200
#: The file types a set can come in.
SUFFIXES = (".toml", ".md", ".markdown", ".txt", ".csv")
#: CSV columns: the first five are required, ``key`` and ``criteria`` are optional.
CSV_REQUIRED = ("title", "statement", "source", "made_on", "due")
CSV_OPTIONAL = ("key", "criteria")


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


def load(path: Path) -> SeedSet:
    """Load a seed set from a .toml, .md or .csv file, or raise SeedFileError."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SeedFileError(str(path), 0, _too_big(size))
        data = path.read_bytes()
    except OSError as exc:
        raise SeedFileError(str(path), 0, f"can't read the file ({exc.strerror})") from None
    return parse_bytes(data, path.name, shown=str(path))


def parse_bytes(data: bytes, filename: str, *, shown: str | None = None) -> SeedSet:
    """Parse an uploaded or read file by its suffix, checking size, encoding and count."""
    name = shown or filename
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise SeedFileError(name, 0, "unknown file type: use .toml, .md or .csv")
    if len(data) > MAX_BYTES:
        raise SeedFileError(name, 0, _too_big(len(data)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SeedFileError(name, line, "the file is not UTF-8 text") from None
    if "\x00" in text:
        raise SeedFileError(name, text.count("\n", 0, text.index("\x00")) + 1, "binary data")
    if suffix == ".toml":
        seed = parse_toml(text, name)
    elif suffix == ".csv":
        seed = parse_csv(text, name, default_key=_slug(Path(filename).stem))
    else:
        seed = parse_markdown(text, name, default_key=_slug(Path(filename).stem))
    if len(seed.predictions) > MAX_PREDICTIONS:
        raise SeedFileError(
            name,
            0,
            f"{len(seed.predictions)} predictions; a file may hold at most {MAX_PREDICTIONS}",
        )
    return seed


def _too_big(size: int) -> str:
    return f"the file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes ({MAX_BYTES // 1024} KiB)"


def parse_csv(text: str, name: str = "<seed>", *, default_key: str = "imported") -> SeedSet:
    """Parse a CSV set: a header row naming the columns, then one prediction a row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        previous_end = 0
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((previous_end + 1, row))
            previous_end = reader.line_num
            if len(rows) > MAX_PREDICTIONS + 1:
                raise SeedFileError(
                    name, previous_end, f"more than {MAX_PREDICTIONS} predictions in the file"
                )
    except csv.Error as exc:
        raise SeedFileError(name, reader.line_num or 1, f"not valid CSV ({exc})") from None
    if not rows:
        raise SeedFileError(
            name, 1, f"empty file: expected a header row ({', '.join(CSV_REQUIRED)})"
        )
    header_line, header = rows[0]
    columns = [cell.strip().lower() for cell in header]
    for column in columns:
        if column not in CSV_REQUIRED + CSV_OPTIONAL:
            raise SeedFileError(
                name,
                header_line,
                f"unknown column '{column[:40]}': use {', '.join(CSV_REQUIRED + CSV_OPTIONAL)}",
            )
    missing = [c for c in CSV_REQUIRED if c not in columns]
    if missing:
        raise SeedFileError(name, header_line, f"missing column(s): {', '.join(missing)}")
    if len(set(columns)) != len(columns):
        raise SeedFileError(name, header_line, "a column is named twice")
    if len(rows) == 1:
        raise SeedFileError(name, header_line, "no predictions under the header row")
    predictions: list[SeedPrediction] = []
    seen: set[str] = set()
    for index, (line, row) in enumerate(rows[1:], start=1):
        if len(row) != len(columns):
            raise SeedFileError(
                name, line, f"{len(row)} cells; the header has {len(columns)} columns"
            )
        fields: dict[str, object] = {
            column: cell.strip() for column, cell in zip(columns, row, strict=True)
        }
        if not fields.get("key"):
            fields.pop("key", None)
        if not fields.get("criteria"):
            fields.pop("criteria", None)
        item = _build(fields, name, line, default_key=str(index))
        if item.key in seen:
            raise SeedFileError(name, line, f"duplicate key '{item.key}'")
        seen.add(item.key)
        predictions.append(item)
    return SeedSet(key=default_key, name=default_key, predictions=tuple(predictions))


def parse_toml(text: str, name: str = "<seed>") -> SeedSet:
    """Parse the structured seed format."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise SeedFileError(
            name, line, f"not valid TOML ({exc.args[0].split(' (at')[0]})"
        ) from None
    header = data.get("set")
    if not isinstance(header, dict):
        raise SeedFileError(name, 1, "missing the [set] table (key, name, source, made_on, due)")
    set_line = _line_of(text, r"^\[set\]")
    key = _required_str(header, "key", name, set_line)
    if not _KEY.match(key):
        raise SeedFileError(name, set_line, "set key must be lowercase letters, digits, . _ -")
    set_name = _required_str(header, "name", name, set_line)
    items = data.get("predictions")
    if not isinstance(items, list) or not items:
        raise SeedFileError(name, set_line, "no [[predictions]] in the file")
    lines = [m.start() for m in re.finditer(r"(?m)^\[\[predictions\]\]", text)]
    predictions: list[SeedPrediction] = []
    for index, item in enumerate(items):
        line = text.count("\n", 0, lines[index]) + 1 if index < len(lines) else 1
        merged = {**{k: v for k, v in header.items() if k not in ("key", "name")}, **item}
        predictions.append(_build(merged, name, line, default_key=str(index + 1)))
    _check_unique(predictions, name, text)
    return SeedSet(key=key, name=set_name, predictions=tuple(predictions))


_HEADING = re.compile(r"^##\s+(\d+)\.\s+(.*?)\s*$")
_BOLD = re.compile(r"^\*\*(.+?)\*\*$")
_MODEL = re.compile(r"^\s*Model:\s*(.+?)\s*$", re.IGNORECASE)
_DMY = re.compile(r"^\s*(\d{1,2}-[A-Za-z]{3}-\d{2,4})\s*$")
_ISO = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*$")
_TITLE = re.compile(r'^title:\s*"?(.*?)"?\s*$')
_YEAR = re.compile(r"\b(20\d\d)\b")


def parse_markdown(
    text: str,
    name: str = "<seed>",
    *,
    default_key: str = "imported",
    source: str | None = None,
    made_on: date | None = None,
    due: date | None = None,
) -> SeedSet:
    """Parse a list written like the seed document: ``## N. **Title**`` then a paragraph."""
    lines = text.splitlines()
    doc_title: str | None = None
    found_source = source
    found_made_on = made_on
    headings: list[tuple[int, int, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if doc_title is None and (m := _TITLE.match(line)):
            doc_title = m[1]
        elif found_source is None and (m := _MODEL.match(line)):
            found_source = m[1]
        elif found_made_on is None and (m := _DMY.match(line) or _ISO.match(line)):
            found_made_on = _parse_loose_date(m[1], name, number)
        elif m := _HEADING.match(line):
            bold = _BOLD.match(m[2])
            if not bold:
                raise SeedFileError(name, number, "a heading's title must be in **bold**")
            headings.append((number, int(m[1]), bold[1].strip()))
        elif line.startswith("## ") and headings:
            raise SeedFileError(name, number, "expected '## N. **Title**'")
    if not headings:
        raise SeedFileError(name, 1, "no predictions found: expected lines like '## 1. **Title**'")
    if found_source is None:
        raise SeedFileError(name, 1, "no source: add a line 'Model: NAME'")
    if found_made_on is None:
        raise SeedFileError(name, 1, "no date the predictions were made: add a line like 20-Nov-24")
    if due is None:
        year_text = _YEAR.search(doc_title or "")
        year = int(year_text[1]) if year_text else found_made_on.year + 1
        due = date(year, 12, 31)
    predictions: list[SeedPrediction] = []
    for index, (line_no, number, title) in enumerate(headings):
        if number != index + 1:
            raise SeedFileError(name, line_no, f"expected prediction {index + 1}, found {number}")
        end = headings[index + 1][0] - 1 if index + 1 < len(headings) else len(lines)
        paragraph = _first_paragraph(lines[line_no:end])
        if not paragraph:
            raise SeedFileError(name, line_no, f"prediction {number} has no paragraph under it")
        fields = {
            "key": str(number),
            "title": title,
            "statement": paragraph,
            "source": found_source,
            "made_on": found_made_on,
            "due": due,
        }
        predictions.append(_build(fields, name, line_no, default_key=str(number)))
    set_name = doc_title or default_key
    key = _slug(doc_title) if doc_title else default_key
    return SeedSet(key=key, name=set_name, predictions=tuple(predictions))


def _first_paragraph(lines: list[str]) -> str:
    """Return the first paragraph of lines, joined; stop at a blank line or a heading."""
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if line.startswith("#"):
            break
        if not line:
            if out:
                break
            continue
        out.append(line)
    return " ".join(out)


def _build(fields: dict[str, object], name: str, line: int, default_key: str) -> SeedPrediction:
    """Validate one prediction's fields."""
    try:
        key = str(fields.get("key", default_key))
        if not _KEY.match(key):
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


def _required_str(table: dict[str, object], field: str, name: str, line: int) -> str:
    value = table.get(field)
    if not isinstance(value, str) or not value.strip():
        raise SeedFileError(name, line, f"[set] needs a '{field}'")
    return value.strip()


def _check_unique(predictions: list[SeedPrediction], name: str, text: str) -> None:
    seen: set[str] = set()
    for item in predictions:
        if item.key in seen:
            raise SeedFileError(
                name,
                _line_of(text, rf'key\s*=\s*"{re.escape(item.key)}"', last=True),
                f"duplicate key '{item.key}'",
            )
        seen.add(item.key)


def _parse_loose_date(text: str, name: str, line: int) -> date:
    for fmt in ("%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise SeedFileError(name, line, f"'{text}' is not a date")


def _line_of(text: str, pattern: str, *, last: bool = False) -> int:
    matches = list(re.finditer(pattern, text, re.MULTILINE))
    if not matches:
        return 1
    match = matches[-1] if last else matches[0]
    return text.count("\n", 0, match.start()) + 1


def _line_from_message(message: str) -> int:
    found = re.search(r"line (\d+)", message)
    return int(found[1]) if found else 1


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]
    return slug or "imported"
