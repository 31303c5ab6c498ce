"""Reading pressed ballots back in batches: one read per poll for every press waiting on it.

Each press is answered with what is stored after its vote committed. In a burst a read per
press would queue thousands of reads behind each other on the database; here the presses
that wait while a read runs are gathered and read in one statement per poll next.
"""

from __future__ import annotations

import asyncio

from bot.services.votes import VoteService
from bot.snapshots.votes import BallotState


class BallotReads:
    """Read members' stored ballots, many presses per read."""

    def __init__(self, votes: VoteService) -> None:
        self._votes = votes
        #: Waiting reads: poll -> member -> the futures of the presses asking.
        self._waiting: dict[int, dict[int, list[asyncio.Future[BallotState | None]]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def get(self, poll_id: int, member_id: int) -> BallotState | None:
        """Return a member's ballot on a poll as stored now (None: no such poll)."""
        future: asyncio.Future[BallotState | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(poll_id, {}).setdefault(member_id, []).append(future)
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())
        return await future

    async def _run(self) -> None:
        waiting: dict[int, dict[int, list[asyncio.Future[BallotState | None]]]] = {}
        try:
            while self._waiting:
                waiting, self._waiting = self._waiting, {}
                for poll_id, members in waiting.items():
                    await self._read(poll_id, members)
        finally:
            self._task = None
            # Cancelled (the bot stopping): no press is left waiting for an answer.
            for members in (*waiting.values(), *self._waiting.values()):
                for futures in members.values():
                    for future in futures:
                        if not future.done():
                            future.cancel()

    async def _read(
        self, poll_id: int, members: dict[int, list[asyncio.Future[BallotState | None]]]
    ) -> None:
        try:
            found = await self._votes.ballots(poll_id, members)
        except Exception as exc:  # each press says it couldn't confirm; the next reads anew
            for futures in members.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        for member_id, futures in members.items():
            for future in futures:
                if not future.done():
                    future.set_result(None if found is None else found[member_id])
