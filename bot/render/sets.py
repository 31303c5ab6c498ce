"""Sets: /prediction sets."""

from __future__ import annotations

import discord

from bot.render.texts import cut, embed
from bot.snapshots.guilds import SetSnapshot

#: An embed holds at most this many sets as lines before the rest is summed up.
SHOWN = 25


def set_list(sets: tuple[SetSnapshot, ...]) -> discord.Embed:
    """Render the guild's sets: name, source, predictions, resolved, open polls."""
    lines = [
        f"**{cut(s.name, 100)}** · {cut(s.source, 60)}\n"
        f"└ {s.count} prediction{'s' if s.count != 1 else ''} · {s.resolved} resolved · "
        f"{s.open_polls} open poll{'s' if s.open_polls != 1 else ''}"
        for s in sets[:SHOWN]
    ]
    if len(sets) > SHOWN:
        lines.append(f"…and {len(sets) - SHOWN} more.")
    description = "\n".join(lines) if lines else "No sets yet: import one with /prediction import."
    total = sum(s.count for s in sets)
    return embed(
        "Prediction sets",
        description,
        footer=f"{len(sets)} set{'s' if len(sets) != 1 else ''} · {total} predictions",
    )
