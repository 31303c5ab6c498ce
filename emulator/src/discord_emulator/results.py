"""What the bot answered to a simulated person's interaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .interaction import Interaction
from .models import Attachment, Message
from .state import EmulatorState


def visible_to(msg: Message, user_id: int) -> bool:
    """Return whether a person sees a message (an ephemeral one: only its interaction's)."""
    who = msg.interaction_user
    return not msg.deleted and (not msg.ephemeral or (who is not None and who.id == user_id))


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
    def answer(self) -> Message | None:
        """Return the message the member saw as the answer.

        The response message (types 4 and 5), the updated message (7), or after a deferred
        update (6) its first follow-up if there is one, else the message clicked on.
        """
        inter = self.interaction
        if inter.response_type == 6 and inter.followups:
            return inter.followups[0]
        return inter.original

    @property
    def ephemeral(self) -> bool:
        """Return whether the answer is ephemeral (seen by the member who acted only)."""
        msg = self.answer
        return bool(msg is not None and msg.ephemeral)

    @property
    def content(self) -> str:
        """Return the answer's content."""
        return self.answer.content if self.answer else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Return the answer's embeds."""
        return self.answer.embeds if self.answer else []

    @property
    def components(self) -> list[dict[str, Any]]:
        """Return the answer's components."""
        return self.answer.components if self.answer else []

    @property
    def attachments(self) -> list[Attachment]:
        """Return the answer's attachments (with their bytes)."""
        return self.answer.attachments if self.answer else []

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """Return the answer's allowed_mentions."""
        return self.answer.allowed_mentions if self.answer else None

    def seen_by(self, person: Any) -> list[Message]:
        """Return the answer and follow-ups that `person` (an Actor, user or id) can see."""
        uid = person if isinstance(person, int) else int(getattr(person, "id", person))
        return [m for m in self.messages if visible_to(m, uid)]

    @property
    def failed(self) -> str | None:
        """Return "This interaction failed: <why>" once Discord would show it, else None."""
        return self.interaction.failure(self.emu.interaction_timeout)

    @property
    def ack_ms(self) -> float | None:
        """Return the time from the click or command to the first answer (any callback), in ms."""
        return self.interaction.latency_ms()["acknowledged"]

    @property
    def answer_ms(self) -> float | None:
        """Return the time to the final answer (a message, an update, or the one after a defer)."""
        return self.interaction.latency_ms()["answered"]

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
        """Wait until the bot acknowledges the interaction (or it failed: see `failed`)."""
        await self.emu.wait_for(
            lambda: self.interaction.response_type is not None or self.failed, timeout
        )
        return self

    async def wait_finished(self, timeout: float = 5.0) -> InteractionResult:  # noqa: ASYNC109
        """Wait until the bot answers for good (deferred responses must be edited/followed).

        Returns early when the interaction failed (no answer within the interaction timeout):
        check `failed`. Raises TimeoutError if neither happens within `timeout`.
        """
        await self.emu.wait_for(lambda: self.finished() or self.failed, timeout)
        return self

    async def wait_followups(self, count: int, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        """Wait until at least `count` follow-ups were sent."""
        await self.emu.wait_for(lambda: len(self.interaction.followups) >= count, timeout)
        return self.followups
