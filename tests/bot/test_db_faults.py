"""A database that is full or read-only for a while: votes wait and commit once it clears.

The faults are SQLite's own, for real: ``PRAGMA max_page_count`` (never below the file's size)
makes every write that needs a new page fail with SQLITE_FULL "database or disk is full", and
``PRAGMA query_only`` makes every write fail with SQLITE_READONLY, on each connection of the
bot's database file as it begins a transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event

from bot.domain.outcomes import Choice
from tests.bot.conftest import World
from tests.bot.test_vote_faults import REACTION_READS, open_poll

EMOJI = ("✅", "🌓", "❌")
#: What a pragma is set to once the fault is lifted (SQLite's default page limit).
NO_LIMIT = "PRAGMA max_page_count = 1073741823"
UNAVAILABLE = "The database is unreachable right now: nothing was changed. Try again in a minute."


@contextlib.contextmanager
def sqlite_fault(path: str, on: str, off: str) -> Iterator[dict[str, bool]]:
    """Run pragma `on` (while the yielded flag says so) or `off` as each transaction on `path` begins."""
    state = {"on": True}

    def begin(conn: Any) -> None:
        if conn.engine.url.database == path:
            conn.exec_driver_sql(on if state["on"] else off)

    event.listen(Engine, "begin", begin)
    try:
        yield state
    finally:
        event.remove(Engine, "begin", begin)


def two_options(world: World, message_id: int) -> set[int]:
    """Return the members holding more than one option on a message."""
    seen: dict[int, int] = {}
    humans = {u.id for u in world.emu.users.values() if not u.bot}
    for emoji, users in world.emu.reactions(message_id).items():
        if emoji in EMOJI:
            for user in users & humans:
                seen[user] = seen.get(user, 0) + 1
    return {user for user, count in seen.items() if count > 1}


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the log records of the bot and database that carry a traceback."""
    return [r for r in caplog.records if r.exc_info and r.name.startswith(("bot.", "db."))]


@pytest.mark.parametrize(
    ("on", "words"),
    [
        ("PRAGMA max_page_count = 1", "The database is full (database or disk is full)"),
        ("PRAGMA query_only = 1", "The database is read-only"),
    ],
    ids=["disk-full", "read-only"],
)
async def test_votes_wait_out_a_full_or_read_only_database_and_commit_after(
    world: World, caplog: pytest.LogCaptureFixture, on: str, words: str
) -> None:
    extra = [world.emu.add_member(world.guild, f"late{n:03d}") for n in range(170)]
    members = world.members + extra  # 200: the new votes need new pages of the votes table
    off = NO_LIMIT if "max_page_count" in on else "PRAGMA query_only = 0"
    path = world.db_url.split("///", 1)[1]
    caplog.set_level(logging.INFO)
    async with world.running():
        poll_id, message_id = await open_poll(world, 3)
        early = members[:30]
        await world.emu.burst_reactions(
            (m.id, message_id, EMOJI[i % 3], "add") for i, m in enumerate(early)
        )
        await world.settle()
        reads = len(world.emu.requests_to(*REACTION_READS))
        caplog.clear()
        with sqlite_fault(path, on, off) as fault:
            # The first 30 change their minds (a second option each), 170 vote for the first time.
            await world.emu.burst_reactions(
                [(m.id, message_id, EMOJI[(i + 1) % 3], "add") for i, m in enumerate(early)]
                + [(m.id, message_id, EMOJI[i % 3], "add") for i, m in enumerate(extra)]
            )
            writer = world.bot.workflows.writer
            await world.emu.wait_for(lambda: writer.received >= 30 + 200, timeout=15)
            await asyncio.sleep(2.0)  # a few tries while the database is out
            fault["on"] = False
            expected = {
                m.id: Choice.from_emoji(EMOJI[(i + 1) % 3]) for i, m in enumerate(early)
            } | {m.id: Choice.from_emoji(EMOJI[i % 3]) for i, m in enumerate(extra)}
            with contextlib.suppress(TimeoutError):  # asserted below, with what is left
                await world.emu.wait_for(lambda: not two_options(world, message_id), timeout=20)
            stored = await world.services.votes.votes_of_poll(poll_id)
            wrong = {m for m in expected if stored.get(m) is not expected[m]}
            assert not wrong, f"{len(wrong)} votes wrong after the fault was lifted"
            assert not two_options(world, message_id), "members left with two options"
            await world.settle()
    assert len(world.emu.requests_to(*REACTION_READS)) == reads, "healed without a read-back"
    messages = [r.getMessage() for r in caplog.records]
    assert sum(words in m for m in messages) == 1, messages
    assert sum("takes writes again" in m for m in messages) == 1, messages
    assert not [m for m in messages if "set aside" in m]
    assert not tracebacks(caplog), [r.getMessage() for r in tracebacks(caplog)]
