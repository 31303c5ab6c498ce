"""A client for an out-of-process emulator's control API (``/_emulator/...``)."""

from __future__ import annotations

from typing import Any

import aiohttp


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
