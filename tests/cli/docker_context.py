"""What `docker build` would send and copy, read from the Dockerfile and .dockerignore (static).

No container engine runs where the tests run, so the build context is worked out here: the
COPY lines' sources, minus what .dockerignore excludes (Docker's rules: patterns in order, the
last match wins, ``!`` re-includes, a pattern matching a folder covers what is inside it).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _regex(pattern: str) -> re.Pattern[str]:
    """Translate one .dockerignore pattern (``*``, ``?``, ``**``) to a regular expression."""
    assert "[" not in pattern, "character classes are not modelled here"
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def ignore_rules(repo: Path = REPO) -> list[tuple[bool, re.Pattern[str]]]:
    """Return .dockerignore's rules in order as (excludes, pattern)."""
    rules = []
    for raw in (repo / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip().strip("/")
        rules.append((not negated, _regex(pattern)))
    return rules


def ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Say whether Docker leaves a file (path relative to the context) out of the context."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for excludes, pattern in rules:
        if any(pattern.match(prefix) for prefix in prefixes):
            excluded = excludes
    return excluded


def copy_sources(repo: Path = REPO) -> list[str]:
    """Return the sources of the Dockerfile's COPY lines (from the build context)."""
    sources: list[str] = []
    for line in (repo / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"]:
            assert not any(w.startswith("--from") for w in words), line
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def build_context(dest: Path, repo: Path = REPO) -> list[str]:
    """Copy into ``dest`` the files the COPY lines would copy; return their relative paths."""
    rules = ignore_rules(repo)
    copied = []
    for source in copy_sources(repo):
        root = repo / source
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            relative = path.relative_to(repo).as_posix()
            if ignored(relative, rules):
                continue
            (dest / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / relative)
            copied.append(relative)
    return copied
