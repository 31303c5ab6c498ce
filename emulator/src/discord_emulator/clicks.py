"""Click bursts for benchmarks: many members click one message's buttons, all at once or paced.

A burst makes N component interactions (INTERACTION_CREATE type 3, each from a different
member, as `Actor.click` sends them) and dispatches them without waiting for any answer: all
at once in chunks (each chunk waits only until the gateway sockets have taken the one before,
as a flood does), or at `rate` clicks per second. Per click it records the time from dispatch
to the first answer (any interaction callback: a message, a deferral or an update), to the
final answer, and whether the member was told "This interaction failed" (no callback within
the interaction timeout, 3 s). Members are made in bulk without gateway events unless given.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from .flood import _drained
from .interaction import Interaction
from .models import Member, User, dumps, id_of, snowflake
from .people import Actor
from .rules import DiscordError, form_error
from .state import EmulatorState

log = logging.getLogger(__name__)

BURST_CHUNK = 250


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class ClickBurst:
    """One burst: who clicks what, how fast, and what each click got."""

    id: int
    message_id: int
    member_ids: list[int]
    custom_ids: list[str]
    #: Clicks per second; None sends them all at once.
    rate: float | None = None
    chunk: int = BURST_CHUNK
    timeout: float = 3.0
    clicks: list[Interaction] = field(default_factory=list)
    started: float = 0.0
    sent_at: float | None = None
    finished: bool = False
    error: str | None = None

    def results(self) -> list[dict[str, Any]]:
        """Return per click: member, custom_id, ms to the first and final answer, failure."""
        out = []
        for inter in self.clicks:
            lat = inter.latency_ms()
            out.append(
                {
                    "member_id": str(inter.user.id),
                    "custom_id": inter.payload["data"]["custom_id"],
                    "first_answer_ms": lat["acknowledged"],
                    "answer_ms": lat["answered"],
                    "response_type": inter.response_type,
                    "failed": inter.failure(self.timeout),
                }
            )
        return out

    def report(self) -> dict[str, Any]:
        """Return the burst's progress and a summary of the answer times (ms) and failures."""
        rows = self.results()
        firsts = [r["first_answer_ms"] for r in rows if r["first_answer_ms"] is not None]
        seconds = (self.sent_at or time.perf_counter()) - self.started if self.started else 0.0
        return {
            "id": self.id,
            "finished": self.finished,
            "error": self.error,
            "sent": len(self.clicks),
            "send_seconds": seconds,
            "answered": len(firsts),
            "failed": sum(1 for r in rows if r["failed"]),
            "first_answer_ms": {
                "p50": _percentile(firsts, 0.50),
                "p99": _percentile(firsts, 0.99),
                "max": max(firsts) if firsts else None,
            },
            "clicks": rows,
        }


