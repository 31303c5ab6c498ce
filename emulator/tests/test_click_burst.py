"""Click bursts: many members click one message's buttons at once or paced, answers timed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
import pytest_asyncio
from button_bot import Panel, Seen, make_client, vote_view
from discord_emulator import Emulator, Guild
from discord_emulator.connect import connect_client
from discord_emulator.models import Message
from discord_emulator.remote import Remote


@pytest_asyncio.fixture
async def voting(emulator: Emulator, guild: Guild) -> AsyncIterator[tuple[Seen, Message]]:
    """Connect the button bot and post a vote message with three buttons."""
    seen = Seen()
    client = make_client(seen)
    async with connect_client(emulator, client):
        channel = client.get_channel(next(iter(guild.channels)))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Vote", view=vote_view("yes", "partly", "no"))
        yield seen, emulator.message(sent.id)


async def test_all_at_once(emulator: Emulator, voting: tuple[Seen, Message]) -> None:
    seen, message = voting
    burst = await emulator.click_burst(message, members=30, timeout=20)
    report = burst.report()
    assert report["finished"] and report["error"] is None
    assert report["sent"] == 30 and report["answered"] == 30 and report["failed"] == 0
    assert len({c["member_id"] for c in report["clicks"]}) == 30  # thirty different members
    assert [c["custom_id"] for c in report["clicks"][:4]] == [
        "vote:yes",
        "vote:partly",
        "vote:no",
        "vote:yes",
    ]
    assert all(0 <= c["first_answer_ms"] < 3000 for c in report["clicks"])
    assert all(c["response_type"] == 4 for c in report["clicks"])
    assert report["first_answer_ms"]["p99"] <= report["first_answer_ms"]["max"]
    # The bot really answered each member, privately.
    assert len(seen.interactions) == 30
    assert {i.user.id for i in seen.interactions} == {int(m) for m in burst.member_ids}
    assert all(c.original is not None and c.original.ephemeral for c in burst.clicks)
    emulator.assert_clean()


async def test_paced_and_chosen_buttons(emulator: Emulator, voting: tuple[Seen, Message]) -> None:
    _seen, message = voting
    burst = await emulator.click_burst(message, ["vote:no"], members=8, rate=40.0, timeout=20)
    report = burst.report()
    assert report["answered"] == 8 and report["failed"] == 0
    assert {c["custom_id"] for c in report["clicks"]} == {"vote:no"}
    # Eight clicks at 40 a second take about 7/40 s to send.
    assert report["send_seconds"] >= 7 / 40 * 0.8
    created = [c.created for c in burst.clicks]
    assert created == sorted(created) and created[-1] - created[0] >= 7 / 40 * 0.8
    emulator.assert_clean()


@pytest.mark.emulator(interaction_timeout=0.2)
async def test_failed_clicks_are_counted(emulator: Emulator, guild: Guild) -> None:
    seen = Seen()
    client = make_client(seen)
    async with connect_client(emulator, client):
        channel = client.get_channel(next(iter(guild.channels)))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("panel", view=Panel(seen))
        burst = await emulator.click_burst(sent.id, ["p:slow", "p:update"], members=4, timeout=10)
    report = burst.report()
    by_button = {(c["custom_id"], bool(c["failed"])) for c in report["clicks"]}
    assert by_button == {("p:slow", True), ("p:update", False)}
    assert report["failed"] == 2 and report["answered"] >= 2


async def test_over_the_control_api(
    emulator: Emulator, guild: Guild, voting: tuple[Seen, Message]
) -> None:
    seen, message = voting
    role = emulator.create_role(guild, "Voters")
    async with aiohttp.ClientSession() as s:
        remote = Remote(s, emulator.url)
        report = await remote.click_burst(message.id, members=5, role_ids=[role.id], timeout=20)
        assert report["finished"] and report["answered"] == 5 and report["failed"] == 0
        assert len(report["clicks"]) == 5 and all(c["first_answer_ms"] for c in report["clicks"])
        assert all(
            [r.id for r in i.user.roles[1:]] == [role.id]  # type: ignore[union-attr]
            for i in seen.interactions
        )
        async with s.post(
            f"{emulator.url}/_emulator/clicks/burst",
            json={"message_id": str(message.id), "custom_ids": ["nope"]},
        ) as resp:
            assert resp.status == 400
