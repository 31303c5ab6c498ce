"""Proof: two bot processes (shards 0 and 1 of 2) share one PostgreSQL and split four guilds.

Each process is ``python -m bot run`` with ``SHARD_COUNT=2`` and its own ``SHARD_IDS``, told
apart in the emulator's request log by its token. A season runs in every guild: polls opened,
votes cast, changed and retracted in a burst, one process killed with SIGKILL in the middle
while the other keeps counting, a restart, resolutions, and the monthly post with a kill and a
restart at the month boundary. PostgreSQL only: SQLite refuses several processes.
"""

from __future__ import annotations

import asyncio
import random
import re
import signal
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from discord_emulator import Actor, Emulator
from discord_emulator.models import Channel, Guild

from bot.domain import nonces
from bot.domain.months import Month
from bot.domain.shards import shard_of
from tests.bot.test_crash_recovery import (
    REPO,
    BotProcess,
    Store,
    Votes,
    difference,
    expected_votes,
    poll_message_ids,
    reaction_ops,
)
from tests.pg import BACKENDS

pytestmark = [
    # PostgreSQL only (SQLite refuses several processes); skipped, with the reason, when the
    # embedded server cannot start (failed when CI=true), like every PostgreSQL test.
    pytest.mark.parametrize("backend", BACKENDS[1:], indirect=True),
    # One identify bucket: the two processes must take turns through the database.
    pytest.mark.emulator(shards=2, max_concurrency=1),
]

MEMBERS = 40
OPS_PER_GUILD = 500
CHUNK = 100
TOKENS = ("emulator.shard0.token", "emulator.shard1.token")
CHANNEL_PATH = re.compile(r"^/channels/(\d+)")


@dataclass
class Place:
    """One emulated server of the proof."""

    guild: Guild
    polls: Channel
    leaderboard: Channel
    admin: Actor
    members: list[int]

    @property
    def shard(self) -> int:
        """Return the shard that serves it (of 2)."""
        return shard_of(self.guild.id, 2)


def make_places(emu: Emulator) -> list[Place]:
    """Create four guilds, two on each shard of 2 (guild ids are time based)."""
    places: list[Place] = []
    while len(places) < 4:
        guild = emu.create_guild(f"G{len(places)}", channels=("general", "polls", "leaderboard"))
        if sum(p.shard == shard_of(guild.id, 2) for p in places) >= 2:
            del emu.guilds[guild.id]  # not connected yet: no event ever named it
            time.sleep(0.002)
            continue
        by_name = {c.name: c for c in guild.channels.values()}
        admin = emu.add_admin(guild, f"admin{len(places)}")
        members = [
            emu.add_member(guild, f"g{len(places)}m{n:02d}", dispatch=False).id
            for n in range(MEMBERS)
        ]
        places.append(Place(guild, by_name["polls"], by_name["leaderboard"], admin, members))
    return places


def shard_process(emu: Emulator, db_url: str, log_dir: Path, shard: int) -> BotProcess:
    """Return the bot process serving one shard of 2."""
    bot = BotProcess(emu, db_url, log_dir / f"shard{shard}")
    (log_dir / f"shard{shard}").mkdir()
    bot.env.update(
        DISCORD_TOKEN=TOKENS[shard],
        SHARD_COUNT="2",
        SHARD_IDS=str(shard),
        SCHEDULER_INTERVAL="0.5",
    )
    return bot


