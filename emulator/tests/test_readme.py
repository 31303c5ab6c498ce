"""The README's example test runs as written, against the `emulator` fixture."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from discord_emulator import Emulator

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example(index: int = 0) -> dict[str, Any]:
    """Execute one of the README's Python blocks and return what it defines."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2  # the first test, and buttons
    namespace: dict[str, Any] = {}
    exec(compile(blocks[index], str(README), "exec"), namespace)
    return namespace


async def test_the_readme_example_passes(emulator: Emulator) -> None:
    await readme_example()["test_ping"](emulator)
    # It really went through the bot: one slash command, answered "pong" by the callback.
    (interaction,) = emulator.interactions.values()
    assert interaction.response_type == 4 and interaction.original is not None
    assert interaction.original.content == "pong" and interaction.original.ephemeral
    (said,) = [m for m in emulator.messages_by_id.values() if m.content == "hello"]
    assert emulator.reactions(said) == {"👍": {said.author.id}}


async def test_the_readme_buttons_example_passes(emulator: Emulator) -> None:
    await readme_example(1)["test_vote_button"](emulator)
    # One click answered privately by the bot, then one that failed with nobody connected.
    answered, failed = emulator.interactions.values()
    assert answered.type == 3 and answered.payload["data"]["custom_id"] == "vote:yes"
    assert answered.original is not None and answered.original.ephemeral
    assert failed.response_type is None and not failed.connected
