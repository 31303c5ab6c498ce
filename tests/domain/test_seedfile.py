"""Seed files: the shipped set, the markdown import, and malformed files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.errors import SeedFileError
from bot.domain.seedfile import (
    MAX_BYTES,
    MAX_PREDICTIONS,
    load,
    parse_bytes,
    parse_csv,
    parse_markdown,
    parse_toml,
)
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
        (MARKDOWN.replace("Also this.\n", ""), 13, "no paragraph"),
        (MARKDOWN.replace("Model: Claude\n", ""), 1, "missing source"),
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
    other = tmp_path / "x.xlsx"
    other.write_text("a,b")
    with pytest.raises(SeedFileError, match=r"unknown file type: use \.toml, \.md or \.csv"):
        load(other)


CSV = """title,statement,source,made_on,due,criteria,key
"Quoted, with comma","Line one
line two",Ada,2025-01-02,2025-12-31,,first
Plain,Text.,Ada,2025-01-02,2026-06-30,A permit.,
"""


def test_csv_reads_quoted_multiline_cells_and_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "My Set.csv"
    path.write_text(CSV, encoding="utf-8")
    seed = load(path)
    assert (seed.key, seed.name) == ("my-set", "my-set")
    first, second = seed.predictions
    assert (first.key, first.title, first.statement, first.criteria) == (
        "first",
        "Quoted, with comma",
        "Line one\nline two",
        None,
    )
    assert (second.key, second.due, second.criteria) == ("2", date(2026, 6, 30), "A permit.")
    assert parse_bytes(b"\xef\xbb\xbf" + CSV.encode(), "x.csv").predictions == seed.predictions


ROW = "T,S,Src,2025-01-01,2025-12-31\n"
HEAD = "title,statement,source,made_on,due\n"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "empty file"),
        (HEAD, 1, "no predictions under the header row"),
        ("title,statement\n" + ROW, 1, "missing source, made_on, due: add the column(s)"),
        ("statement,source,made_on,due\n" + ROW, 1, "missing column(s): title"),
        ("title,title,statement,source,made_on,due\n", 1, "a column is named twice"),
        (HEAD + ROW + "T,S,Src\n", 3, "3 cells; the header has 5 columns"),
        (HEAD + ROW + "T,S,Src,2025-01-01,2025-13-01\n", 3, "'due' is missing or not a date"),
        (HEAD + ROW + ",S,Src,2025-01-01,2025-12-31\n", 3, "The title can't be empty."),
        (HEAD + '"T,S\n', 2, "not valid CSV"),
        ("key," + HEAD + "a," + ROW + "a," + ROW, 3, "duplicate key 'a'"),
        ("key," + HEAD + "A B," + ROW, 2, "key 'A B' must be lowercase"),
    ],
)
def test_malformed_csv_names_line_and_reason(text: str, line: int, reason: str) -> None:
    with pytest.raises(SeedFileError) as caught:
        parse_csv(text, "s.csv")
    assert caught.value.line == line
    assert reason in caught.value.reason


def test_huge_or_overlong_files_are_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(SeedFileError, match="the limit is 262,144 bytes"):
        load(big)
    many = HEAD + ROW * (MAX_PREDICTIONS + 1)
    with pytest.raises(SeedFileError, match=f"more than {MAX_PREDICTIONS} predictions"):
        parse_bytes(many.encode(), "many.csv")
    markdown = "Model: X\n20-Nov-25\n\n" + "".join(
        f"## {n}. **P{n}**\nText.\n\n" for n in range(1, MAX_PREDICTIONS + 2)
    )
    with pytest.raises(SeedFileError, match=f"{3 + 3 * MAX_PREDICTIONS + 1}: more than 200 pred"):
        parse_bytes(markdown.encode(), "many.md")  # stops at the 201st heading
    assert len(parse_bytes((HEAD + ROW * MAX_PREDICTIONS).encode(), "ok.csv").predictions) == 200
    with pytest.raises(SeedFileError, match="not UTF-8") as caught:
        parse_bytes(HEAD.encode() + ROW.encode() + b"caf\xe9,S,R,2025-01-01,2025-12-31\n", "x.csv")
    assert caught.value.line == 3
