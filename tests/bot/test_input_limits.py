"""Hostile input through the emulator: odd digits, malformed imports, cooldowns, public reasons."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from discord_emulator import InteractionResult

from bot.domain.clock import FrozenClock
from bot.domain.cooldowns import COOLDOWN, Cooldowns
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
            SET + "x = " + "[" * 3000 + "]" * 3000 + "\n",
            "deep.toml:7: arrays or tables are nested too deeply",
        ),
        (
            "wide.toml",
            SET + "x = " + "[" * 20_000 + "\n",
            "wide.toml:0: 20,007 keys, values and brackets; a set file may have at most 4,000",
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


# -- cooldowns on the heavy read commands ---------------------------------------------------


async def test_heavy_commands_allow_one_use_per_member_every_five_seconds(world: World) -> None:
    async with world.running(cooldown=COOLDOWN):
        member, other = world.members[0], world.members[1]
        for command in ("/leaderboard", "/stats", "/scorecard"):
            first = await world.run(member, command, image=False)
            assert first.embeds and not first.ephemeral, command
            again = await world.run(member, command, image=False)
            assert again.ephemeral, command
            assert answer(again) == f"Slow down: try {command} again in 5 s.", answer(again)
            # Someone else, or another heavy command, is not held up.
            assert (await world.run(other, command, image=False)).embeds, command
        world.clock.advance(timedelta(seconds=3))
        waiting = await world.run(member, "/leaderboard", image=False)
        assert answer(waiting) == "Slow down: try /leaderboard again in 2 s."
        world.clock.advance(timedelta(seconds=2))
        assert (await world.run(member, "/leaderboard", image=False)).embeds
        # Light commands have no cooldown.
        for _ in range(3):
            assert (await world.run(member, "/prediction show", prediction="1")).embeds


def test_cooldowns_forget_old_uses_and_count_whole_seconds() -> None:
    clock = FrozenClock(datetime(2025, 11, 3, 9, tzinfo=UTC))
    cooldowns = Cooldowns(clock, timedelta(seconds=5))
    assert cooldowns.wait(1, 2, "stats") == 0
    clock.advance(timedelta(seconds=4, milliseconds=100))
    assert cooldowns.wait(1, 2, "stats") == 1
    assert cooldowns.wait(3, 2, "stats") == 0  # another server
    clock.advance(timedelta(seconds=1))
    assert cooldowns.wait(1, 2, "stats") == 0


# -- dispute reasons are public --------------------------------------------------------------


async def test_the_dispute_command_says_its_reason_is_public(live: World) -> None:
    (dispute,) = [
        option
        for command in live.emu.registered_commands()
        if command["name"] == "prediction"
        for option in command["options"]
        if option["name"] == "dispute"
    ]
    assert "public in /prediction show" in dispute["description"]
    reason = next(o for o in dispute["options"] if o["name"] == "reason")
    assert "shown to everyone in /prediction show" in reason["description"]
    resolved = await live.run(
        live.admin, "/prediction resolve", prediction="1", outcome="came_true"
    )
    assert "resolved" in answer(resolved).lower(), answer(resolved)
    filed = await live.run(live.members[0], "/prediction dispute", prediction="1", reason="No.")
    assert filed.ephemeral
    assert answer(filed) == (
        "Your dispute of #1 (resolved came true) is with the admins. "
        "Your reason is shown to everyone in /prediction show."
    )
    shown = await live.run(live.members[1], "/prediction show", prediction="1")
    assert "No." in str(shown.embeds[0]["fields"])
