"""The reference for the vote benchmarks: a plain discord.py client that counts reaction events.

Run by ``bench/shipped.py`` as ``bare_client.py API_BASE GATEWAY_URL EXPECT``: it connects with
the bot's intents (guilds and guild reactions) and discord.py's defaults for everything else,
prints ``ready`` once discord.py is, then ``done <time.monotonic()>`` when it has received EXPECT
reaction adds and removes, and runs until SIGTERM. Pointing discord.py at the emulator is the
only thing it changes.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

TOKEN = "emulator.bot.token"


def plain_client(api_base: str, gateway_url: str) -> discord.Client:
    """Return a plain client with the bot's intents, pointed at the emulator (nothing else)."""
    Route.BASE = api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    return discord.Client(intents=intents)


def run_until_sigterm(client: discord.Client) -> None:
    """Run the client until SIGTERM closes it."""

    async def run() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(client.close()))
        async with client:
            await client.start(TOKEN)

    asyncio.run(run())


def main() -> None:
    """Connect, count, report, and stop on SIGTERM."""
    api_base, gateway_url, expect = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = plain_client(api_base, gateway_url)
    count = 0

    @client.event
    async def on_ready() -> None:
        print("ready", flush=True)

    def seen() -> None:
        nonlocal count
        count += 1
        if count == expect:
            print(f"done {time.monotonic()}", flush=True)

    @client.event
    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        seen()

    @client.event
    async def on_raw_reaction_remove(payload: discord.RawReactionActionEvent) -> None:
        seen()

    run_until_sigterm(client)


if __name__ == "__main__":
    main()