async def until(condition: object, what: str, bots: list[BotProcess], timeout: float) -> None:  # noqa: ASYNC109
    """Poll `condition()` until it holds; fail with the live processes' log tails otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            tails = "\n".join(b.tails() for b in bots)
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{tails}")
        await asyncio.sleep(0.1)


def stored_for(store: Store, messages: list[int]) -> Votes:
    """Return the stored votes of some poll messages."""
    stored = store.votes()
    return {m: stored.get(m, {}) for m in messages}


def channels_touched(emu: Emulator, token: str) -> set[int]:
    """Return the guilds whose channels a process (by its token) sent requests to."""
    guilds = set()
    for record in emu.requests:
        found = CHANNEL_PATH.match(record.path)
        if record.token == token and found:
            channel = emu.channels.get(int(found[1])) or emu.deleted_channels.get(int(found[1]))
            if channel is not None and channel.guild_id is not None:
                guilds.add(channel.guild_id)
    return guilds


async def test_two_shard_processes_split_a_season_through_a_kill_9(
    emulator: Emulator, tmp_path: Path, db_url: str
) -> None:
    emu = emulator
    places = make_places(emu)
    store = Store(db_url)
    bots = [shard_process(emu, db_url, tmp_path, shard) for shard in (0, 1)]
    try:
        for bot in bots:
            await bot.start()
        await until(
            lambda: store.count("predictions") == 40 and emu.registered_commands(),
            "both processes to seed their guilds and shard 0 to register the commands",
            bots,
            timeout=60,
        )
        for place in places:
            await place.admin.run(
                "/setup leaderboard-channel",
                in_channel=place.polls,
                options={"channel": place.leaderboard},
                check_permissions=False,
                timeout=30,
            )
            opened = await place.admin.run("/poll open-all", in_channel=place.polls, timeout=30)
            assert opened.messages[-1].content == f"Opened 10 polls in <#{place.polls.id}>."
        polls = {p.guild.id: poll_message_ids(emu, p.polls) for p in places}
        assert all(len(ids) == 10 for ids in polls.values())
        mine = {s: [m for p in places if p.shard == s for m in polls[p.guild.id]] for s in (0, 1)}
        every = mine[0] + mine[1]

        # Votes, changes and retractions in every guild, interleaved.
        rng = random.Random(20251110)
        held: dict[tuple[int, int], set[str]] = {}
        per_guild = [
            reaction_ops(rng, p.members, polls[p.guild.id], OPS_PER_GUILD, held) for p in places
        ]
        burst = [op for group in zip(*per_guild, strict=False) for op in group]
        half = len(burst) // 2
        for i in range(0, half, CHUNK):
            await emu.burst_reactions(burst[i : i + CHUNK])
            await asyncio.sleep(0.02)
        await until(
            lambda: any(stored_for(store, mine[1]).values()),
            "shard 1 to commit votes",
            bots,
            timeout=20,
        )
        assert await bots[1].kill9() == -signal.SIGKILL  # in the middle of the burst
        frozen = stored_for(store, mine[1])
        for i in range(half, len(burst), CHUNK):
            await emu.burst_reactions(burst[i : i + CHUNK])
            await asyncio.sleep(0.02)

        # Shard 0 keeps counting its guilds; nobody writes the votes of shard 1's guilds.
        def shard0_counted() -> bool:
            stored = stored_for(store, mine[0])
            return stored == expected_votes(emu, mine[0], stored)

        await until(shard0_counted, "shard 0 to count its guilds' votes", bots, timeout=30)
        assert stored_for(store, mine[1]) == frozen
        assert frozen != expected_votes(emu, mine[1], frozen), "nothing left for the restart"

        await bots[1].start()

        def all_counted() -> bool:
            stored = stored_for(store, every)
            return stored == expected_votes(emu, every, stored)

        try:
            await until(all_counted, "every guild's votes to equal the reactions", bots, 60)
        except pytest.fail.Exception:
            stored = stored_for(store, every)
            print(difference(expected_votes(emu, every, stored), stored))
            raise
        voters = sum(len(v) for v in store.votes().values())
        assert voters > 100, voters

        # Resolutions, announced once each by the process serving the guild.
        for place in places:
            for number, outcome in ((1, "came_true"), (2, "did_not")):
                done = await place.admin.run(
                    "/prediction resolve",
                    in_channel=place.polls,
                    options={"prediction": number, "outcome": outcome},
                    timeout=30,
                )
                assert done.messages[-1].content.startswith(f"Resolved #{number}")
        announced = store.rows(
            "SELECT count(*) FROM resolution_events WHERE announced_message_id > 0"
        )
        assert announced == [(8,)]

        # The month ends (the guilds are made a month older); kill shard 1 at the boundary.
        since = datetime.now(UTC) - timedelta(days=62)
        store.rows(f"UPDATE guild_settings SET created_at = '{since.isoformat()}'")
        assert await bots[1].kill9() == -signal.SIGKILL
        await bots[1].start()
        month = Month.containing(datetime.now(UTC), UTC).previous()

        def boards_posted() -> bool:
            return store.rows(
                "SELECT count(*) FROM leaderboard_posts WHERE message_id IS NOT NULL"
            ) == [(4,)]

        await until(boards_posted, "every guild's monthly post", bots, timeout=60)
        await asyncio.sleep(2)  # a few more scheduler ticks in both processes: still once
        for place in places:
            boards = [
                m
                for m in emu.messages(place.leaderboard.id)
                if m.nonce == nonces.monthly_board(place.guild.id, month)
            ]
            assert len(boards) == 1, (place.guild.name, len(boards))

        # No process ever sent a request to a channel of the other's guilds.
        for shard, token in enumerate(TOKENS):
            theirs = {p.guild.id for p in places if p.shard == shard}
            assert channels_touched(emu, token) == theirs
        syncs = [r.token for r in emu.requests if r.route.endswith("/commands")]
        assert syncs and set(syncs) == {TOKENS[0]}  # only shard 0 syncs the commands

        # The operator's view: which shard and which process serve a guild.
        check = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "bot", "check", "--guild", str(places[0].guild.id)),
            cwd=REPO,
            env={**bots[0].env, "DISCORD_TOKEN": ""},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(check.communicate(), 60)
        assert check.returncode == 0, err.decode()
        pid = bots[places[0].shard].proc.pid  # type: ignore[union-attr]
        assert f"shard {places[0].shard} of 2, served by " in out.decode()
        assert f":{pid}." in out.decode(), out.decode()
        assert store.intact()
        emu.assert_clean()  # no identify sent faster than the bucket allows, among others
    except BaseException:
        for bot in bots:
            print(bot.tails())
        raise
    finally:
        for bot in bots:
            await bot.stop()
