"""What the bot answered to a simulated person's interaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .interaction import Interaction
from .models import Attachment, Message
from .state import EmulatorState


@dataclass
class InteractionResult:
    """What the bot answered to an interaction (live view: later edits show up)."""

    emu: EmulatorState
    interaction: Interaction

    @property
    def response_type(self) -> int | None:
        """Return the callback type (4 message, 5 deferred, 6/7 update, 8 autocomplete, 9 modal)."""
        return self.interaction.response_type

    @property
    def deferred(self) -> bool:
        """Return whether the bot deferred (type 5 or 6)."""
        return self.interaction.response_type in (5, 6)

    @property
    def message(self) -> Message | None:
        """Return the original response message (or the updated message for type 7)."""
        return self.interaction.original

    @property
    def followups(self) -> list[Message]:
        """Return follow-up messages, in order."""
        return list(self.interaction.followups)

    @property
    def messages(self) -> list[Message]:
        """Return the original response and follow-ups without duplicates."""
        out: list[Message] = []
        for m in [self.interaction.original, *self.interaction.followups]:
            if m is not None and m not in out:
                out.append(m)
        return out

    @property
    def ephemeral(self) -> bool:
        """Return whether the response message is ephemeral."""
        msg = self.message
        return bool(msg is not None and msg.ephemeral)

    @property
    def content(self) -> str:
        """Return the response message content."""
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Return the response message embeds."""
        return self.message.embeds if self.message else []

    @property
    def components(self) -> list[dict[str, Any]]:
        """Return the response message components."""
        return self.message.components if self.message else []

    @property
    def attachments(self) -> list[Attachment]:
        """Return the response message attachments (with their bytes)."""
        return self.message.attachments if self.message else []

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """Return the response message allowed_mentions."""
        return self.message.allowed_mentions if self.message else None

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Return autocomplete choices."""
        return self.interaction.choices or []

    @property
    def modal(self) -> dict[str, Any] | None:
        """Return the modal the bot opened, if any."""
        return self.interaction.modal

    def finished(self) -> bool:
        """Return whether the bot has given a final answer (not just a deferral)."""
        inter = self.interaction
        if inter.response_type is None:
            return False
        if inter.response_type in (5, 6):
            return inter.original_edited or bool(inter.followups) or inter.original_deleted
        return True

    async def wait_answered(self, timeout: float = 5.0) -> InteractionResult:  # noqa: ASYNC109
        """Wait until the bot acknowledges the interaction."""
        await self.emu.wait_for(lambda: self.interaction.response_type is not None, timeout)
        return self

    async def wait_finished(self, timeout: float = 5.0) -> InteractionResult:  # noqa: ASYNC109
        """Wait until the bot answers for good (deferred responses must be edited/followed)."""
        await self.emu.wait_for(self.finished, timeout)
        return self

    async def wait_followups(self, count: int, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        """Wait until at least `count` follow-ups were sent."""
        await self.emu.wait_for(lambda: len(self.interaction.followups) >= count, timeout)
        return self.followups
