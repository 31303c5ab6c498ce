"""Find the files shipped with the bot, in a wheel install and in a checkout alike."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def seed_path(name: str) -> Path:
    """Return a shipped seed file: ``bot/seeds/`` in a wheel, the top-level ``seeds/`` otherwise."""
    packaged = _HERE / "seeds" / name  # pyproject maps seeds/ to the package data `bot.seeds`
    return packaged if packaged.is_file() else _HERE.parent / "seeds" / name


#: The default set: seeded into each new server, and `calledit seed` without --file.
DEFAULT_SEED = seed_path("llm-predictions-2025.toml")
