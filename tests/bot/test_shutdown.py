"""Proof: SIGTERM in the middle of a reaction flood stops the real bot process cleanly.

The emulator runs in this process and floods reactions; the bot runs as ``python -m bot run``
in a subprocess. On SIGTERM the bot must stop reading, commit every vote it received, tell the
gateway the last event it handled (a heartbeat carrying that sequence number), close the
gateway and the database, and exit 0 within a few seconds. Right after the exit, before any
restart, the database must hold exactly the votes of the reaction events up to that sequence
number: none lost, none doubled, none read back. After a restart, the votes equal the reactions.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import signal
import time
from pathlib import Path

import pytest
from discord.gateway import DiscordWebSocket, KeepAliveHandler
from discord_emulator import Emulator
from discord_emulator.connection import Session
from discord_emulator.flood import Flood

from bot.domain.outcomes import Choice
from bot.votes.brake import acknowledge
from tests.bot.conftest import ON_BOTH_BACKENDS, World
from tests.bot.test_crash_recovery import (
    BotProcess,
    Store,
    Votes,
    difference,
    expected_votes,
    poll_message_ids,
    wait_until,
)

MEMBERS = 3_000  # x 10 polls: a flood of 30,000 reactions
STOP_WITHIN = 5.0


def votes_handled(sessions: list[Session], polls: list[int], bot_id: int) -> Votes:
    """Return the votes of the members' reaction adds each session's client acknowledged."""
    result: Votes = {message_id: {} for message_id in polls}
    frames = [
        frame
        for session in sessions
        for sequence, frame in session.buffer
        if sequence <= (session.acked or 0)  # a shard that parsed nothing acknowledges nothing
    ]
    for frame in frames:
        if '"t":"MESSAGE_REACTION_ADD"' not in frame:
            continue
        data = json.loads(frame)["d"]
        message_id = int(data["message_id"])
        choice = Choice.from_emoji(data["emoji"]["name"])
        if message_id in result and choice is not None and int(data["user_id"]) != bot_id:
            result[message_id][int(data["user_id"])] = choice
    return result


def stopping_lines(log: Path) -> tuple[int, int, float]:
    """Return (votes to write at the signal, votes written on the way out, seconds) from a log."""
    text = log.read_text(errors="replace")
    to_write = re.search(r"Stopping \(SIGTERM\): (\d+) votes to write", text)
    stopped = re.search(r"Stopped: (\d+) votes written on the way out, ([\d.]+)s", text)
    assert to_write and stopped, text[-3000:]
    # The goodbye heartbeat's ack is timed from that heartbeat, not from the session's start:
    # an operator's log shows no false "Can't keep up ... behind" on a clean stop.
    assert "Can't keep up" not in text, text[-3000:]
    return int(to_write[1]), int(stopped[1]), float(stopped[2])


def test_the_discord_py_pieces_the_goodbye_relies_on_are_there() -> None:
    """bot.votes.brake.acknowledge reads the sequence and waits for the ack."""
    received = inspect.getsource(DiscordWebSocket.received_message)
    assert "self.sequence = seq" in received and "self._keep_alive.ack()" in received
    assert "self._last_ack = " in inspect.getsource(KeepAliveHandler.ack)
    assert "self._last_send = " in inspect.getsource(KeepAliveHandler.beat)
    assert inspect.iscoroutinefunction(DiscordWebSocket.send_heartbeat)


async def test_the_goodbye_heartbeat_is_timed_from_itself(live: World) -> None:
    """Its ack measures that heartbeat: no false "Can't keep up" in an operator's log at stop."""
    gateway = live.bot.ws
    await asyncio.sleep(1.2)  # the session's first heartbeat is older than this
    assert await acknowledge(gateway, gateway.sequence)
    assert gateway._keep_alive.latency < 1.0


