"""A local Discord (REST + gateway over loopback) for tests, demos and benchmarks.

Usage in a test (``emulator`` comes from ``bot.emulator.pytest_plugin``)::

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

from .connect import connect_client
from .interaction import Interaction
from .models import Attachment, Channel, Guild, Member, Message, Role, User
from .people import Actor, CommandError, InteractionResult
from .rules import DiscordError
from .server import Emulator, RequestRecord, Violation

__all__ = [
    "Actor",
    "Attachment",
    "Channel",
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
