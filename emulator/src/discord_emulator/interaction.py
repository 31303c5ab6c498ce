"""An interaction sent to the bot and everything the bot answered to it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .models import Message, User


@dataclass
class Interaction:
    """An interaction sent to the bot and everything the bot answered."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user: User
    payload: dict[str, Any]
    #: When it was made and dispatched, first acknowledged, and answered for good (monotonic).
    created: float = field(default_factory=time.monotonic)
    acknowledged_at: float | None = None
    answered_at: float | None = None
    response_type: int | None = None
    response_data: dict[str, Any] | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    source_message: Message | None = None
    original_edited: bool = False
    original_deleted: bool = False
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    acknowledged_late: bool = False
    parent: Interaction | None = None
    #: Whether a bot session had a live gateway connection when it was dispatched.
    connected: bool = True

    def failure(self, timeout: float) -> str | None:
        """Return why the member was shown "This interaction failed", or None (not, or not yet).

        Discord shows it when no acknowledgement came within `timeout` (3 s): the bot was
        down, did not answer, or answered too late (its answer got 10062 Unknown interaction).
        """
        if self.response_type is not None or time.monotonic() - self.created <= timeout:
            return None
        if self.acknowledged_late:
            why = f"the bot answered after {timeout:g} s and got 10062 Unknown interaction"
        elif not self.connected:
            why = "no bot was connected to the gateway to receive it"
        else:
            why = f"the bot did not answer within {timeout:g} s"
        return f"This interaction failed: {why}"

    def answered(self) -> None:
        """Note the first final answer (a message, or the edit or follow-up after a deferral)."""
        if self.answered_at is None:
            self.answered_at = time.monotonic()

    def latency_ms(self) -> dict[str, float | None]:
        """Return how long after the dispatch the bot acknowledged and answered, in ms."""

        def since(at: float | None) -> float | None:
            return None if at is None else (at - self.created) * 1000

        return {"acknowledged": since(self.acknowledged_at), "answered": since(self.answered_at)}

    def metadata(self) -> dict[str, Any]:
        """Return the ``interaction_metadata`` object of messages answering this interaction."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "user": self.user.to_dict(),
            "authorizing_integration_owners": {"0": str(self.guild_id or 0)},
        }
        if self.type == 3 and self.source_message is not None:
            data["interacted_message_id"] = str(self.source_message.id)
        if self.type == 5:
            parent = self.parent
            data["triggering_interaction_metadata"] = (
                parent.metadata()
                if parent is not None and parent.type in (2, 3)
                else {
                    "id": str(self.id),
                    "type": 2,
                    "user": self.user.to_dict(),
                    "authorizing_integration_owners": {"0": str(self.guild_id or 0)},
                }
            )
        return data
