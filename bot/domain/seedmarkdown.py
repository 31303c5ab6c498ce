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
from bot.domain.inputs import STATEMENT_MAX
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

# Every pattern runs in time linear in the text: no lazy group is followed by an optional run
# (``(.*?)\s*$`` backtracked over every run of spaces) and digits are ASCII only. The ``_AT``
# patterns scan the whole text (lines joined by "\n"), so each line costs C, not Python, time.
_SP = r"[^\S\n]"  # whitespace within a line
_HEADING_AT = re.compile(rf"^{_SP}*#{{2,4}}{_SP}+([0-9]+)[.)]{_SP}+(\S.*)$", re.M)
_HEADING_OR_STRAY = re.compile(rf"{_HEADING_AT.pattern}|^## ", re.M)
_NUMBERED_AT = re.compile(rf"^([0-9]+)[.)]{_SP}+(\S.*)$", re.M)
_BULLET_AT = re.compile(rf"^[-*+]{_SP}+(\S.*)$", re.M)
_BLANKS = re.compile(rf"(?:{_SP}*\n)*")
#: Where a paragraph ends: a blank line, or a line starting with '#' (a heading for ``_CONTINUED``).
_PARAGRAPH_END = re.compile(rf"\n{_SP}*(?=\n|#|\Z)")
_CONTINUED_END = re.compile(rf"\n{_SP}*(?=\n|#{{1,6}}{_SP}|\Z)")
_BOLD_TITLE = re.compile(r"^(\*\*|__)(.+?)\1(.*)$")
_SEPARATOR = re.compile(r"^(?:[:.\-–—]\s*)")
_PLAIN_SPLIT = re.compile(r":\s|\s[-–—]\s")
_TITLE = re.compile(rf"^{_SP}*title:(.*)$", re.M)
_MODEL = re.compile(rf"^{_SP}*(?i:Model|Source):{_SP}*(\S.*)$", re.M)
_DUE = re.compile(rf"^{_SP}*(?i:Due):{_SP}*(\S.*)$", re.M)
_MADE = re.compile(
    rf"^{_SP}*(?:(?i:Made[ _]on|Date):{_SP}*(\S.*)"
    rf"|([0-9]{{1,2}}-[A-Za-z]{{3}}-[0-9]{{2,4}}|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}){_SP}*)$",
    re.M,
)
_YEAR = re.compile(r"\b(20[0-9][0-9])\b")


@dataclass(frozen=True, slots=True)
class _Item:
    """A prediction's place in the file: its line, offsets, number and what its line says."""

    line: int
    start: int  # where the line after the item's line starts in the joined text
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
    lines = text.splitlines()
    if max(map(len, lines), default=0) > LINE_MAX:
        number, raw = next((n, r) for n, r in enumerate(lines, start=1) if len(r) > LINE_MAX)
        raise SeedFileError(
            name, number, f"the line is {len(raw):,} characters; the limit is {LINE_MAX:,}"
        )
    joined = "\n".join(lines)
    kind = _kind(joined)
    if kind is None:
        raise SeedFileError(
            name,
            1,
            "no predictions found: expected '## 1. Title', '1. **Title**: text' or "
            "'- **Title**: text'",
        )
    items = _items(joined, kind, name)
    head = joined[: _line_start(joined, items[0].start)]
    doc_title, source, made_on, due = _meta(head, name)
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
        end = _line_start(joined, items[index + 1].start) if index + 1 < len(items) else None
        title, inline = _split(item, joined, end, name)
        if inline:
            lines = [inline, *_paragraph(joined, item.start, end, item, name, _CONTINUED_END)]
        else:
            at = _skip_blanks(joined, item.start, end)
            lines = _paragraph(joined, at, end, item, name)
        statement = " ".join(lines)
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


def _kind(joined: str) -> str | None:
    """Tell how the file lists its predictions: headings, numbered or bulleted items."""
    for kind, pattern in (
        ("heading", _HEADING_AT),
        ("numbered", _NUMBERED_AT),
        ("bulleted", _BULLET_AT),
    ):
        if pattern.search(joined):
            return kind
    return None


