"""Prediction sets as data: structured TOML, the seed document's markdown, and CSV.

Each parses to a validated ``SeedSet``; a malformed, oversized or overlong file raises
``SeedFileError`` naming the line and the reason, before anything is written anywhere.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.domain.errors import SeedFileError
from bot.domain.seedcore import (
    DEFAULTABLE,
    MAX_PREDICTIONS,
    NO_DEFAULTS,
    SeedDefaults,
    SeedPrediction,
    SeedSet,
    build,
    missing_line,
    slug,
    too_many,
)
from bot.domain.seedmarkdown import parse_markdown
from bot.domain.seedtoml import parse_toml

__all__ = [
    "MAX_BYTES",
    "MAX_PREDICTIONS",
    "SUFFIXES",
    "SeedDefaults",
    "SeedPrediction",
    "SeedSet",
    "load",
    "parse_bytes",
    "parse_csv",
    "parse_markdown",
    "parse_toml",
]

#: A prediction set read from a file or an upload: at most this many bytes and predictions.
MAX_BYTES = 256 * 1024
#: The file types a set can come in.
SUFFIXES = (".toml", ".md", ".markdown", ".txt", ".csv")
#: CSV columns: the first five are required, ``key`` and ``criteria`` are optional.
CSV_REQUIRED = ("title", "statement", "source", "made_on", "due")
#: Columns an import's options can stand in for.
CSV_DEFAULTABLE = DEFAULTABLE
CSV_OPTIONAL = ("key", "criteria")
#: At most this many lines in a CSV set: 200 rows with room for blank lines and multi-line cells.
MAX_CSV_LINES = 10_000


def load(path: Path, defaults: SeedDefaults = NO_DEFAULTS) -> SeedSet:
    """Load a seed set from a .toml, .md or .csv file, or raise SeedFileError."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SeedFileError(str(path), 0, _too_big(size))
        data = path.read_bytes()
    except OSError as exc:
        raise SeedFileError(str(path), 0, f"can't read the file ({exc.strerror})") from None
    return parse_bytes(data, path.name, shown=str(path), defaults=defaults)


def parse_bytes(
    data: bytes,
    filename: str,
    *,
    shown: str | None = None,
    defaults: SeedDefaults = NO_DEFAULTS,
) -> SeedSet:
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
        seed = parse_toml(text, name, defaults=defaults)
    elif suffix == ".csv":
        seed = parse_csv(text, name, default_key=slug(Path(filename).stem), defaults=defaults)
    else:
        seed = parse_markdown(text, name, default_key=slug(Path(filename).stem), defaults=defaults)
    assert len(seed.predictions) <= MAX_PREDICTIONS  # each parser stops at one more
    return seed


def _too_big(size: int) -> str:
    return f"the file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes ({MAX_BYTES // 1024} KiB)"


def parse_csv(
    text: str,
    name: str = "<seed>",
    *,
    default_key: str = "imported",
    defaults: SeedDefaults = NO_DEFAULTS,
) -> SeedSet:
    """Parse a CSV set: a header row naming the columns, then one prediction a row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        previous_end = 0
        for row in reader:
            if "".join(row).strip():  # a cell with text (one C-level pass, not one per cell)
                rows.append((previous_end + 1, row))
            previous_end = reader.line_num
            if len(rows) > MAX_PREDICTIONS + 1:
                raise SeedFileError(name, previous_end, too_many())
            if reader.line_num > MAX_CSV_LINES:  # blank rows cost a Python step each too
                raise SeedFileError(
                    name, reader.line_num, f"more than {MAX_CSV_LINES:,} lines in the file"
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
    if any(c not in CSV_DEFAULTABLE for c in missing):
        raise SeedFileError(name, header_line, f"missing column(s): {', '.join(missing)}")
    lacking = [c for c in missing if getattr(defaults, c) is None]
    if lacking:
        raise SeedFileError(name, header_line, missing_line(lacking, "add the column(s)"))
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
        item = build(defaults.fill(fields), name, line, default_key=str(index))
        if item.key in seen:
            raise SeedFileError(name, line, f"duplicate key '{item.key}'")
        seen.add(item.key)
        predictions.append(item)
    return SeedSet(key=default_key, name=default_key, predictions=tuple(predictions))
