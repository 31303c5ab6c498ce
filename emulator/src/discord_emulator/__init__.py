"""A local Discord (REST + gateway over loopback) for tests, demos and benchmarks.

Usage in a test (the ``emulator`` fixture comes with the package's pytest plugin)::

    async def test_ping(emulator):
        guild = emulator.create_guild("Test")
        client = make_my_bot()                      # any discord.Client / commands.Bot
        async with connect_client(emulator, client):
            await client.tree.sync(guild=discord.Object(guild.id))
            admin = emulator.add_admin(guild)
            result = await admin.run("/ping")       # options as keyword arguments
            assert result.content == "pong" and not result.ephemeral
        emulator.assert_clean()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clicks import ClickBurst
    from .connect import connect_client
    from .interaction import Interaction
    from .models import Attachment, Channel, Guild, Member, Message, Role, User
    from .people import Actor, CommandError, InteractionResult
    from .records import RequestRecord, Violation
    from .rules import DiscordError
    from .server import Emulator

#: Where each name lives: loaded on first use, so a client of the control API alone
#: (``discord_emulator.remote``) does not load the server, its spec checks and their imports.
_HOMES = {
    "ClickBurst": "clicks",
    "connect_client": "connect",
    "Interaction": "interaction",
    **dict.fromkeys(
        ("Attachment", "Channel", "Guild", "Member", "Message", "Role", "User"), "models"
    ),
    **dict.fromkeys(("Actor", "CommandError", "InteractionResult"), "people"),
    "DiscordError": "rules",
    "Emulator": "server",
    **dict.fromkeys(("RequestRecord", "Violation"), "records"),
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Actor",
    "Attachment",
    "Channel",
    "ClickBurst",
    "CommandError",
    "DiscordError",
    "Emulator",
    "Guild",
    "Interaction",
    "InteractionResult",
    "Member",
    "Message",
    "RequestRecord",
    "Role",
    "User",
    "Violation",
    "connect_client",
]
