"""Hostile set files: malformed TOML answers in one line, and no file costs much more to parse."""

from __future__ import annotations

import logging
import sys

import pytest

from bot.domain.errors import SeedFileError
from bot.domain.seedfile import MAX_PREDICTIONS, parse_bytes

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
        "x = " + "[" * 5000 + "]" * 5000 + "\n",
        "x = " + "[" * 100_000 + "\n",
        "x = " + "{a = " * 20_000 + "1" + "}" * 20_000 + "\n",
        "x = " + "[1, " * 30_000 + "\n",
    ],
)
def test_deeply_nested_toml_is_refused_in_one_line(
    nested: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message = refusal("deep.toml", SET + nested)
    assert message.startswith("deep.toml:7: "), message
    assert "nested" in message or "not valid TOML" in message, message
    assert not caplog.records
    assert sys.getrecursionlimit() < 10_000  # the refusal did not come from raising the limit


def test_too_many_toml_predictions_stop_before_any_is_built() -> None:
    item = '[[predictions]]\ntitle = "T"\nstatement = "S"\n'
    text = SET + item * (MAX_PREDICTIONS + 1)
    assert refusal("many.toml", text) == (
        f"many.toml:{7 + 3 * MAX_PREDICTIONS}: more than {MAX_PREDICTIONS} predictions in the file"
    )
    inline = "predictions = [" + '{title = "T", statement = "S"}, ' * 5000 + "]\n" + SET
    assert "more than 200 predictions" in refusal("inline.toml", inline)
