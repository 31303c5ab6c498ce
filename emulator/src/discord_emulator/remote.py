"""A client for an out-of-process emulator's control API (``/_emulator/...``)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import aiohttp


async def start_emulator() -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    """Start ``python -m discord_emulator`` (no rate limits, no spec checks) and read its URLs."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "discord_emulator",
        "--port",
        "0",
        "--no-spec",
        "--no-ratelimits",
        stdout=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        return proc, json.loads(line)
    except BaseException:
        await stop_emulator(proc)
        raise


async def stop_emulator(proc: asyncio.subprocess.Process) -> None:
    """Terminate the emulator subprocess (kill it if it lingers)."""
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), 5)
    except TimeoutError:
        proc.kill()
        await proc.wait()


class Remote:
    """Drive an emulator subprocess through its control API."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self._session = session
        self._url = url

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST a JSON body to ``/_emulator{path}`` and return the JSON answer."""
        async with self._session.post(f"{self._url}/_emulator{path}", json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def get(self, path: str) -> Any:
        """GET ``/_emulator{path}`` and return the JSON answer."""
        async with self._session.get(f"{self._url}/_emulator{path}") as response:
            response.raise_for_status()
            return await response.json()

    async def delete(self, path: str) -> Any:
        """DELETE ``/_emulator{path}`` (e.g. ``/channels/{id}``) and return the JSON answer."""
        async with self._session.delete(f"{self._url}/_emulator{path}") as response:
            response.raise_for_status()
            return await response.json()

    async def click_burst(
        self,
        message_id: int | str,
        *,
        members: int | list[int | str] = 10,
        custom_ids: list[str] | None = None,
        rate: float | None = None,
        role_ids: list[int | str] | None = None,
        timeout: float = 120.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Run a click burst (see clicks.py) and return its report once every click settled."""
        body: dict[str, Any] = {"message_id": str(message_id), "rate": rate}
        if isinstance(members, int):
            body["members"] = members
        else:
            body["member_ids"] = [str(m) for m in members]
        if custom_ids:
            body["custom_ids"] = custom_ids
        if role_ids:
            body["role_ids"] = [str(r) for r in role_ids]
        started = await self.post("/clicks/burst", body)
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            report = await self.get(f"/clicks/burst/{started['id']}")
            if report["finished"]:
                return report
            if loop.time() > end:
                raise TimeoutError(f"click burst {started['id']} not settled in {timeout}s")
            await asyncio.sleep(0.1)
