"""Benchmark: gateway events/s the emulator pushes, run out of process.

Usage: ``python bench/bench_emulator.py [--events 100000] [--users 1000]``.
Measures (a) a raw websocket reader and (b) a bare discord.py Client counting
``on_raw_reaction_add``, against ``python -m bot.emulator`` in a subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import discord

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.emulator.connect import connect_client  # noqa: E402
from bot.emulator.remote import Remote, start_emulator, stop_emulator  # noqa: E402
from bot.emulator.server import Emulator  # noqa: E402

INTENTS = (1 << 0) | (1 << 10)  # guilds + guild_reactions


def make_ops(users: list[str], message_ids: list[str], total: int, adds_only: bool) -> list[list]:
    """Build reaction ops: rounds of add (and remove) over users x messages."""
    ops: list[list] = []
    emojis = ["👍", "🎉", "🔥", "✅"]
    rnd = 0
    while len(ops) < total:
        emoji = emojis[rnd % len(emojis)] if adds_only else "👍"
        for mid in message_ids:
            for u in users:
                ops.append([u, mid, emoji, "add"])
        if not adds_only:
            for mid in message_ids:
                for u in users:
                    ops.append([u, mid, emoji, "remove"])
        rnd += 1
        if adds_only and rnd >= len(emojis) and len(ops) < total:
            raise SystemExit("increase --users or --messages for that many add events")
    return ops[:total]


async def setup(remote: Remote, n_users: int, n_messages: int) -> tuple[list[str], list[str]]:
    """Create a guild, members and messages in the emulator."""
    g = await remote.post("/guilds", {"name": "Bench"})
    channel = g["channels"]["general"]
    users = (await remote.post(f"/guilds/{g['id']}/members", {"count": n_users}))["ids"]
    mids = [
        (await remote.post(f"/channels/{channel}/messages", {"content": f"m{i}"}))["id"]
        for i in range(n_messages)
    ]
    return users, mids


async def burst(remote: Remote, ops: list[list], chunk: int = 20_000) -> None:
    """Send ops to the emulator in chunks."""
    for i in range(0, len(ops), chunk):
        await remote.post("/reactions/burst", {"ops": ops[i : i + chunk]})


async def bench_raw(remote: Remote, gateway_url: str, ops: list[list]) -> float:
    """Return events/s received by a raw websocket reader."""
    async with aiohttp.ClientSession() as s, s.ws_connect(gateway_url, max_msg_size=0) as ws:
        await ws.receive()  # HELLO
        await ws.send_json({"op": 2, "d": {"token": "bench", "intents": INTENTS, "properties": {}}})
        for _ in range(2):  # READY + GUILD_CREATE
            await ws.receive()
        expected = len(ops)
        start = time.perf_counter()
        sender = asyncio.create_task(burst(remote, ops))
        got = 0
        while got < expected:
            msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise RuntimeError(f"unexpected frame {msg.type}")
            if msg.data.startswith('{"op":0'):
                got += 1
        elapsed = time.perf_counter() - start
        await sender
    return expected / elapsed


async def bench_client(remote: Remote, info: dict[str, Any], ops: list[list]) -> float:
    """Return on_raw_reaction_add events/s seen by a bare discord.py Client."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    client = discord.Client(intents=intents, max_messages=None)
    count = 0
    done = asyncio.Event()
    expected = len(ops)

    @client.event
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        nonlocal count
        count += 1
        if count >= expected:
            done.set()

    emu = Emulator(host="127.0.0.1", port=int(info["url"].rsplit(":", 1)[1]))
    async with connect_client(emu, client):
        start = time.perf_counter()
        sender = asyncio.create_task(burst(remote, ops))
        await asyncio.wait_for(done.wait(), 600)
        elapsed = time.perf_counter() - start
        await sender
    return expected / elapsed


async def main() -> None:
    """Run both benchmarks and print events/s."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--client-events", type=int, default=40_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    proc, info = await start_emulator()
    try:
        async with aiohttp.ClientSession() as session:
            remote = Remote(session, info["url"])
            users, mids = await setup(remote, args.users, args.messages)
            raw_ops = make_ops(users, mids, args.events, adds_only=False)
            raw = await bench_raw(remote, info["gateway_url"], raw_ops)
            print(f"(a) raw websocket reader: {raw:,.0f} events/s ({len(raw_ops):,} events)")
            users2, mids2 = await setup(remote, args.users, args.messages)
            client_ops = make_ops(users2, mids2, args.client_events, adds_only=True)
            rate = await bench_client(remote, info, client_ops)
            print(
                f"(b) discord.py Client on_raw_reaction_add: {rate:,.0f} events/s "
                f"({len(client_ops):,} events)"
            )
    finally:
        await stop_emulator(proc)


if __name__ == "__main__":
    asyncio.run(main())
