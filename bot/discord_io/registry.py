"""The one registry of open poll messages, consulted by the vote path and the read-back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from bot.snapshots.predictions import OpenPollRef


class OpenPolls:
    """Which messages are open polls, by message id; closing one is told to its listeners."""

    def __init__(self) -> None:
        self._by_message: dict[int, OpenPollRef] = {}
        #: The same polls by poll id (a sealed poll's buttons name the poll, not the message).
        self._by_poll: dict[int, OpenPollRef] = {}
        #: Called with the message id whenever a poll leaves the registry.
        self._on_close: list[Callable[[int], None]] = []

    def when_closed(self, listener: Callable[[int], None]) -> None:
        """Tell `listener` the message id of every poll that leaves the registry."""
        self._on_close.append(listener)

    def load(self, refs: Iterable[OpenPollRef]) -> None:
        """Replace what is known with the open polls stored in the database."""
        for message_id in list(self._by_message):
            self.drop(message_id)
        for ref in refs:
            self.add(ref)

    def add(self, ref: OpenPollRef) -> None:
        """Register a poll whose message was just posted."""
        self._by_message[ref.message_id] = ref
        self._by_poll[ref.poll_id] = ref

    def drop(self, message_id: int) -> None:
        """Forget a poll that closed (by us, or by another process on this database)."""
        ref = self._by_message.pop(message_id, None)
        if ref is not None:
            if self._by_poll.get(ref.poll_id) is ref:
                del self._by_poll[ref.poll_id]
            for listener in self._on_close:
                listener(message_id)

    def get(self, message_id: int) -> OpenPollRef | None:
        """Return the open poll on a message, None if it is none."""
        return self._by_message.get(message_id)

    def by_poll(self, poll_id: int) -> OpenPollRef | None:
        """Return the open poll with this id, None if it is none (here)."""
        return self._by_poll.get(poll_id)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._by_message

    def __len__(self) -> int:
        return len(self._by_message)

    def all(self, guild_id: int | None = None) -> list[OpenPollRef]:
        """Return the open polls (of one guild, or all)."""
        return [r for r in self._by_message.values() if guild_id is None or r.guild_id == guild_id]

    def in_channel(self, channel_id: int) -> list[OpenPollRef]:
        """Return the open polls posted in a channel."""
        return [r for r in self._by_message.values() if r.channel_id == channel_id]

    def due(self, now: datetime) -> list[OpenPollRef]:
        """Return the open polls whose deadline has passed."""
        return [r for r in self._by_message.values() if r.closes_at <= now]

    def next_deadline(self, now: datetime) -> datetime | None:
        """Return the nearest deadline still ahead, None when there is none."""
        ahead = [r.closes_at for r in self._by_message.values() if r.closes_at > now]
        return min(ahead) if ahead else None
