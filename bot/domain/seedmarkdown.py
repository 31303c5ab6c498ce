"""Markdown lists of predictions, in the shapes people write them.

Accepted: numbered headings (``## 1. **Title**`` or ``## 1. Title``) with a paragraph under
each; or numbered (``1.``, ``1)``) or bulleted (``-``, ``*``, ``+``) items whose title is bold
or plain and is followed by ``:``, `` - `` or a new line, then the text. Lines before the first
prediction may give ``Model: NAME`` (or ``Source:``), a date (``20-Nov-24``, ``2024-11-20`` or
``Made on: ...``) and ``Due: YYYY-MM-DD``; a front matter ``title:`` names the set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.domain.errors import SeedFileError
from bot.domain.seedcore import (
    MAX_PREDICTIONS,
    NO_DEFAULTS,
    SeedDefaults,
    SeedPrediction,
    SeedSet,
    build,
    missing_line,
    parse_loose_date,
    slug,
    too_many,
)

#: The longest line a markdown set may have: a title and a statement with their markup.
LINE_MAX = 1500

# Every pattern runs in time linear in the line: no lazy group is followed by an optional run
# (``(.*?)\s*$`` backtracked over every run of spaces), and digits are ASCII only.
_HEADING = re.compile(r"^#{2,4}\s+([0-9]+)[.)]\s+(.*)$")
_ANY_HEADING = re.compile(r"^#{1,6}\s")
_NUMBERED = re.compile(r"^([0-9]+)[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_BOLD_TITLE = re.compile(r"^(\*\*|__)(.+?)\1(.*)$")
_SEPARATOR = re.compile(r"^(?:[:.\-–—]\s*)")
_PLAIN_SPLIT = re.compile(r":\s|\s[-–—]\s")
_MODEL = re.compile(r"^(?:Model|Source):(.+)$", re.IGNORECASE)
_MADE = re.compile(r"^(?:Made[ _]on|Date):(.+)$", re.IGNORECASE)
_DUE = re.compile(r"^Due:(.+)$", re.IGNORECASE)
_DMY = re.compile(r"^([0-9]{1,2}-[A-Za-z]{3}-[0-9]{2,4})$")
_ISO = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})$")
_TITLE = re.compile(r"^title:(.*)$")
_YEAR = re.compile(r"\b(20[0-9][0-9])\b")


@dataclass(frozen=True, slots=True)
class _Item:
    """A prediction's place in the file: its line, number, and what its line says after it."""

    line: int
    number: int
    content: str
    heading: bool


def parse_markdown(
    text: str,
    name: str = "<seed>",
    *,
    default_key: str = "imported",
    defaults: SeedDefaults = NO_DEFAULTS,
) -> SeedSet:
    """Parse a markdown list of predictions; what the file lacks comes from ``defaults``."""
    lines = [raw.rstrip() for raw in text.splitlines()]
    for number, raw in enumerate(lines, start=1):
        if len(raw) > LINE_MAX:
            raise SeedFileError(
                name, number, f"the line is {len(raw):,} characters; the limit is {LINE_MAX:,}"
            )
    kind = _kind(lines)
    if kind is None:
        raise SeedFileError(
            name,
            1,
            "no predictions found: expected '## 1. Title', '1. **Title**: text' or "
            "'- **Title**: text'",
        )
    items = _items(lines, kind, name)
    first = items[0].line
    doc_title, source, made_on, due = _meta(lines[: first - 1], name)
    source = source or defaults.source
    made_on = made_on or defaults.made_on
    missing = [f for f, v in (("source", source), ("made_on", made_on)) if v is None]
    if missing:
        raise SeedFileError(
            name, 1, missing_line(missing, "add lines like 'Model: NAME' and '20-Nov-24'")
        )
    assert source is not None and made_on is not None
    if due is None:
        due = defaults.due
    if due is None:
        year_text = _YEAR.search(doc_title or "")
        due = date(int(year_text[1]) if year_text else made_on.year + 1, 12, 31)
    predictions: list[SeedPrediction] = []
    for index, item in enumerate(items):
        if item.number != index + 1:
            raise SeedFileError(
                name, item.line, f"expected prediction {index + 1}, found {item.number}"
            )
        end = items[index + 1].line - 1 if index + 1 < len(items) else len(lines)
        body = lines[item.line : end]  # each line is in one body: linear in the file
        title, inline = _split(item, body, name)
        statement = _continued(inline, body) if inline else _first_paragraph(body)
        if not statement:
            raise SeedFileError(
                name,
                item.line,
                f"prediction {item.number} has no paragraph under it: write the text after "
                "the title ('Title: text') or on the next line",
            )
        fields = {
            "key": str(item.number),
            "title": title,
            "statement": statement,
            "source": source,
            "made_on": made_on,
            "due": due,
        }
        predictions.append(build(fields, name, item.line, default_key=str(item.number)))
    key = slug(doc_title) if doc_title else default_key
    return SeedSet(key=key, name=doc_title or default_key, predictions=tuple(predictions))