class ClickBurstMixin(EmulatorState):
    """Start click bursts and report on them (mixed into the Emulator)."""

    click_bursts: dict[int, ClickBurst]

    def start_click_burst(
        self,
        message: Any,
        custom_ids: list[str] | None = None,
        *,
        members: int | list[Any] = 10,
        rate: float | None = None,
        chunk: int = BURST_CHUNK,
        roles: list[Any] | tuple[Any, ...] = (),
    ) -> ClickBurst:
        """Fire clicks on `message` from `members` (a count to create, or people) in the background.

        Member i clicks ``custom_ids[i % len(custom_ids)]`` (default: every clickable button).
        Members made here get `roles`. Returns at once; the burst's `finished` turns true when
        every click was answered or failed, and `report()` says how each went.
        """
        msg = self.message(message)
        if msg.guild_id is None:
            raise DiscordError(400, 0, "click bursts are for guild messages")
        guild = self.guilds[msg.guild_id]
        clickable = _clickable(msg.components)
        ids = list(custom_ids) if custom_ids else clickable
        unknown = [c for c in ids if c not in clickable]
        if unknown or not ids:
            raise form_error("custom_ids", "UNKNOWN", f"not clickable on {msg.id}: {unknown}")
        if isinstance(members, int):
            member_ids = []
            for _ in range(members):
                user = User(snowflake(), f"clicker{len(self.users)}")
                self.users[user.id] = user
                guild.members[user.id] = Member(user, guild.id, [id_of(r) for r in roles])
                member_ids.append(user.id)
        else:
            member_ids = [id_of(m) for m in members]
        burst = ClickBurst(
            id=len(self.click_bursts) + 1,
            message_id=msg.id,
            member_ids=member_ids,
            custom_ids=ids,
            rate=rate,
            chunk=max(1, chunk),
            timeout=self.interaction_timeout,
        )
        self.click_bursts[burst.id] = burst
        asyncio.get_running_loop().create_task(_run(self, burst), name=f"click-burst-{burst.id}")
        return burst

    async def click_burst(
        self,
        message: Any,
        custom_ids: list[str] | None = None,
        *,
        members: int | list[Any] = 10,
        rate: float | None = None,
        roles: list[Any] | tuple[Any, ...] = (),
        timeout: float = 60.0,  # noqa: ASYNC109
    ) -> ClickBurst:
        """Run a click burst and wait until every click was answered or failed."""
        burst = self.start_click_burst(message, custom_ids, members=members, rate=rate, roles=roles)
        await self.wait_for(lambda: burst.finished, timeout)
        return burst


def _clickable(components: list[dict[str, Any]]) -> list[str]:
    """Return the custom ids of the enabled buttons (not links) of a message."""
    out = []

    def walk(items: list[Any]) -> None:
        for c in items:
            if not isinstance(c, dict):
                continue
            if c.get("type") == 2 and c.get("custom_id") and not c.get("disabled"):
                out.append(str(c["custom_id"]))
            walk([*(c.get("components") or []), c.get("component"), c.get("accessory")])

    walk(components)
    return out


async def _run(emu: EmulatorState, burst: ClickBurst) -> None:
    msg = emu.messages_by_id[burst.message_id]
    channel = emu.channels[msg.channel_id]
    guild = emu.guilds[channel.guild_id]  # type: ignore[index]
    burst.started = time.perf_counter()
    begin = time.monotonic()
    try:
        total = len(burst.member_ids)
        i = 0
        while i < total:
            if burst.rate:
                due = min(total, max(i + 1, int((time.monotonic() - begin) * burst.rate) + 1))
            else:
                due = min(total, i + burst.chunk)
            message_dict = msg.to_dict(me=emu.bot.id)
            events: list[tuple[str, str, int | None]] = []
            made: list[Interaction] = []
            for n in range(i, due):
                actor = Actor(emu, guild, emu.users[burst.member_ids[n]])
                custom_id = burst.custom_ids[n % len(burst.custom_ids)]
                data = {"custom_id": custom_id, "component_type": 2}
                inter = emu.make_interaction(
                    actor, 3, data, channel, msg, message_dict=message_dict
                )
                events.append(("INTERACTION_CREATE", dumps(inter.payload), guild.id))
                made.append(inter)
            if not burst.rate:
                await _drained(emu)
            connected = bool(emu.gateway.connected_sessions())
            now = time.monotonic()
            for inter in made:
                inter.created = now
                inter.connected = connected
            emu.gateway.dispatch_many(events)
            burst.clicks.extend(made)
            i = due
            if burst.rate and i < total:
                wait = begin + i / burst.rate - time.monotonic()
                await asyncio.sleep(max(wait, 0.001))
            else:
                await asyncio.sleep(0)
        burst.sent_at = time.perf_counter()
        deadline = time.monotonic() + burst.timeout + 0.05
        while time.monotonic() < deadline and any(  # noqa: ASYNC110
            c.acknowledged_at is None for c in burst.clicks
        ):
            await asyncio.sleep(0.01)
    except Exception as exc:  # reported to whoever polls the burst
        log.exception("click burst %d failed", burst.id)
        burst.error = repr(exc)
    finally:
        burst.finished = True
        emu.notify()
