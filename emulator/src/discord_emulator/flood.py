"""Reaction floods made inside the emulator, sent as fast as the gateway sockets take them.

A flood is a burst of reaction adds (or removes) generated here rather than posted op by op
through the control API, so a benchmark's own process spends nothing on sending it. Events are
made in chunks; before each chunk the flood waits until every live gateway connection has
handed what it holds to the kernel and holds at most ``FLOOD_BUFFER`` bytes beyond it. So the
flood runs as fast as the receiving side reads, and anything dispatched meanwhile (an
interaction, say) queues behind at most one chunk and the socket's own buffers, as on a
gateway that keeps a bounded send buffer per connection.

While a flood runs, an optional probe sends one slash command every ``every`` seconds as a
member and records, per command, how long the bot took to acknowledge it (the first
interaction callback: Discord's 3 s deadline).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from .interaction import Interaction
from .models import parse_emoji
from .people import Actor
from .rules import DiscordError
from .state import EmulatorState

log = logging.getLogger(__name__)

FLOOD_CHUNK = 500
FLOOD_BUFFER = 256 * 1024
EMOJI = ("✅", "🌓", "❌")
PROBE_WAIT = 5.0


@dataclass
class Probe:
    """A command run every `every` seconds by a member while the flood runs."""

    guild_id: int
    user_id: int
    channel_id: int
    command: str
    options: dict[str, Any] = field(default_factory=dict)
    every: float = 0.25


@dataclass
class Flood:
    """One flood: what it sends, how far it got, and what its probe saw."""

    id: int
    message_ids: list[int]
    member_ids: list[int]
    cycles: int = 1
    shift: int = 0
    remove: bool = False
    #: Passes over every member and message, in order: "add" puts on the next emoji in turn
    #: (a change while the member still holds the one before), "remove" takes off the emoji
    #: the last "add" put on (a retraction). Overrides `cycles` and `remove` when given.
    steps: tuple[str, ...] = ()
    chunk: int = FLOOD_CHUNK
    probe: Probe | None = None
    dispatched: int = 0
    started: float = 0.0
    sent_at: float | None = None
    finished: bool = False
    error: str | None = None
    probes: list[Interaction] = field(default_factory=list)

    def ops(self) -> itertools.chain[tuple[int, int, str, bool]]:
        """Yield ``(member, message, emoji, add)``: each member once per message per cycle.

        With `remove`, odd cycles take back what the even cycle before added, so a long flood
        keeps changing votes on a bounded set of members and messages.
        """

        def cycle(c: int) -> itertools.chain[tuple[int, int, str, bool]]:
            add = not (self.remove and c % 2)
            turn = c // 2 if self.remove else c
            return itertools.chain.from_iterable(
                (
                    (member, mid, EMOJI[(i + j + self.shift + turn) % 3], add)
                    for i, member in enumerate(self.member_ids)
                )
                for j, mid in enumerate(self.message_ids)
            )

        if self.steps:
            return itertools.chain.from_iterable(
                self._pass(step, n) for n, step in enumerate(self.steps)
            )
        return itertools.chain.from_iterable(cycle(c) for c in range(self.cycles))

    def _pass(self, step: str, n: int) -> itertools.chain[tuple[int, int, str, bool]]:
        """Yield one of `steps`: every member on every message adds or removes one emoji."""
        if step not in ("add", "remove"):
            raise ValueError(f"a flood step is 'add' or 'remove', not {step!r}")
        add = step == "add"
        turn = sum(s == "add" for s in self.steps[:n]) - (0 if add else 1)
        if turn < 0:
            raise ValueError("a flood's first step is 'add': a 'remove' takes off the last add")
        return itertools.chain.from_iterable(
            (
                (member, mid, EMOJI[(i + j + self.shift + turn) % 3], add)
                for i, member in enumerate(self.member_ids)
            )
            for j, mid in enumerate(self.message_ids)
        )

    def report(self) -> dict[str, Any]:
        """Return the flood's progress, its send rate and the probe's answer times."""
        seconds = (self.sent_at or time.perf_counter()) - self.started
        # Seconds from dispatch to the first callback, and to the whole answer.
        answered = [
            i.acknowledged_at - i.created for i in self.probes if i.acknowledged_at is not None
        ]
        completed = [i.answered_at - i.created for i in self.probes if i.answered_at is not None]
        return {
            "id": self.id,
            "finished": self.finished,
            "error": self.error,
            "dispatched": self.dispatched,
            "seconds": seconds,
            "rate": self.dispatched / seconds if seconds > 0 else 0.0,
            "probe": {
                "sent": len(self.probes),
                "answered_s": answered,
                "completed_s": completed,
                "unanswered": sum(i.acknowledged_at is None for i in self.probes),
                "late": sum(i.acknowledged_late for i in self.probes),
            },
        }


class FloodMixin(EmulatorState):
    """Start reaction floods and report on them (mixed into the Emulator)."""

    floods: dict[int, Flood]

    def start_flood(self, flood: Flood) -> None:
        """Run `flood` in the background; its report is at ``floods[flood.id]``."""
        self.floods[flood.id] = flood
        asyncio.get_running_loop().create_task(_run(self, flood), name=f"flood-{flood.id}")


async def _drained(emu: EmulatorState) -> None:
    """Wait until every live connection holds at most FLOOD_BUFFER unsent bytes."""
    while True:
        busy = False
        for conn in emu.gateway.connections:
            if conn.closed:
                continue
            transport = getattr(getattr(conn.ws, "_writer", None), "transport", None)
            held = transport.get_write_buffer_size() if transport is not None else 0
            if conn.queue or held > FLOOD_BUFFER:
                busy = True
                break
        if not busy:
            return
        await asyncio.sleep(0.001)  # a spinning emulator would take CPU from the reader


async def _probe(emu: EmulatorState, flood: Flood, probe: Probe) -> None:
    actor = Actor(emu, emu.guilds[probe.guild_id], emu.users[probe.user_id])
    while flood.sent_at is None and flood.error is None:
        result = actor.start(
            probe.command, in_channel=probe.channel_id, options=dict(probe.options)
        )
        flood.probes.append(result.interaction)
        await asyncio.sleep(probe.every)


async def _run(emu: EmulatorState, flood: Flood) -> None:
    msgs = emu.messages_by_id
    emojis = {e: parse_emoji(e) for e in EMOJI}
    dispatch_many = emu.gateway.dispatch_many
    prober = (
        asyncio.get_running_loop().create_task(_probe(emu, flood, flood.probe))
        if flood.probe is not None
        else None
    )
    flood.started = time.perf_counter()
    try:
        events: list[tuple[str, str, int | None]] = []
        for member, mid, emoji, add in flood.ops():
            msg = msgs[mid]
            try:
                djson = emu.apply_reaction(member, msg, emojis[emoji], add)
            except DiscordError:
                continue
            if djson is None:
                continue
            events.append(
                ("MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE", djson, msg.guild_id)
            )
            if len(events) >= flood.chunk:
                await _drained(emu)
                dispatch_many(events)
                flood.dispatched += len(events)
                events = []
        if events:
            await _drained(emu)
            dispatch_many(events)
            flood.dispatched += len(events)
        await _drained(emu)
        flood.sent_at = time.perf_counter()
    except Exception as exc:  # reported to whoever polls the flood
        log.exception("flood %d failed", flood.id)
        flood.error = repr(exc)
    finally:
        if prober is not None:
            prober.cancel()
        end = time.monotonic() + PROBE_WAIT
        while time.monotonic() < end and any(  # noqa: ASYNC110
            i.acknowledged_at is None or i.answered_at is None for i in flood.probes
        ):
            await asyncio.sleep(0.01)
        flood.finished = True
        emu.notify()
