"""What a person does with message components: click buttons, pick in selects, fill modals.

As in the Discord client, a person can only use what they see: a component of a message
they can read (an ephemeral message only by the member it was shown to), not disabled, and
not a link button (that opens its URL without telling the bot). A click is dispatched as
INTERACTION_CREATE type 3 with the message object, the member with roles and permissions,
``app_permissions``, the locale and a token; the bot has `interaction_timeout` (3 s) to answer,
or the result says `failed`.
"""

from __future__ import annotations

from typing import Any

from . import permissions as P
from .models import Channel, Guild, Message, User
from .results import InteractionResult, visible_to
from .rules import LINK_STYLE
from .state import EmulatorState


class CommandError(LookupError):
    """A person tried something the Discord client would not let them do."""


class Clicker:
    """Component use by a person (mixed into Actor)."""

    emu: EmulatorState
    guild: Guild
    user: User

    def _seen_message(self, message: Any) -> Message:
        """Return the message if this person can see it in the client, else raise."""
        msg = message if isinstance(message, Message) else self.emu.message(message)
        if msg.deleted:
            raise CommandError(f"message {msg.id} was deleted")
        if not visible_to(msg, self.user.id):
            raise CommandError(
                f"message {msg.id} is ephemeral: only the member it answered sees it"
            )
        ch = self.emu.channels[msg.channel_id]
        if ch.guild_id is not None and not (
            self.emu.permissions_for(ch, self.user) & (P.VIEW_CHANNEL | P.ADMINISTRATOR)
        ):
            raise CommandError(f"{self.user.username} cannot see channel {ch.id}")
        return msg

    def _component(self, msg: Message, custom_id: str) -> dict[str, Any]:
        def walk(items: list[dict[str, Any]]) -> dict[str, Any] | None:
            for c in items:
                if c.get("custom_id") == custom_id:
                    return c
                for child in [*(c.get("components") or []), c.get("component"), c.get("accessory")]:
                    if isinstance(child, dict):
                        found = walk([child])
                        if found is not None:
                            return found
            return None

        comp = walk(msg.components)
        if comp is None:
            ids = sorted(_custom_ids(msg.components))
            raise CommandError(f"message {msg.id} has no component {custom_id!r} (has {ids})")
        if comp.get("disabled"):
            raise CommandError(f"component {custom_id!r} is disabled")
        if comp.get("type") == 2 and comp.get("style") == LINK_STYLE:
            raise CommandError(f"button {custom_id!r} is a link: it opens a URL, not the bot")
        return comp

    def _dispatch(self, msg: Message, data: dict[str, Any]) -> InteractionResult:
        ch: Channel = self.emu.channels[msg.channel_id]
        inter = self.emu.new_interaction(self, 3, data, ch, msg)
        return InteractionResult(self.emu, inter)

    def start_click(self, message: Any, custom_id: str) -> InteractionResult:
        """Click a button without waiting: the result fills in as the bot answers."""
        msg = self._seen_message(message)
        comp = self._component(msg, custom_id)
        return self._dispatch(msg, {"custom_id": custom_id, "component_type": comp.get("type", 2)})

    async def click(
        self,
        message: Any,
        custom_id: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> InteractionResult:
        """Click a button and wait for the bot's final answer (or the failure: see `failed`)."""
        return await self.start_click(message, custom_id).wait_finished(timeout)

    def start_select(self, message: Any, custom_id: str, values: list[str]) -> InteractionResult:
        """Pick values in a select menu without waiting for the answer."""
        msg = self._seen_message(message)
        comp = self._component(msg, custom_id)
        data = {"custom_id": custom_id, "component_type": comp.get("type", 3), "values": values}
        return self._dispatch(msg, data)

    async def select(
        self,
        message: Any,
        custom_id: str,
        values: list[str],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> InteractionResult:
        """Pick values in a select menu and wait for the bot's answer."""
        return await self.start_select(message, custom_id, values).wait_finished(timeout)

    async def submit_modal(
        self,
        result: InteractionResult,
        values: dict[str, str],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> InteractionResult:
        """Fill in the modal the bot opened (text inputs by custom_id) and submit it."""
        modal = result.modal
        if modal is None:
            raise CommandError("the bot did not open a modal")
        rows = []
        for row in modal.get("components", []):
            inner = row.get("components") or ([row["component"]] if "component" in row else [])
            comps = [
                {
                    "type": c.get("type", 4),
                    "custom_id": c["custom_id"],
                    "value": values.get(c["custom_id"], ""),
                }
                for c in inner
                if "custom_id" in c
            ]
            if "component" in row:
                rows.append(
                    {"type": row.get("type", 18), "id": row.get("id", 0), "component": comps[0]}
                )
            else:
                rows.append({"type": 1, "components": comps})
        data = {"custom_id": modal["custom_id"], "components": rows}
        ch = self.emu.channels[result.interaction.channel_id]
        inter = self.emu.new_interaction(self, 5, data, ch, result.interaction.source_message)
        inter.parent = result.interaction
        return await InteractionResult(self.emu, inter).wait_finished(timeout)


def _custom_ids(items: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for c in items:
        if c.get("custom_id"):
            out.append(str(c["custom_id"]))
        for child in [*(c.get("components") or []), c.get("component"), c.get("accessory")]:
            if isinstance(child, dict):
                out.extend(_custom_ids([child]))
    return out