def _items(joined: str, kind: str, name: str) -> list[_Item]:
    """Find each prediction's line, number and content; stop at one more than a set may hold."""
    pattern = {"heading": _HEADING_OR_STRAY, "numbered": _NUMBERED_AT}.get(kind, _BULLET_AT)
    items: list[_Item] = []
    line, at = 1, 0
    for m in pattern.finditer(joined):
        line += joined.count("\n", at, m.start())  # counted once over the file, not per item
        at = m.start()
        if m[1] is None and kind == "heading":  # a '## ' line that is not '## N. Title'
            if items:
                raise SeedFileError(name, line, "expected '## N. Title'")
            continue
        if len(items) == MAX_PREDICTIONS:
            raise SeedFileError(name, line, too_many())
        number = len(items) + 1 if kind == "bulleted" else int(m[1])
        content = m[1] if kind == "bulleted" else m[2]
        items.append(_Item(line, m.end() + 1, number, content.strip(), kind == "heading"))
    return items


def _split(item: _Item, joined: str, end: int | None, name: str) -> tuple[str, str]:
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
    if _text_follows(joined, item.start, end):
        return item.content, ""
    raise SeedFileError(
        name,
        item.line,
        "can't tell the title from the text: write '**Title**: text', 'Title: text', "
        "'Title - text' or the text on the next line",
    )


def _text_follows(joined: str, start: int, end: int | None) -> bool:
    """Tell whether a paragraph comes before the next list item or heading."""
    at = _skip_blanks(joined, start, end)
    stop = len(joined) if end is None else end
    if at >= stop:
        return False
    newline = joined.find("\n", at, stop)
    line = joined[at : stop if newline < 0 else newline]
    if _NUMBERED_AT.match(line) or _BULLET_AT.match(line) or line.lstrip().startswith("#"):
        return False
    return bool(line.strip())


def _skip_blanks(joined: str, start: int, end: int | None) -> int:
    """Return where the first line that is not blank starts, from ``start``."""
    m = _BLANKS.match(joined, start, len(joined) if end is None else end)
    return m.end() if m else start


def _paragraph(
    joined: str,
    start: int,
    end: int | None,
    item: _Item,
    name: str,
    stop: re.Pattern[str] = _PARAGRAPH_END,
) -> list[str]:
    """Return the stripped lines from ``start`` up to a blank line or a heading."""
    limit = len(joined) if end is None else end
    if start >= limit:
        return []
    first = joined.find("\n", start, limit)
    first_line = joined[start : limit if first < 0 else first].strip()
    if not first_line or (stop is _PARAGRAPH_END and first_line.startswith("#")):
        return []
    if stop is _CONTINUED_END and re.match(r"#{1,6}\s", first_line):
        return []
    m = stop.search(joined, start, limit)
    raw = joined[start : m.start() if m else limit]
    if raw.count("\n") > STATEMENT_MAX // 2:  # so many lines can't fit the limit: don't join them
        raise SeedFileError(
            name,
            item.line,
            f"The statement is over {STATEMENT_MAX} characters long; the limit is {STATEMENT_MAX}.",
        )
    return [line for line in map(str.strip, raw.split("\n")) if line]


def _line_start(joined: str, start: int) -> int:
    """Return where the item's own line starts, given where the line after it starts."""
    return joined.rfind("\n", 0, max(start - 1, 0)) + 1


def _meta(head: str, name: str) -> tuple[str | None, str | None, date | None, date | None]:
    """Read the set's title, source, date made and due date from the lines before the list."""
    title = source = None
    made_on = due = None
    if m := _TITLE.search(head):
        title = _unquoted(m[1].strip())
    if m := _MODEL.search(head):
        source = m[1].strip()
    if m := _DUE.search(head):
        due = parse_loose_date(m[1].strip(), name, head.count("\n", 0, m.start()) + 1)
    if m := _MADE.search(head):
        made = (m[1] or m[2]).strip()
        made_on = parse_loose_date(made, name, head.count("\n", 0, m.start()) + 1)
    return title, source, made_on, due


def _unquoted(text: str) -> str:
    """Drop one leading and one trailing double quote."""
    text = text.removeprefix('"')
    return text.removesuffix('"')
