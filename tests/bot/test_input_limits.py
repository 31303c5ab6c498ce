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


# -- imports: malformed TOML answers in one line, never with a traceback --------------------

SET = '[set]\nkey = "s"\nname = "S"\nsource = "Ada"\nmade_on = 2025-01-01\ndue = 2025-12-31\n'


async def test_malformed_toml_imports_answer_one_line_without_a_traceback(
    live: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    for filename, text, expected in [
        (
            "types.toml",
            "predictions = [1, 2]\n" + SET,
            "types.toml:1: predictions[1]: expected a table, got a number",
        ),
        (
            "title.toml",
            SET + '[[predictions]]\ntitle = ["T"]\nstatement = "S"\n',
            "title.toml:7: predictions[1].title: expected text, got an array",
        ),
        (
            "deep.toml",
            SET + "x = " + "[" * 20_000 + "]" * 20_000 + "\n",
            "deep.toml:7: arrays or tables are nested too deeply",
        ),
    ]:
        caplog.clear()
        result = await live.run(
            live.admin, "/prediction import", file=live.emu.upload(filename, text.encode())
        )
        assert result.ephemeral, filename
        assert answer(result) == expected, (filename, answer(result))
        assert not tracebacks(caplog), (filename, caplog.text[:2000])
        assert len(caplog.text.splitlines()) < 20, filename
    assert len(await live.services.predictions.search(live.guild.id, "")) == 10
