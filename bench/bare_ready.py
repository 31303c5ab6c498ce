"""The reference for bench_guilds: a plain discord.py client that only connects and waits.

Run by ``bench/guilds_procs.py`` as ``bare_ready.py API_BASE GATEWAY_URL``: it connects with the
bot's intents (guilds and guild reactions) and discord.py's defaults for everything else
(caches, ``guild_ready_timeout``), logs discord.py's INFO lines (the session's READY among them)
to stdout with epoch timestamps, prints ``ready <time.time()>`` once discord.py is, and runs
until SIGTERM. Pointing discord.py at the emulator is the only thing it changes.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

TOKEN = "emulator.bot.token"


def main() -> None:
    """Connect, say when ready, and stop on SIGTERM."""
    api_base, gateway_url = sys.argv[1], sys.argv[2]
    Route.BASE = api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    logging.basicConfig(
        stream=sys.stdout, level=logging.WARNING, format="%(created).3f %(name)s: %(message)s"
    )
    logging.getLogger("discord.gateway").setLevel(logging.INFO)
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    client = discord.Client(intents=intents)

    @client.event
    async def on_ready() -> None:
        print(f"ready {time.time():.3f} {len(client.guilds)}", flush=True)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(client.close()))
        async with client:
            await client.start(TOKEN)

    asyncio.run(run())


if __name__ == "__main__":
    main()
