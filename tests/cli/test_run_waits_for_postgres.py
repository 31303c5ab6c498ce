"""`calledit run` waits for a PostgreSQL that starts after it, then serves (a container's start)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from discord_emulator import Emulator

from tests.cli.test_cli import COMMAND, clean_env
from tests.cli.test_first_hour import TOKEN, refused_port
from tests.pg import PgServer

pytestmark = pytest.mark.postgresql


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


def _forward_to(socket_path: Path) -> Callable[..., Awaitable[None]]:
    """Return a connection handler that relays TCP to the server's Unix socket."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(str(socket_path))
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    return handle


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_run_waits_for_postgresql_then_serves(
    tmp_path: Path,
    emulator: Emulator,
    pg_server: PgServer,
    new_database_url: Callable[..., Awaitable[str]],
) -> None:
    name = urlparse(await new_database_url(migrated=False)).path.lstrip("/")
    (socket_path,) = await asyncio.to_thread(
        lambda: list(Path(pg_server.socket_dir).glob(".s.PGSQL.*[0-9]"))
    )
    port = refused_port()  # where the database will appear, once the bot waits for it
    emulator.valid_tokens = {TOKEN}
    env = clean_env(
        {
            "DISCORD_TOKEN": TOKEN,
            "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{name}",
            "DISCORD_API_BASE": emulator.api_base,
            "DISCORD_GATEWAY_URL": emulator.gateway_url,
        }
    )
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    seen: list[str] = []
    server: asyncio.Server | None = None
    reading: asyncio.Task[bytes] | None = None
    try:
        while not any("Waiting for the database" in line for line in seen):
            line = await asyncio.wait_for(process.stderr.readline(), 60)
            assert line, "\n".join(seen)
            seen.append(line.decode())
        server = await asyncio.start_server(_forward_to(socket_path), "127.0.0.1", port)
        reading = asyncio.create_task(process.stderr.read())
        await emulator.wait_until_ready(60)  # connected to Discord: the database was reached
        await emulator.wait_for(lambda: emulator.registered_commands(), timeout=60)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:  # a clean stop is tested elsewhere; here it only must end
                process.kill()
                await process.wait()
                print("calledit run did not stop within 10 s of SIGINT; killed")
        rest = (await asyncio.wait_for(reading, 30)).decode() if reading else ""
        if server is not None:
            server.close()
    waiting = next(line for line in seen if "Waiting for the database" in line)
    assert f"can't use PostgreSQL at 127.0.0.1:{port}" in waiting
    assert "trying again every 5 s (DATABASE_URL)" in waiting
    assert "Traceback" not in "".join(seen) + rest
    assert "database schema at revision" in rest
