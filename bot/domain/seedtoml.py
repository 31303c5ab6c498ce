"""The structured TOML set: a ``[set]`` table and ``[[predictions]]``, each value type-checked.

A file nested too deeply, holding values of the wrong type or too many predictions raises
``SeedFileError`` naming the line and the place (``predictions[1].title``), never a traceback.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, time

from bot.domain.errors import SeedFileError
from bot.domain.seedcore import (
    DEFAULTABLE,
    KEY,
    MAX_PREDICTIONS,
    NO_DEFAULTS,
    SeedDefaults,
    SeedPrediction,
    SeedSet,
    build,
    missing_line,
    too_many,
)

#: Fields that hold text, and fields that hold a date; other fields are ignored.
TEXT_FIELDS = ("key", "title", "statement", "source", "criteria")
DATE_FIELDS = ("made_on", "due")
#: Brackets deeper than this mark the place a too deeply nested file is refused at.
DEPTH_SHOWN = 32
#: At most this many ``=``, ``,``, ``[`` and ``{`` and this many lines outside strings and
#: comments: a set of 200 predictions needs about 2,000 and 3,000; tomllib (pure Python) pays
#: per token, so more would cost many times what a valid file of the same size does.
MAX_TOKENS = 4000
MAX_LINES = 10_000
#: Strings and comments, each matched from its opening to its end (or the line's end when
#: unclosed), so the scan never starts again inside one: linear in the text.
_SKIPPED = re.compile(
    r'"""[\s\S]*?(?:"""|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z)'
    r'|"(?:[^"\\\n]|\\.?)*+(?:"|$)|\'[^\'\n]*+(?:\'|$)|#[^\n]*+',
    re.M,
)


def parse_toml(text: str, name: str = "<seed>", *, defaults: SeedDefaults = NO_DEFAULTS) -> SeedSet:
    """Parse the structured seed format."""
    data = _load(text, name)
    header = data.get("set")
    if not isinstance(header, dict):
        raise SeedFileError(name, 1, "missing the [set] table (key, name, source, made_on, due)")
    set_line = _line_of(text, r"^\s*\[\s*set\s*\]")
    key = _required_str(header, "key", name, set_line)
    if not KEY.match(key):
        raise SeedFileError(name, set_line, "set key must be lowercase letters, digits, . _ -")
    set_name = _required_str(header, "name", name, set_line)
    _check_types(header, "set", name, set_line)
    items = data.get("predictions")
    lines = _item_lines(text)
    if items is not None and not isinstance(items, list):
        where = lines[0] if lines else set_line
        raise SeedFileError(
            name, where, f"predictions: expected an array of tables, got {kind_of(items)}"
        )
    if not items:
        raise SeedFileError(name, set_line, "no [[predictions]] in the file")
    if len(items) > MAX_PREDICTIONS:
        line = lines[min(MAX_PREDICTIONS, len(lines) - 1)] if lines else set_line
        raise SeedFileError(name, line, too_many())
    shared = {k: v for k, v in header.items() if k not in ("key", "name")}
    predictions: list[SeedPrediction] = []
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else (lines[-1] if lines else set_line)
        where = f"predictions[{index + 1}]"  # counted from 1, as people count
        if not isinstance(item, dict):
            raise SeedFileError(name, line, f"{where}: expected a table, got {kind_of(item)}")
        _check_types(item, where, name, line)
        merged = {**shared, **item}
        lacking = [f for f in DEFAULTABLE if f not in defaults.fill(merged)]
        if lacking:
            raise SeedFileError(
                name, line, missing_line(lacking, "add them to [set] or the prediction")
            )
        predictions.append(build(defaults.fill(merged), name, line, default_key=str(index + 1)))
    _check_unique(predictions, name, text)
    return SeedSet(key=key, name=set_name, predictions=tuple(predictions))


def kind_of(value: object) -> str:
    """Name a TOML value's type the way a person writing the file would."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time"
    return "something else"


def _load(text: str, name: str) -> dict[str, object]:
    """Parse the TOML, turning a syntax error or a too deep nesting into one line."""
    _check_budget(text, name)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise SeedFileError(
            name, line, f"not valid TOML ({exc.args[0].split(' (at')[0]})"
        ) from None
    except RecursionError:
        # tomllib recurses once per level of nesting; a set needs two levels at most.
        raise SeedFileError(
            name, _deep_line(text), "arrays or tables are nested too deeply"
        ) from None


def _check_budget(text: str, name: str) -> None:
    """Refuse a file with far more keys, values or lines than a set needs, before parsing it."""
    bare = _SKIPPED.sub(" ", text)
    tokens = sum(bare.count(char) for char in "=,[{")
    if tokens > MAX_TOKENS:
        raise SeedFileError(
            name,
            0,
            f"{tokens:,} keys, values and brackets; a set file may have at most {MAX_TOKENS:,}",
        )
    lines = bare.count("\n")
    if lines > MAX_LINES:
        raise SeedFileError(
            name,
            0,
            f"{lines:,} lines outside strings; a set file may have at most {MAX_LINES:,}",
        )


def _check_types(table: dict[str, object], where: str, name: str, line: int) -> None:
    """Refuse a field whose value has the wrong type, naming its place."""
    for field in TEXT_FIELDS:
        value = table.get(field)
        if value is not None and not isinstance(value, str):
            raise SeedFileError(name, line, f"{where}.{field}: expected text, got {kind_of(value)}")
    for field in DATE_FIELDS:
        value = table.get(field)
        if value is not None and not isinstance(value, str | date):
            raise SeedFileError(
                name,
                line,
                f"{where}.{field}: expected a date (YYYY-MM-DD), got {kind_of(value)}",
            )


def _item_lines(text: str) -> list[int]:
    """Return the line of each ``[[predictions]]`` header, or of an inline ``predictions =``."""
    found = [m.start() for m in re.finditer(r"(?m)^[ \t]*\[\[[ \t]*predictions[ \t]*\]\]", text)]
    if not found:
        found = [m.start() for m in re.finditer(r"(?m)^[ \t]*predictions[ \t]*=", text)][:1]
    lines: list[int] = []
    line, at = 1, 0
    for start in found:  # count newlines once, not from the top for every item
        line += text.count("\n", at, start)
        at = start
        lines.append(line)
    return lines


def _deep_line(text: str) -> int:
    """Return the line where brackets first nest deeper than DEPTH_SHOWN, or 1."""
    depth, line = 0, 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > DEPTH_SHOWN:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
    return 1


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


def _line_of(text: str, pattern: str, *, last: bool = False) -> int:
    matches = list(re.finditer(pattern, text, re.MULTILINE))
    if not matches:
        return 1
    match = matches[-1] if last else matches[0]
    return text.count("\n", 0, match.start()) + 1


def _line_from_message(message: str) -> int:
    found = re.search(r"line (\d+)", message)
    return int(found[1]) if found else 1
