"""Hostile set files: malformed TOML answers in one line, and no file costs much more to parse."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable

import pytest

from bot.domain.errors import SeedFileError
from bot.domain.seedfile import MAX_BYTES, MAX_PREDICTIONS, parse_bytes
from bot.domain.seedtoml import MAX_LINES as MAX_TOML_LINES

SET = '[set]\nkey = "s"\nname = "S"\nsource = "Ada"\nmade_on = 2025-01-01\ndue = 2025-12-31\n'


def refusal(filename: str, text: str) -> str:
    """Return the one-line refusal of a file, failing if it was accepted."""
    with pytest.raises(SeedFileError) as caught:
        parse_bytes(text.encode(), filename)
    message = caught.value.message
    assert len(message.splitlines()) == 1, message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "predictions = [1, 2]\n" + SET,
            "s.toml:1: predictions[1]: expected a table, got a number",
        ),
        (
            SET + '[[predictions]]\ntitle = "T"\nstatement = "S"\n\n[[predictions]]\ntitle = 5\n',
            "s.toml:11: predictions[2].title: expected text, got a number",
        ),
        (
            SET + '[[predictions]]\ntitle = "T"\nstatement = ["S"]\n',
            "s.toml:7: predictions[1].statement: expected text, got an array",
        ),
        (
            SET + '[[predictions]]\ntitle = "T"\nstatement = "S"\ncriteria = {a = 1}\n',
            "s.toml:7: predictions[1].criteria: expected text, got a table",
        ),
        (
            SET + '[[predictions]]\ntitle = "T"\nstatement = "S"\nkey = true\n',
            "s.toml:7: predictions[1].key: expected text, got true/false",
        ),
        (
            SET + '[[predictions]]\ntitle = "T"\nstatement = "S"\ndue = 12:00:00\n',
            "s.toml:7: predictions[1].due: expected a date (YYYY-MM-DD), got a time",
        ),
        (
            SET.replace('source = "Ada"', "source = 1.5")
            + '[[predictions]]\ntitle = "T"\nstatement = "S"\n',
            "s.toml:1: set.source: expected text, got a number",
        ),
        ('set = [1]\n[[predictions]]\ntitle = "T"\n', "s.toml:1: missing the [set] table"),
        (
            'predictions = "all"\n' + SET,
            "s.toml:1: predictions: expected an array of tables, got text",
        ),
    ],
)
def test_wrong_types_in_toml_name_the_place_in_one_line(
    text: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert refusal("s.toml", text).startswith(expected)
    assert not caplog.records


@pytest.mark.parametrize(
    "nested",
    [
        "x = " + "[" * 3000 + "]" * 3000 + "\n",
        "x = " + "[" * 3900 + "\n",
        "x = " + "{a = " * 1900 + "1" + "}" * 1900 + "\n",
        "x = " + "[1, " * 1900 + "\n",
    ],
)
def test_deeply_nested_toml_is_refused_in_one_line(
    nested: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message = refusal("deep.toml", SET + nested)
    assert message == "deep.toml:7: arrays or tables are nested too deeply", message
    assert not caplog.records
    assert sys.getrecursionlimit() < 10_000  # the refusal did not come from raising the limit


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("x = " + "[" * 100_000 + "\n", "100,007 keys, values and brackets; a set file may have"),
        ("x = [" + "1," * 5000 + "]\n", "5,008 keys, values and brackets"),
        ("".join(f"k{n} = 1\n" for n in range(5000)), "5,006 keys, values and brackets"),
        ("#\n" * 20_000, "20,006 lines outside strings; a set file may have at most 10,000"),
    ],
)
def test_toml_with_far_more_tokens_than_a_set_needs_is_refused_before_parsing(
    shape: str, expected: str
) -> None:
    assert refusal("big.toml", SET + shape).startswith(f"big.toml:0: {expected}")


def test_strings_and_comments_do_not_count_against_the_toml_budget() -> None:
    item = '[[predictions]]\ntitle = "T"\nstatement = """a = [b, {c}\n""" # = [ { ,\n'
    seed = parse_bytes((SET + item * 200 + "#, = [\n" * 3000).encode(), "ok.toml")
    assert len(seed.predictions) == 200


def test_too_many_toml_predictions_stop_before_any_is_built() -> None:
    item = '[[predictions]]\ntitle = "T"\nstatement = "S"\n'
    text = SET + item * (MAX_PREDICTIONS + 1)
    assert refusal("many.toml", text) == (
        f"many.toml:{7 + 3 * MAX_PREDICTIONS}: more than {MAX_PREDICTIONS} predictions in the file"
    )
    inline = "predictions = [" + '{title = "T", statement = "S"}, ' * 250 + "]\n" + SET
    assert "more than 200 predictions" in refusal("inline.toml", inline)


# -- cost: linear in the file, never many times a valid file of the same size ----------------

HEAD = "Model: X\n20-Nov-25\n\n"
SPACES = " " * 1400
CSV_HEAD = "title,statement,source,made_on,due\n"


def cpu_seconds(data: bytes, filename: str) -> float:
    """Return the least CPU time of five parses of a file, accepted or refused."""
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        with contextlib.suppress(SeedFileError):
            parse_bytes(data, filename)
        best = min(best, time.process_time() - start)
    return best


def items(line: Callable[[int], str], head: str = HEAD) -> str:
    """Return as many items as fit under the size limit (the parser stops at 201 anyway)."""
    out, n = [head], 1
    size = len(head)
    while size + len(line(n).encode()) <= MAX_BYTES and n <= MAX_PREDICTIONS + 1:
        out.append(line(n))
        size += len(out[-1].encode())
        n += 1
    return "".join(out)


def valid_twin(suffix: str, size: int, lines: int) -> bytes:
    """Return a valid 200-prediction file of about ``size`` bytes and at least ``lines`` lines."""
    if suffix == ".toml":
        lines = min(lines, MAX_TOML_LINES - 100)
    notes = max(0, lines - 3 - 3 * MAX_PREDICTIONS) // MAX_PREDICTIONS
    mark = "\n" if 2 * lines > size else "n\n"  # a blank line, or a line of notes
    note = mark * notes if suffix == ".md" else "#\n" * notes if suffix == ".toml" else ""
    overhead = {".md": 40, ".csv": 40, ".toml": 60}[suffix] + len(note)
    width = max(1, min(900, (size - 200) // MAX_PREDICTIONS - overhead))
    text = "w" * width
    if suffix == ".md":
        body = "".join(f"## {n}. **Title {n}**\n{text}\n\n{note}" for n in range(1, 201))
        return (HEAD + body).encode()
    if suffix == ".csv":
        rows = "".join(f"T{n},{text},Ada,2025-01-02,2025-12-31\n" for n in range(1, 201))
        return (CSV_HEAD + rows).encode()
    body = "".join(
        f'[[predictions]]\ntitle = "T{n}"\nstatement = "{text}"\n{note}' for n in range(1, 201)
    )
    return (SET + body).encode()


HOSTILE = {
    "spaces_in_titles.md": items(lambda n: f"- a{SPACES}b: c\n"),
    "spaces_in_headings.md": items(lambda n: f"## {n}. a{SPACES}b\nText.\n"),
    "spaces_in_numbered.md": items(lambda n: f"{n}. a{SPACES}b: c\n"),
    "spaces_after_bold.md": items(lambda n: f"- **a**{SPACES}: b{SPACES}c\n"),
    "spaces_in_meta.md": f"Model:{SPACES}x\nDue:{SPACES}x\n" * 80 + "- a: b\n",
    "many_bullets.md": HEAD + "- a: b\n" * 40_000,
    "many_headings.md": HEAD + "## 1. a\nb\n" * 30_000,
    "many_stray_headings.md": HEAD + "## 1. a\nb\n" + "## x\n" * 50_000,
    "many_title_only_items.md": HEAD + "1. a\n" * 60_000,
    "deep_emphasis.md": items(lambda n: "- " + "**" * 700 + ": b\n"),
    "unclosed_emphasis.md": items(lambda n: "- **" + "a_" * 700 + ": b\n"),
    "huge_lines.md": items(lambda n: f"- a: {'x ' * 740}\n"),
    "long_paragraph.md": HEAD + "- a\n" + "b\n" * 120_000,
    "blank_lines.md": HEAD + "- a\n" + "\n" * 200_000 + "b\n",
    "blank_rows.csv": CSV_HEAD + "\n" * 200_000,
    "empty_cells.csv": CSV_HEAD + ",,,,\n" * 50_000,
    "commas.csv": CSV_HEAD + ("," * 1400 + "\n") * 170,
    "quotes.csv": CSV_HEAD + '"' + '""' * 120_000 + '"\n',
    "comments.toml": SET + "#\n" * 120_000,
    "spaces.toml": SET + (SPACES + "\n") * 170 + '[[predictions]]\ntitle="a"\nstatement="b"\n',
    "arrays.toml": SET + "x = [" + "1," * 120_000 + "]\n",
    "keys.toml": SET + "".join(f"k{n}=1\n" for n in range(40_000)),
    "nested.toml": SET + "x = " + "[" * 200_000,
    "unclosed_strings.toml": SET + ('"\\"' * 400 + "\n") * 170,
    "escapes.toml": SET + '[[predictions]]\ntitle="a"\nstatement="' + "\\u0041" * 40_000 + '"\n',
}


@pytest.mark.parametrize("filename", sorted(HOSTILE))
def test_no_file_costs_much_more_than_a_valid_one_of_the_same_size(filename: str) -> None:
    data = HOSTILE[filename].encode()[:MAX_BYTES]
    suffix = filename[filename.index(".") :]
    twin = valid_twin(suffix, len(data), data.count(b"\n"))
    assert len(parse_bytes(twin, "twin" + suffix).predictions) == MAX_PREDICTIONS
    hostile, valid = cpu_seconds(data, filename), cpu_seconds(twin, "twin" + suffix)
    # Generous, so a busy machine can't make it flaky: main took 100 to 2,000 times as long.
    assert hostile < 5 * max(valid, 0.002), (filename, hostile, valid)


@pytest.mark.parametrize("digit", ["²", "①", "٣", "３"])
def test_markdown_numbers_are_ascii_digits_only(digit: str) -> None:
    text = f"Model: X\n20-Nov-25\n\n## 1. **One**\nText.\n\n## {digit}. **Two**\nText.\n"
    assert refusal("odd.md", text) == "odd.md:7: expected '## N. Title'"
    listed = f"Model: X\n20-Nov-25\n\n{digit}. **One**: text\n"
    assert refusal("odd.md", listed).startswith("odd.md:1: no predictions found")
