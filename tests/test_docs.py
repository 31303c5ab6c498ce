"""The README and docs/ hold together: links land, `calledit` commands exist, settings are all there."""

from __future__ import annotations

import argparse
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    p
    for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "emulator" / "README.md"]
    if p.exists()
)
LONGEST_LINE = 120

_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# `calledit` as a command: at the start, after a space or `(`, or as .venv/bin/calledit; not
# calledit.db, calledit-data or a URL's .../calledit.
_COMMAND = re.compile(
    r"(?:^|(?<=[\s(])|(?<=bin/))calledit(?=\s|$)(?P<rest>(?:(?!\bcalledit\b)[^\n])*)"
)
_PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z_]*|…|\.\.\.)$")
_WORD = re.compile(r"^[a-z][a-z-]*$")


@dataclass(frozen=True)
class Page:
    """A markdown page split into prose (code spans kept) and fenced code."""

    path: Path
    prose: list[tuple[int, str]]
    code: list[tuple[int, str]]

    @property
    def name(self) -> str:
        """The page's path from the repository root."""
        return self.path.relative_to(ROOT).as_posix()


def read_page(path: Path) -> Page:
    """Split a page into numbered prose and fenced code lines."""
    prose: list[tuple[int, str]] = []
    code: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        (code if fenced else prose).append((number, line))
    return Page(path, prose, code)


def slug(heading: str) -> str:
    """Return GitHub's anchor for a heading's text."""
    text = re.sub(r"`|\*\*|__", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).strip().lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in ("L", "N"))
    return kept.replace(" ", "-")


def anchors(page: Page) -> set[str]:
    """Return the anchors a page's headings make (repeats get -1, -2, ...)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in page.prose:
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Page) -> list[tuple[int, str]]:
    """Return the targets of the markdown links (and images) outside code."""
    found = []
    for number, line in page.prose:
        for match in _LINK.finditer(_SPAN.sub("", line)):
            found.append((number, match.group(1)))
    return found


def broken_links(page: Page) -> list[str]:
    """Describe each relative link of a page whose file or anchor doesn't exist."""
    problems = []
    for number, target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        where = f"{page.name}:{number}: {target}"
        if not file_part:
            if anchor not in anchors(page):
                problems.append(f"{where}: no heading #{anchor} on this page")
            continue
        dest = (page.path.parent / file_part).resolve()
        if not dest.exists():
            problems.append(f"{where}: no such file")
            continue
        if not dest.is_relative_to(ROOT):
            problems.append(f"{where}: outside the repository")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(read_page(dest)):
            problems.append(f"{where}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    return problems


def code_texts(page: Page) -> list[tuple[int, str]]:
    """Return the text of every code span and fenced code line, with its line number."""
    texts = list(page.code)
    for number, line in page.prose:
        texts.extend((number, match.group(2)) for match in _SPAN.finditer(line))
    return sorted(texts, key=lambda item: item[0])


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


def command_problem(words: list[str], root: argparse.ArgumentParser) -> str | None:
    """Say what is wrong with `calledit WORDS...`, or None when the command exists."""
    parser, path = root, ["calledit"]
    for index, word in enumerate(words):
        word = word.strip("[]")
        subcommands = _subcommands(parser)
        if word.startswith("-"):
            flag = word.split("=", 1)[0]
            if flag not in _options(parser):
                return f"{' '.join(path)} has no option {flag}"
            continue
        expects_subcommand = bool(subcommands) and index == len(path) - 1
        if _PLACEHOLDER.match(word):
            if expects_subcommand:
                return None  # `calledit COMMAND --help`: a pattern, not a command
            continue  # a value: `--guild ID`
        if expects_subcommand and _WORD.match(word):
            if word not in subcommands:
                return f"{' '.join(path)} has no subcommand {word!r}"
            parser = subcommands[word]
            path.append(word)
    if _subcommands(parser) and parser is not root:
        return f"{' '.join(path)} needs one of {sorted(_subcommands(parser))}"
    return None


def commands(page: Page) -> list[tuple[int, list[str]]]:
    """Return each `calledit ...` the page names in code, as its words up to a shell operator."""
    found = []
    for number, text in code_texts(page):
        for match in _COMMAND.finditer(text.replace("\\|", " ")):
            rest = re.split(r"\s(?:\||&&|;|#|>|<)|\)", match.group("rest"), maxsplit=1)[0]
            words = [w for w in rest.split() if w]
            first = words[0].strip("[]") if words else "-"
            if not (first.startswith("-") or _WORD.match(first) or _PLACEHOLDER.match(first)):
                words = []  # `pg_restore -d calledit calledit.dump`: the database's name
            found.append((number, words))
    return found


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_land(path: Path) -> None:
    """Every relative link points at a file that exists, and at a heading it has."""
    page = read_page(path)
    assert broken_links(page) == []


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_calledit_commands_exist(path: Path) -> None:
    """Every `calledit ...` in code is a real subcommand with real options."""
    root = build_parser()
    page = read_page(path)
    problems = [
        f"{page.name}:{number}: calledit {' '.join(words)}: {problem}"
        for number, words in commands(page)
        if (problem := command_problem(words, root))
    ]
    assert problems == []


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_prose_lines_are_short(path: Path) -> None:
    """No prose line is over 120 characters (README: no line at all)."""
    page = read_page(path)
    lines = page.prose + page.code if path.name == "README.md" else page.prose
    long = [
        f"{page.name}:{number}: {len(line)} characters"
        for number, line in lines
        if len(line) > LONGEST_LINE and (path.name == "README.md" or not line.startswith("|"))
    ]
    assert long == []


def test_readme_is_short() -> None:
    """The README stays a front page: what it is, a card, two commands, links."""
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


def test_every_setting_is_documented() -> None:
    """Each setting of .env.example has its row in operators.md's configuration table."""
    settings = re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    table = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    assert settings
    assert [name for name in settings if f"| `{name}` |" not in table] == []


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """A broken link, a missing anchor and a made-up command or option are each reported."""
    page_path = tmp_path / "page.md"
    page_path.write_text(
        "# Title\n\n[gone](missing.md) [here](#title) [nowhere](#no-such-heading)\n\n"
        "Run `calledit db copy --to URL`, `calledit fly`, `calledit seed --colour red`,\n"
        "`calledit db` and `pg_restore -d calledit calledit.dump`.\n\n"
        "```sh\n.venv/bin/calledit leaderboard --guild 1 --all-time | head\n```\n",
        encoding="utf-8",
    )
    page = read_page(page_path)
    page = Page(ROOT / "docs" / "page.md", page.prose, page.code)  # relative to docs/
    problems = broken_links(page)
    assert [p.split(": ")[1] for p in problems] == ["missing.md", "#no-such-heading"]
    root = build_parser()
    verdicts = [command_problem(words, root) for _, words in commands(page)]
    assert verdicts == [
        None,
        "calledit has no subcommand 'fly'",
        "calledit seed has no option --colour",
        "calledit db needs one of ['copy', 'upgrade']",
        None,
        None,
    ]
