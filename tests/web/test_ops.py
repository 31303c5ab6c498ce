"""The operator endpoints of a real bot connected to the emulator: /readyz and /metrics.

/readyz turns 503 with the reason when a shard's gateway connection drops or the database
stops, and 200 again when they are back; the metrics move with a flood of votes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from discord_emulator.connect import connect_client
from discord_emulator.flood import Flood
from prometheus_client.parser import text_string_to_metric_families

from bot.app import CalledItBot, default_seed
from bot.domain.shards import ShardScope
from bot.metrics import shard_states
from bot.services import Services
from bot.sharded import IdentifyGate, ShardedCalledItBot
from bot.web.ops import Ops
from bot.web.server import WebServer
from db.migrate import upgrade
from db.session import Database
from tests.bot.conftest import ON_BOTH_BACKENDS, World
from tests.bot.test_db_faults import sqlite_fault
from tests.bot.test_vote_faults import open_poll
from tests.pg import PgServer

ON_POSTGRESQL = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)


@contextlib.asynccontextmanager
async def endpoints(bot: CalledItBot) -> AsyncIterator[str]:
    """Serve a running bot's operator endpoints on a free port; yield the base URL."""
    ops = Ops(
        bot.services.db,
        bot.metrics,
        shards=lambda: shard_states(bot, bot.scope.shard_ids),
        timeout=1.0,
    )
    async with WebServer("127.0.0.1", 0, [ops.install]) as server:
        yield f"http://127.0.0.1:{server.port}"


async def get(url: str) -> tuple[int, str]:
    """GET a URL; return the status and the body."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def until(url: str, check: Callable[[int, str], bool], timeout: float = 30) -> str:  # noqa: ASYNC109
    """Poll a URL until `check(status, body)` holds; return the body."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status, body = await get(url)
        if check(status, body):
            return body
        if loop.time() > deadline:
            raise AssertionError(f"{url} stayed {status}: {body!r}")
        await asyncio.sleep(0.1)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Parse the Prometheus text format: (sample name, labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(parsed: dict[Any, float], name: str, **labels: str) -> float:
    """Return one sample's value (0 when absent)."""
    return parsed.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_readyz_says_which_shard_dropped_and_recovers(world: World) -> None:
    database = Database(world.db_url)
    await upgrade(database)
    services = Services.build(database, world.clock)
    scope = ShardScope.of(2)
    gate = IdentifyGate(services.shards, 1, "test")
    bot = ShardedCalledItBot(
        services, gate=gate, scope=scope, seed=default_seed(), scheduler_interval=3600
    )
    world.bots.append(bot)
    try:
        async with connect_client(world.emu, bot, timeout=30), endpoints(bot) as base:
            await asyncio.wait_for(bot.settled.wait(), 20)
            assert await get(f"{base}/readyz") == (200, "ready\n")
            world.emu.gateway.hold()  # the dropped shard can't come back until released
            await world.emu.gateway.drop(shard_id=1)
            body = await until(f"{base}/readyz", lambda status, _: status == 503)
            assert body == "shard 1: not connected\n"
            metrics = samples((await get(f"{base}/metrics"))[1])
            assert value(metrics, "calledit_gateway_connected", shard="0") == 1
            assert value(metrics, "calledit_gateway_connected", shard="1") == 0
            assert (await get(f"{base}/healthz")) == (200, "ok\n")  # alive all the same
            world.emu.gateway.release()
            await until(f"{base}/readyz", lambda status, body: (status, body) == (200, "ready\n"))
            metrics = samples((await get(f"{base}/metrics"))[1])
            assert value(metrics, "calledit_gateway_connected", shard="1") == 1
            assert value(metrics, "calledit_gateway_latency_seconds", shard="0") >= 0
    finally:
        world.emu.gateway.release()
        await database.dispose()


@ON_POSTGRESQL
async def test_readyz_is_503_while_postgresql_is_stopped(
    world: World, request: pytest.FixtureRequest
) -> None:
    server: PgServer = request.getfixturevalue("pg_server")
    async with world.running() as bot, endpoints(bot) as base:
        assert await get(f"{base}/readyz") == (200, "ready\n")
        await server.stop()
        try:
            body = await until(f"{base}/readyz", lambda status, _: status == 503)
            assert body == "database: unreachable\n"
            assert (await get(f"{base}/healthz")) == (200, "ok\n")
        finally:
            await server.start()
        await until(f"{base}/readyz", lambda status, body: (status, body) == (200, "ready\n"))
        metrics = samples((await get(f"{base}/metrics"))[1])
        assert value(metrics, "calledit_database_errors_total", kind="unreachable") >= 1


async def test_readyz_is_503_while_sqlite_refuses_writes(world: World) -> None:
    path = world.db_url.split("///", 1)[1]
    async with world.running() as bot, endpoints(bot) as base:
        _, message_id = await open_poll(world, 4)
        assert await get(f"{base}/readyz") == (200, "ready\n")
        with sqlite_fault(path, "PRAGMA query_only = 1", "PRAGMA query_only = 0") as fault:
            await world.members[0].react(message_id, "✅")  # its batch fails: read-only
            body = await until(f"{base}/readyz", lambda status, _: status == 503)
            assert body == "database: read-only\n"
            fault["on"] = False
            await until(f"{base}/readyz", lambda status, _: status == 200)
        await world.settle()
        metrics = samples((await get(f"{base}/metrics"))[1])
        assert value(metrics, "calledit_database_errors_total", kind="read_only") >= 1


@ON_BOTH_BACKENDS
async def test_metrics_move_with_a_flood_of_votes(world: World) -> None:
    members = [world.emu.add_member(world.guild, f"m{n:03d}", dispatch=False) for n in range(300)]
    async with world.running() as bot, endpoints(bot) as base:
        before = samples((await get(f"{base}/metrics"))[1])
        world.emu.inject_failure("POST /channels/{channel_id}/messages", 429, retry_after=0.05)
        _, message_id = await open_poll(world, 4)  # its post meets a 429 first
        flood = Flood(id=1, message_ids=[message_id], member_ids=[m.id for m in members])
        world.emu.start_flood(flood)
        await world.emu.wait_for(lambda: flood.finished, timeout=30)
        await world.settle(timeout=30)
        assert len(world.expected_votes(message_id)) == 300
        await world.run(world.admin, "/poll resync", prediction="4")  # a read-back
        text = (await get(f"{base}/metrics"))[1]
        after = samples(text)

        def moved(name: str, **labels: str) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert moved("calledit_votes_committed_total") == 300
        assert moved("calledit_vote_events_received_total") == 300
        assert moved("calledit_gateway_events_total", type="MESSAGE_REACTION_ADD") >= 300
        assert moved("calledit_vote_batch_commit_seconds_count") >= 1
        assert value(after, "calledit_vote_backlog") == 0
        assert moved("calledit_interaction_answer_seconds_count", command="poll open") == 1
        assert value(after, "calledit_late_interactions_total", command="poll open") == 0
        assert moved("calledit_discord_rate_limited_total", scope="user") == 1
        assert moved("calledit_read_back_seconds_count") == 1
        assert moved("calledit_interaction_answer_seconds_count", command="poll resync") == 1
        assert value(after, "calledit_scheduled_job_runs_total", job="polls due to close") >= 1
        assert value(after, "calledit_scheduled_job_failures_total", job="polls due to close") == 0
        assert "calledit_gateway_latency_seconds" in text