@ON_BOTH_BACKENDS
@pytest.mark.parametrize("shards", [None, "2"], ids=["one-shard", "two-shards"])
async def test_sigterm_mid_flood_commits_every_vote_received_and_exits_0(
    emulator: Emulator, tmp_path: Path, db_url: str, shards: str | None
) -> None:
    emu = emulator
    guild = emu.create_guild("Forecasters", channels=("general", "polls"))
    polls_channel = next(c for c in guild.channels.values() if c.name == "polls")
    admin = emu.add_admin(guild, "ada")
    members = [emu.add_member(guild, f"m{n:04d}", dispatch=False).id for n in range(MEMBERS)]
    store = Store(db_url)
    bot = BotProcess(emu, db_url, tmp_path)
    if shards is not None:  # discord.py's AutoShardedBot, every shard in this one process
        bot.env["SHARD_COUNT"] = shards
    try:
        await bot.start()
        await wait_until(
            lambda: store.count("predictions") == 10 and emu.registered_commands(guild),
            "the bot to seed its predictions and register its commands",
            bot,
            timeout=60,
        )
        opened = await admin.run("/poll open-all", in_channel=polls_channel, timeout=30)
        assert opened.messages[-1].content == f"Opened 10 polls in <#{polls_channel.id}>."
        polls = poll_message_ids(emu, polls_channel)
        sessions = emu.gateway.connected_sessions()
        assert len(sessions) == int(shards or 1)
        (voting,) = [s for s in sessions if s.sees_guild(guild.id)]  # the guild's shard

        flood = Flood(id=1, message_ids=polls, member_ids=members)
        emu.start_flood(flood)
        await wait_until(lambda: store.count("votes") > 0 or flood.finished, "the first votes", bot)
        assert not flood.finished and flood.error is None, flood.report()
        dispatched = flood.dispatched
        committed_at_signal = store.count("votes")
        assert bot.proc is not None
        sent = voting.seq  # the last event the gateway had sent (or queued) at the signal
        signalled = time.perf_counter()
        bot.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.proc.wait(), 30)
        took = time.perf_counter() - signalled
        assert code == 0, bot.tails()
        assert took < STOP_WITHIN, f"{took:.1f}s\n{bot.tails()}"

        # Right after the exit, before any restart or read-back: exactly the votes of the
        # events the bot says it handled (its last heartbeat), none lost and none extra, and
        # those include every event the gateway had sent when the signal came.
        assert voting.acked is not None, bot.tails()
        assert voting.acked >= sent  # every event sent before the signal was taken in
        stored = store.votes()
        expected = votes_handled(sessions, polls, emu.bot.id)
        assert stored == expected, difference(expected, stored)
        votes = sum(len(v) for v in stored.values())
        to_write, written, closing = stopping_lines(bot.logs[-1])
        assert votes >= committed_at_signal
        assert written >= to_write  # and what it read on to the gateway's ack
        print(
            f"SIGTERM after {dispatched} reactions sent ({committed_at_signal} votes committed):"
            f" exit 0 in {took:.2f}s; {to_write} votes in flight at the signal, {written}"
            f" written on the way out ({closing:.2f}s); {votes} votes stored, for the events"
            f" acknowledged: up to #{voting.acked}, #{sent} sent at the signal"
        )
        assert store.intact()

        # A restart reads the polls back: the votes then equal the reactions.
        await emu.wait_for(lambda: flood.finished, timeout=30)
        await bot.start()

        def recovered() -> bool:
            now = store.votes()
            return now == expected_votes(emu, polls, now)

        await wait_until(recovered, "the votes to equal the reactions after restart", bot, 90)
        bot.proc.send_signal(signal.SIGINT)  # Ctrl-C: the same clean stop
        assert await asyncio.wait_for(bot.proc.wait(), 30) == 0, bot.tails()
        assert "Stopping (SIGINT): 0 votes to write" in bot.logs[-1].read_text()
        emu.assert_clean()
    except BaseException:
        print(bot.tails())
        raise
    finally:
        await bot.stop()


@pytest.mark.parametrize("when", ["logging-in", "commands-synced", "gateway-ready-sent"])
async def test_sigterm_during_start_up_exits_0(
    emulator: Emulator, tmp_path: Path, db_url: str, when: str
) -> None:
    """A stop signal before the bot is connected (logging in, syncing) stops it cleanly too."""
    guild = emulator.create_guild("Forecasters", channels=("general",))
    bot = BotProcess(emulator, db_url, tmp_path)
    moment = {
        "logging-in": lambda: emulator.requests,
        "commands-synced": lambda: emulator.registered_commands(guild),
        "gateway-ready-sent": emulator.gateway.ready_event.is_set,
    }[when]
    await bot.start()
    try:
        await emulator.wait_for(moment, timeout=30)
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.proc.wait(), 10)
        assert code == 0, bot.tails()
        assert "Stopped: 0 votes written on the way out" in bot.logs[-1].read_text()
    finally:
        await bot.stop()
