"""The README's example test runs as written, against the `emulator` fixture."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from discord_emulator import Emulator

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> dict[str, Any]:
    """Execute the README's Python block and return what it defines."""
    (block,) = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    namespace: dict[str, Any] = {}
    exec(compile(block, str(README), "exec"), namespace)
    return namespace


async def test_the_readme_example_passes(emulator: Emulator) -> None:
    await readme_example()["test_ping"](emulator)
    # It really went through the bot: one slash command, answered "pong" by the callback.
    (interaction,) = emulator.interactions.values()
    assert interaction.response_type == 4 and interaction.original is not None
    assert interaction.original.content == "pong" and interaction.original.ephemeral
    (said,) = [m for m in emulator.messages_by_id.values() if m.content == "hello"]
    assert emulator.reactions(said) == {"👍": {said.author.id}}
