"""A local Discord (REST + gateway over loopback) for tests, demos and benchmarks."""

from .models import Attachment, Channel, Guild, Interaction, Member, Message, Role, User
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
]
