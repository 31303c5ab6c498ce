"""The emulator's state as its parts see it: the protocol the routes, people and mixins use.

The Emulator (server.py) is assembled from parts (world, messages, sessions, floods) and
served by route modules; each of them is written against this protocol rather than against
the Emulator class, so none of them imports the server and the server imports them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from .gateway import Gateway
from .interaction import Interaction
from .models import Attachment, Channel, Guild, Message, User
from .ratelimit import RateLimiter
from .records import RequestRecord, Violation
from .rules import DiscordError
from .shards import ShardPolicy
from .spec import Spec


class EmulatorState(Protocol):
    """The emulated Discord's data and the operations its parts call on each other."""

    bot: User
    application_id: int
    owner: User
    privileged_intents: int
    interaction_timeout: float
    interaction_token_ttl: float
    upload_limit: int
    guilds: dict[int, Guild]
    channels: dict[int, Channel]
    deleted_channels: dict[int, Channel]
    users: dict[int, User]
    messages_by_id: dict[int, Message]
    channel_messages: dict[int, list[Message]]
    interactions: dict[int, Interaction]
    interactions_by_token: dict[str, Interaction]
    global_commands: dict[tuple[str, int], dict[str, Any]]
    guild_commands: dict[int, dict[tuple[str, int], dict[str, Any]]]
    nonces: dict[tuple[int, str], Message]
    uploads: dict[int, Attachment]
    gateway: Gateway
    shard_policy: ShardPolicy
    ratelimiter: RateLimiter
    requests: list[RequestRecord]
    violations: list[Violation]
    unknown_routes: list[tuple[str, str]]
    rate_limited: list[RequestRecord]
    tokens: list[str]
    valid_tokens: set[str] | None
    request_hooks: list[tuple[str, str, Callable[[Any], Awaitable[None]]]]
    validate_spec: bool
    validate_responses: bool

    @property
    def url(self) -> str:
        """Return the base HTTP URL."""
        ...

    @property
    def gateway_url(self) -> str:
        """Return the gateway WebSocket URL."""
        ...

    @property
    def spec(self) -> Spec | None:
        """Return the OpenAPI spec, or None when absent."""
        ...

    # -- waiting and recording (server.py) --------------------------------------

    def notify(self) -> None:
        """Wake every waiter to re-check its predicate."""
        ...

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy; return it."""
        ...

    def violate(
        self, kind: str, method: str, route: str, err: DiscordError, detail: Any = None
    ) -> None:
        """Record a rule violation."""
        ...

    def upload(
        self, filename: str, data: bytes, *, channel: Any = 0, content_type: str | None = None
    ) -> Attachment:
        """Store a file a person attaches to a command option."""
        ...

    def new_interaction(
        self,
        actor: Any,
        itype: int,
        data: dict[str, Any],
        channel: Channel,
        message: Message | None = None,
    ) -> Interaction:
        """Create an interaction from a person (anything with a ``user``) and dispatch it."""
        ...

    def make_interaction(
        self,
        actor: Any,
        itype: int,
        data: dict[str, Any],
        channel: Channel,
        message: Message | None = None,
        *,
        message_dict: dict[str, Any] | None = None,
    ) -> Interaction:
        """Create and register an interaction from a person, without dispatching it."""
        ...

    def registered_commands(self, guild: Any | None = None) -> list[dict[str, Any]]:
        """Return the application commands the bot registered."""
        ...

    # -- the world (world.py) -----------------------------------------------------

    def permissions_for(self, channel: Any, user: Any) -> int:
        """Compute a member's permissions in a channel."""
        ...

    def set_member_roles(self, guild: Any, user: Any, roles: Any) -> None:
        """Replace a member's roles and dispatch the update."""
        ...

    def require_moderator(self, by: Any, channel_id: int, bit: int, name: str) -> None:
        """Raise CommandError unless the person has a permission in the channel."""
        ...

    def delete_channel(self, channel: Any, *, by: Any = None) -> Channel:
        """Delete a channel (and its threads) and dispatch the event."""
        ...

    def create_thread(
        self,
        message: Any,
        name: str,
        *,
        by: Any = None,
        auto_archive_duration: int = 1440,
        dispatch: bool = True,
    ) -> Channel:
        """Start a public thread on a message."""
        ...

    def set_thread_state(
        self,
        thread: Any,
        *,
        archived: bool | None = None,
        locked: bool | None = None,
        by: Any = None,
    ) -> Channel:
        """Archive/unarchive or lock/unlock a thread as a moderator."""
        ...

    def apply_thread_state(
        self, th: Channel, *, archived: bool | None = None, locked: bool | None = None
    ) -> None:
        """Change a thread's flags and dispatch THREAD_UPDATE if they changed."""
        ...

    # -- messages and reactions (messages.py) -------------------------------------

    def store_message(self, msg: Message, *, dispatch: bool = True) -> Message:
        """Store a new message and dispatch MESSAGE_CREATE unless ephemeral."""
        ...

    def message_event(self, msg: Message, redact: bool = False) -> dict[str, Any]:
        """Return the gateway payload of a message."""
        ...

    def message(self, message_id: Any) -> Message:
        """Return a stored message by id."""
        ...

    async def post_message(self, channel: Any, author: Any, content: str, **extra: Any) -> Message:
        """Post a message as a user and dispatch MESSAGE_CREATE."""
        ...

    def apply_reaction(
        self, user_id: int, msg: Message, emoji: dict[str, Any], add: bool
    ) -> str | None:
        """Update reaction state; return the gateway payload JSON if the state changed."""
        ...

    def react(self, user: Any, message: Any, emoji: str, add: bool = True) -> bool:
        """Add/remove a reaction as a user and dispatch the event."""
        ...

    def clear_reactions(self, message: Any, emoji: str | None = None, *, by: Any = None) -> int:
        """Remove all reactions, or every reaction of one emoji, as a moderator does."""
        ...

    def apply_clear(self, msg: Message, key: str | None) -> int:
        """Clear a message's reactions and dispatch the clear event."""
        ...
