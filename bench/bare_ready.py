"""The reference for bench_guilds: a plain discord.py client that only connects and waits.

Run by ``bench/guilds_procs.py`` as ``bare_ready.py API_BASE GATEWAY_URL [sqlite|postgresql]``: it
connects with the bot's intents (guilds and guild reactions) and discord.py's defaults for everything else
(caches, ``guild_ready_timeout``), logs discord.py's INFO lines (the session's READY among them)
to stdout with epoch timestamps, prints ``ready <time.time()>`` once discord.py is, and runs
until SIGTERM. Pointing discord.py at the emulator is the only thing it changes.

With a backend named it first imports the rest of the project's fixed stack for that backend
(SQLAlchemy's asyncio engine and ORM, the driver and its dialect, pydantic-settings) and uses
none of it: the least memory any bot on that stack holds in those servers, before a line of
its own code, a database connection or a vote.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time

from bare_client import plain_client, run_until_sigterm

#: The fixed stack's libraries beside discord.py, per backend (pyproject.toml's dependencies).
STACK = {
    "sqlite": ("sqlalchemy.ext.asyncio", "sqlalchemy.dialects.sqlite.aiosqlite", "aiosqlite"),
    "postgresql": ("sqlalchemy.ext.asyncio", "sqlalchemy.dialects.postgresql.asyncpg", "asyncpg"),
}


def main() -> None:
    """Connect, say when ready, and stop on SIGTERM."""
    api_base, gateway_url = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        for module in (*STACK[sys.argv[3]], "pydantic_settings"):
            importlib.import_module(module)
    logging.basicConfig(
        stream=sys.stdout, level=logging.WARNING, format="%(created).3f %(name)s: %(message)s"
    )
    logging.getLogger("discord.gateway").setLevel(logging.INFO)
    client = plain_client(api_base, gateway_url)

    @client.event
    async def on_ready() -> None:
        print(f"ready {time.time():.3f} {len(client.guilds)}", flush=True)

    run_until_sigterm(client)


if __name__ == "__main__":
    main()
