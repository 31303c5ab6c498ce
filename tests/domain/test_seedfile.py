"""Seed files: the shipped set, the markdown import, and malformed files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.errors import SeedFileError
from bot.domain.seedfile import load, parse_markdown, parse_toml
from tests.conftest import SHARED

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "llm-predictions-2025.toml"
DOCUMENT = SHARED / "seeds" / "000_aae36bcc65afa03f.txt"


def test_shipped_set_has_the_ten_gpt4o_predictions() -> None:
    seed = load(SEED)
    assert len(seed.predictions) == 10
    assert [p.key for p in seed.predictions] == [str(n) for n in range(1, 11)]
    assert seed.predictions[0].title == "Commoditization of Base-Level LLMs"
    assert seed.predictions[9].title == "Wider Adoption Across Industries"
    for p in seed.predictions:
        assert p.source == "GPT-4o"
        assert p.made_on == date(2024, 11, 20)
        assert p.due == date(2025, 12, 31)


def test_shipped_set_matches_the_source_document() -> None:
    if not DOCUMENT.exists():
        pytest.skip(f"source document not found at {DOCUMENT}")
    from_document = parse_markdown(DOCUMENT.read_text(encoding="utf-8"), str(DOCUMENT))
    shipped = load(SEED)
    assert from_document.key == shipped.key
    assert from_document.predictions == shipped.predictions


MARKDOWN = """---
title: "Predictions For 2026"
---

01-Dec-25

Model: Claude

## 1. **First thing**
It will happen.
Really.

## 2. **Second thing**
Also this.
"""


def test_markdown_import_reads_the_document_format() -> None:
    seed = parse_markdown(MARKDOWN, "p.md")
    assert seed.key == "predictions-for-2026"
    assert [(p.title, p.statement) for p in seed.predictions] == [
        ("First thing", "It will happen. Really."),
        ("Second thing", "Also this."),
    ]
    assert seed.predictions[0].source == "Claude"
    assert seed.predictions[0].made_on == date(2025, 12, 1)
    assert seed.predictions[0].due == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (
            MARKDOWN.replace("## 2. **Second thing**", "## 3. **Second thing**"),
            13,
            "expected prediction 2",
        ),
        (MARKDOWN.replace("## 2. **Second thing**", "## 2. Second thing"), 13, "bold"),
        (MARKDOWN.replace("Also this.\n", ""), 13, "no paragraph"),
        (MARKDOWN.replace("Model: Claude\n", ""), 1, "no source"),
        ("# nothing here\n", 1, "no predictions"),
        (MARKDOWN.replace("First thing", "x" * 101), 9, "limit is 100"),
    ],
)
def test_malformed_markdown_names_line_and_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(SeedFileError) as caught:
        parse_markdown(text, "p.md")
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"p.md:{line}: ")


TOML = """[set]
key = "x"
name = "X"
source = "S"
made_on = 2025-01-01
due = 2025-12-31

[[predictions]]
key = "a"
title = "A"
statement = "a"

[[predictions]]
key = "b"
title = "B"
statement = "b"
due = 2024-01-01
"""


def test_malformed_toml_names_line_and_reason() -> None:
    with pytest.raises(SeedFileError) as caught:
        parse_toml(TOML, "s.toml")
    assert caught.value.line == 13
    assert "before the date it was made" in caught.value.reason
    with pytest.raises(SeedFileError) as syntax:
        parse_toml("[set]\nkey = \n", "s.toml")
    assert syntax.value.line == 2
    with pytest.raises(SeedFileError, match="duplicate key 'a'"):
        parse_toml(TOML.replace('key = "b"', 'key = "a"').replace("due = 2024-01-01", ""), "s.toml")


def test_unreadable_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(SeedFileError, match="can't read"):
        load(tmp_path / "missing.toml")
    other = tmp_path / "x.csv"
    other.write_text("a,b")
    with pytest.raises(SeedFileError, match="unknown file type"):
        load(other)
