"""Hostile input through the emulator: odd digits, malformed imports, cooldowns, public reasons."""

from __future__ import annotations

import logging

import pytest

from bot.emulator import InteractionResult
from tests.bot.conftest import World

#: Digits that pass str.isdigit() but are not ASCII: superscript, circled, Arabic-Indic, fullwidth.
ODD_DIGITS = ("²", "①", "٣", "３", "#²", "1²")


def answer(result: InteractionResult) -> str:
    """Return the final text the person saw."""
    return result.messages[-1].content


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the log records that carry a traceback or an error."""
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


# -- prediction numbers: ASCII digits only -------------------------------------------------


async def test_non_ascii_digits_get_a_clear_answer_and_autocomplete_answers(
    live: World, caplog: pytest.LogCaptureFixture
) -> None:
    member = live.members[0]
    caplog.set_level(logging.WARNING)
    for typed in ODD_DIGITS:
        for command in ("/prediction show", "/poll results"):
            result = await live.run(member, command, prediction=typed)
            assert result.ephemeral, (command, typed)
            assert answer(result) == (
                f"'{typed}' is not a prediction number: use the digits 0-9, or pick one "
                "from the list."
            ), (command, typed, answer(result))
        choices = await member.autocomplete("/prediction show", "prediction", prediction=typed)
        assert choices == [], typed
    # ASCII digits still work, with or without '#'.
    shown = await live.run(member, "/prediction show", prediction="#9")
    assert shown.embeds[0]["title"] == "#9 · Increased Use of AI Agents"
    assert not tracebacks(caplog), caplog.text
