"""What an operator watches: one Metrics object per bot, in a registry of its own (Prometheus).

The pieces that do the work are handed this object in their constructors and tell it, at the
points where things happen, in as few calls as possible: the vote writer once per batch, the
scheduler once per job run, the interaction path once per command. What the process already
counts (gateway state, the writer's counters and backlog) is read only when /metrics is
scraped. A registry per bot, not prometheus_client's global one: several bots (tests, one
process per shard) never share their numbers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import discord
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from db.faults import outage_of

log = logging.getLogger(__name__)

#: Discord's limit to acknowledge an interaction: answered later, it failed for the member.
ACK_LIMIT = 3.0
#: The Content-Type of the text format.
CONTENT_TYPE = CONTENT_TYPE_LATEST
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True, slots=True)
class ShardState:
    """One gateway connection of this process: connected or not, and its heartbeat latency."""

    shard_id: int
    connected: bool
    latency: float


class VoteCounts(Protocol):
    """What the vote writer counts already (bot/votes/writer.py)."""

    received: int
    committed: int

    @property
    def backlog(self) -> int:
        """Return how many events wait for the database."""
        ...


class Metrics:
    """Every metric of one bot process, in its own CollectorRegistry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.batch_seconds = Histogram(
            "calledit_vote_batch_commit_seconds",
            "Time from handing a batch of votes to the database to its commit.",
            buckets=_SECONDS,
            registry=registry,
        )
        self.answer_seconds = Histogram(
            "calledit_interaction_answer_seconds",
            "Time from receiving a slash command or ballot button press to the end of its handling.",
            ["command"],
            buckets=_SECONDS,
            registry=registry,
        )
        self.late = Counter(
            "calledit_late_interactions",
            "Slash commands and ballot presses not acknowledged within Discord's 3 s.",
            ["command"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "calledit_discord_rate_limited",
            "HTTP 429 answers from Discord, by X-RateLimit-Scope.",
            ["scope"],
            registry=registry,
        )
        self.read_back_seconds = Histogram(
            "calledit_read_back_seconds",
            "Time to read one poll's reactions back and store them.",
            buckets=_SECONDS,
            registry=registry,
        )
        self.database_errors = Counter(
            "calledit_database_errors",
            "Errors from the database driver, by kind (db/faults.py; 'other': the data's own).",
            ["kind"],
            registry=registry,
        )
        self.job_runs = Counter(
            "calledit_scheduled_job_runs", "Scheduled job runs.", ["job"], registry=registry
        )
        self.job_failures = Counter(
            "calledit_scheduled_job_failures",
            "Scheduled job runs that failed.",
            ["job"],
            registry=registry,
        )
        #: Gateway events by type: a plain dict, one addition per event.
        self.events: dict[str, int] = {}
        self._shards: Callable[[], Sequence[ShardState]] | None = None
        self._votes: VoteCounts | None = None
        registry.register(_Live(self))

    def follow(
        self,
        *,
        shards: Callable[[], Sequence[ShardState]] | None = None,
        votes: VoteCounts | None = None,
    ) -> None:
        """Read these at each scrape: the gateway connections, the vote writer's counters."""
        if shards is not None:
            self._shards = shards
        if votes is not None:
            self._votes = votes

    def event(self, kind: str) -> None:
        """Count one gateway event of a type."""
        events = self.events
        events[kind] = events.get(kind, 0) + 1

    def database_error(self, error: BaseException) -> None:
        """Count one database error by its kind."""
        outage = outage_of(error)
        self.database_errors.labels(outage.name.lower() if outage else "other").inc()

    def interaction(self, command: str, acknowledged: Callable[[], bool]) -> Callable[[], None]:
        """Time a slash command; count it late if not `acknowledged()` within 3 s.

        Return what to call once its handling is over (once; later calls do nothing).
        """
        loop = asyncio.get_running_loop()
        started = loop.time()

        def check() -> None:
            if not acknowledged():
                self.late.labels(command).inc()

        late = loop.call_later(ACK_LIMIT, check)
        done: list[bool] = []

        def finished(*_: object) -> None:
            if done:
                return
            done.append(True)
            late.cancel()
            self.answer_seconds.labels(command).observe(loop.time() - started)

        return finished

    def http_trace(self) -> aiohttp.TraceConfig:
        """Return an aiohttp trace that counts Discord's 429s (discord.py's `http_trace`)."""
        trace = aiohttp.TraceConfig()

        async def on_end(_session: Any, _context: Any, params: Any) -> None:
            if params.response.status == 429:
                scope = params.response.headers.get("X-RateLimit-Scope", "unknown")
                self.rate_limited.labels(scope.lower()[:16]).inc()

        trace.on_request_end.append(on_end)
        return trace

    def render(self) -> bytes:
        """Return every metric in the Prometheus text format."""
        return generate_latest(self.registry)


class _Live:
    """A collector of what is read at scrape time: gateway, gateway events, vote writer."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        """Yield the live values."""
        metrics = self._metrics
        shards = metrics._shards() if metrics._shards is not None else ()
        latency = GaugeMetricFamily(
            "calledit_gateway_latency_seconds",
            "Heartbeat latency of each gateway connection.",
            labels=["shard"],
        )
        connected = GaugeMetricFamily(
            "calledit_gateway_connected",
            "1 while the shard's gateway connection is up and its session ready.",
            labels=["shard"],
        )
        for shard in shards:
            latency.add_metric([str(shard.shard_id)], shard.latency)
            connected.add_metric([str(shard.shard_id)], 1.0 if shard.connected else 0.0)
        yield latency
        yield connected
        events = CounterMetricFamily(
            "calledit_gateway_events", "Gateway events received, by type.", labels=["type"]
        )
        for kind, count in sorted(metrics.events.items()):
            events.add_metric([kind], count)
        yield events
        votes = metrics._votes
        if votes is None:
            return
        yield CounterMetricFamily(
            "calledit_vote_events_received", "Reaction events taken as votes.", votes.received
        )
        yield CounterMetricFamily(
            "calledit_votes_committed", "Vote events committed to the database.", votes.committed
        )
        yield GaugeMetricFamily(
            "calledit_vote_backlog", "Vote events waiting for the database.", votes.backlog
        )


def time_command(metrics: Metrics, interaction: discord.Interaction[Any]) -> None:
    """Time a slash command from now to the end of the command tree's task that handles it."""
    task = asyncio.current_task()  # discord.py's CommandTree-invoker: its end is the answer's
    command = interaction.command
    if task is None or command is None:
        return
    if interaction.type is not discord.InteractionType.application_command:
        return  # autocomplete: answered by discord.py, not timed
    timer = metrics.interaction(command.qualified_name, interaction.response.is_done)
    task.add_done_callback(timer)


def shard_states(client: Any, shard_ids: Sequence[int]) -> list[ShardState]:
    """Return the state of each of this process's shards from a discord.py client.

    Connected: the shard's websocket is open and the client has had its READY. A shard not
    started yet counts as not connected.
    """
    ready = client.is_ready() and not client.is_closed()
    shards = getattr(client, "shards", None)  # AutoShardedClient: {id: ShardInfo}
    if isinstance(shards, dict):
        states = []
        for shard_id in shard_ids:
            info = shards.get(shard_id)
            if info is None:  # not launched yet
                states.append(ShardState(shard_id, False, _NAN))
                continue
            states.append(ShardState(shard_id, ready and not info.is_closed(), info.latency))
        return states
    ws = client.ws
    up = ready and ws is not None and ws.open
    return [ShardState(shard_ids[0] if shard_ids else 0, up, client.latency)]


_NAN = float("nan")