def _kind(lines: list[str]) -> str | None:
    """Tell how the file lists its predictions: headings, numbered or bulleted items."""
    for kind, pattern in (("heading", _HEADING), ("numbered", _NUMBERED), ("bulleted", _BULLET)):
        if any(pattern.match(raw) for raw in lines):
            return kind
    return None


def _items(lines: list[str], kind: str, name: str) -> list[_Item]:
    """Find each prediction's line, number and content; stop at one more than a set may hold."""
    items: list[_Item] = []
    for number, raw in enumerate(lines, start=1):
        if kind == "heading":
            m = _HEADING.match(raw.strip())
            if m is None:
                if raw.startswith("## ") and items:
                    raise SeedFileError(name, number, "expected '## N. Title'")
                continue
            index, content = int(m[1]), m[2]
        else:
            # A list item starts at the margin; indented ones continue the item above.
            m = _NUMBERED.match(raw) if kind == "numbered" else _BULLET.match(raw)
            if m is None:
                continue
            index = int(m[1]) if kind == "numbered" else len(items) + 1
            content = m[2] if kind == "numbered" else m[1]
        if len(items) == MAX_PREDICTIONS:
            raise SeedFileError(name, number, too_many())
        items.append(_Item(number, index, content.strip(), kind == "heading"))
    return items


def _split(item: _Item, body: list[str], name: str) -> tuple[str, str]:
    """Split an item's content into its title and the text on its line."""
    bold = _BOLD_TITLE.match(item.content)
    if bold:
        title = bold[2].strip().rstrip(":" if item.heading else ":.").strip()
        return title, _SEPARATOR.sub("", bold[3].lstrip()).strip()
    if item.heading:
        return item.content.rstrip(":").strip(), ""
    plain = _PLAIN_SPLIT.search(item.content, 1)
    if plain:
        return item.content[: plain.start()].strip(), item.content[plain.end() :].strip()
    if _first_paragraph(_until_next_item(body)):
        return item.content, ""
    raise SeedFileError(
        name,
        item.line,
        "can't tell the title from the text: write '**Title**: text', 'Title: text', "
        "'Title - text' or the text on the next line",
    )


def _until_next_item(lines: list[str]) -> list[str]:
    """Return the lines up to the next list item or heading at the margin."""
    out: list[str] = []
    for raw in lines:
        if _NUMBERED.match(raw) or _BULLET.match(raw) or _ANY_HEADING.match(raw):
            break
        out.append(raw)
    return out


def _meta(lines: list[str], name: str) -> tuple[str | None, str | None, date | None, date | None]:
    """Read the set's title, source, date made and due date from the lines before the list."""
    title: str | None = None
    source: str | None = None
    made_on: date | None = None
    due: date | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if title is None and (m := _TITLE.match(line)):
            title = _unquoted(m[1].strip())
        elif source is None and (m := _MODEL.match(line)) and m[1].strip():
            source = m[1].strip()
        elif due is None and (m := _DUE.match(line)) and m[1].strip():
            due = parse_loose_date(m[1].strip(), name, number)
        elif made_on is None and (m := _made(line)):
            made_on = parse_loose_date(m, name, number)
    return title, source, made_on, due


def _made(line: str) -> str | None:
    """Return the date a line gives as the date made, or None."""
    if (m := _MADE.match(line)) and m[1].strip():
        return m[1].strip()
    m = _DMY.match(line) or _ISO.match(line)
    return m[1] if m else None


def _unquoted(text: str) -> str:
    """Drop one leading and one trailing double quote."""
    text = text.removeprefix('"')
    return text.removesuffix('"')


def _continued(inline: str, lines: list[str]) -> str:
    """Return the text on the item's line joined with the lines right under it."""
    out = [inline]
    for raw in lines:
        line = raw.strip()
        if not line or _ANY_HEADING.match(line):
            break
        out.append(line)
    return " ".join(out)


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
