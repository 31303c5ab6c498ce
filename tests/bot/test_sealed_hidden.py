"""Sealed polls through the emulator: the tally hidden until close everywhere, for everyone;
the result post revealing it with the commitment; votes private after close; never read back.

Button voting is built elsewhere: a sealed poll here is opened as usual, then marked sealed in
the database with its ballots written there (each with a salt), as the button path stores them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from discord_emulator import Actor
from sqlalchemy import update

from bot.domain.outcomes import Choice
from bot.domain.receipts import new_salt
from db.models import Poll, Vote
from tests.bot.conftest import ON_BOTH_BACKENDS, World
from tests.bot.test_polls_votes import open_poll

pytestmark = ON_BOTH_BACKENDS

YES, HALF, NO = "✅", "🌓", "❌"
EDIT_ROUTE = "/channels/{channel_id}/messages/{message_id}"
ROOT = "ab" * 32
HIDDEN = "🔒 3 sealed votes · the tally shows when the poll closes"


async def seal(world: World, number: int, ballots: dict[Actor, Choice], hours: int = 48) -> int:
    """Open a poll on a prediction, make it sealed with these ballots; return its message id."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    message_id = await open_poll(world, number, hours=hours)
    poll = await world.services.polls.by_message(message_id)
    assert poll is not None
    async with world.services.db.write() as session:
        await session.execute(update(Poll).where(Poll.id == poll.id).values(ballot_style="sealed"))
        for member, choice in ballots.items():
            session.add(
                Vote(
                    poll_id=poll.id,
                    member_id=member.id,
                    prediction_id=poll.prediction_id,
                    choice=choice.ordinal,
                    cast_at=world.clock.now(),
                    salt=new_salt(),
                )
            )
    # The registry learns the ballot style as it does after a restart (from the database).
    world.bot.discord_io.polls.load(await world.services.polls.open_refs())
    return message_id


async def commit(world: World, message_id: int, root: str = ROOT, count: int = 3) -> None:
    """Store the commitment the receipts' close code computes (built elsewhere)."""
    async with world.services.db.write() as session:
        await session.execute(
            update(Poll)
            .where(Poll.message_id == message_id)
            .values(sealed_root=root, sealed_count=count)
        )


async def votes_of(world: World, message_id: int) -> dict[int, Choice]:
    poll = await world.services.polls.by_message(message_id)
    assert poll is not None
    return await world.services.votes.votes_of_poll(poll.id)


def fields_of(embed: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


def three(world: World) -> dict[Actor, Choice]:
    a, b, c = world.members[:3]
    return {a: Choice.CAME_TRUE, b: Choice.CAME_TRUE, c: Choice.DID_NOT}


async def test_only_the_count_shows_while_open_for_everyone_then_the_close_reveals(
    live: World,
) -> None:
    message_id = await seal(live, 1, three(live))
    for who in (live.members[5], live.admin):  # admins included
        results = await live.run(who, "/poll results", prediction="1")
        poll_field = fields_of(results.embeds[0])["Poll"]
        assert poll_field.endswith(HIDDEN), poll_field
        assert "✅" not in poll_field and "❌" not in poll_field
        shown = await live.run(who, "/prediction show", prediction="1")
        assert fields_of(shown.embeds[0])["Poll"].endswith(HIDDEN)
    listed = await live.run(live.members[5], "/prediction list", status="polling")
    assert f"└ polling · {HIDDEN}" in listed.embeds[0]["description"]
    card = await live.run(live.members[5], "/scorecard", image=False)
    assert "✅ 2" not in str(card.embeds)

    await commit(live, message_id)
    live.emu.clear_records()
    closed = await live.run(live.admin, "/poll close", prediction="1")
    assert closed.content == "Closed the poll on #1: ✅ 2 · 🌓 0 · ❌ 1 (3 votes)"
    poll_message = live.emu.message(message_id).embeds[0]
    assert poll_message["title"].startswith("Poll closed · #1")
    ballots = fields_of(poll_message)["Ballots"]
    assert ballots.startswith("🔒 3 sealed votes: voting is over.")
    assert "the result post" in ballots and "✅ 2" not in ballots
    # The commitment is on the message too, whatever becomes of the result post.
    commitment = f"Commitment: `{ROOT}` over 3 ballots — check yours with /poll verify"
    assert fields_of(poll_message)["Commitment"] == commitment
    (edit,) = [
        r for r in live.emu.requests_to("PATCH", EDIT_ROUTE) if r.path.endswith(str(message_id))
    ]
    assert custom_ids(edit.body) == ["calledit:mine"]  # only My vote stays
    result = live.emu.messages(live.polls.id)[-1].embeds[0]
    assert result["title"].startswith("Poll result · #1")
    lines = result["description"].splitlines()
    assert lines[1] == "✅ 2 · 🌓 0 · ❌ 1 (3 votes)"
    assert lines[2] == f"Commitment: `{ROOT}` over 3 ballots — check yours with /poll verify"
    after = await live.run(live.members[5], "/poll results", prediction="1")
    assert fields_of(after.embeds[0])["Poll"].endswith("✅ 2 · 🌓 0 · ❌ 1 (3 votes)")


async def test_the_reminder_and_the_overdue_list_show_only_the_count(live: World) -> None:
    await seal(live, 1, three(live))
    live.clock.advance(timedelta(hours=24, minutes=1))
    await live.bot.scheduler.tick()
    (reminder,) = [
        m
        for m in live.emu.messages(live.polls.id)
        if m.embeds and m.embeds[0]["title"].startswith("⏰ Closing soon")
    ]
    assert fields_of(reminder.embeds[0])["Tally so far"] == HIDDEN

    await seal(live, 3, three(live), hours=720)
    live.clock.set(datetime(2026, 1, 7, 12, tzinfo=UTC))  # #3 is past due, its poll open
    overdue = await live.run(live.admin, "/prediction overdue")
    (line,) = [x for x in overdue.embeds[0]["description"].splitlines() if "**#3**" in x]
    assert line.endswith(f"due 31 Dec 2025 · {HIDDEN} · poll open"), line


async def test_reactions_on_a_sealed_poll_are_no_votes_and_it_is_never_read_back(
    world: World,
) -> None:
    async with world.running():
        message_id = await seal(world, 1, three(world))
        ballots = await votes_of(world, message_id)
        a, d = world.members[0], world.members[3]
        await d.react(message_id, YES)  # a newcomer's reaction: not a vote
        await a.react(message_id, NO)  # a voter's reaction: doesn't change their ballot
        await world.bot.workflows.writer.flush()
        assert await votes_of(world, message_id) == ballots
        one = await world.run(world.admin, "/poll resync", prediction="1")
        assert one.content.startswith("#1: sealed ballots: the bot's own record is the vote")
        every = await world.run(world.admin, "/poll resync")
        assert every.content == "No open poll to re-read."
        await world.admin.clear_reactions(world.emu.message(message_id))  # a moderator's clear
        await world.bot.workflows.writer.flush()
        assert await votes_of(world, message_id) == ballots
    world.emu.lose_reactions([(world.members[4].id, message_id, HALF, "add")])  # while down
    async with world.running():  # the read-back of a new session leaves the ballots alone
        assert await votes_of(world, message_id) == ballots
        live_ref = world.bot.discord_io.polls.get(message_id)
        assert live_ref is not None and live_ref.ballot == "sealed"


async def test_archiving_a_sealed_poll_publishes_its_commitment_on_the_message(
    live: World,
) -> None:
    message_id = await seal(live, 5, three(live))
    removed = await live.run(live.admin, "/prediction remove", prediction="5")
    assert removed.content.startswith("Archived prediction #5")
    poll = await live.services.polls.by_message(message_id)
    assert poll is not None and poll.sealed_root is not None  # computed at the close
    shown = fields_of(live.emu.message(message_id).embeds[0])
    assert shown["Commitment"] == (
        f"Commitment: `{poll.sealed_root}` over 3 ballots — check yours with /poll verify"
    )


async def test_resolving_closes_and_publishes_first_and_votes_stay_private(live: World) -> None:
    message_id = await seal(live, 2, three(live))
    await commit(live, message_id)
    await live.run(live.admin, "/prediction resolve", prediction="2", outcome="came_true")
    posts = [m.embeds[0] for m in live.emu.messages(live.polls.id) if m.embeds]
    titles = [p["title"].split(" · ")[0] for p in posts]
    assert titles[-2:] == ["Poll result", "Resolved"]  # the commitment, then the outcome
    assert f"Commitment: `{ROOT}` over 3 ballots" in posts[-2]["description"]
    assert fields_of(live.emu.message(message_id).embeds[0])["Ballots"].startswith("🔒 3")
    announcement = fields_of(posts[-1])
    assert announcement["Who called it"].startswith("2 members (sealed ballots")
    assert "<@" not in announcement["Who called it"]

    a, c = live.members[0], live.members[2]
    own = await live.run(a, "/stats", image=False)
    public = own.messages[0].embeds[1]["description"]
    assert "sealed ballot" in public and "voted" not in public
    # (the first follow-up after the deferral is the answer itself)
    await live.emu.wait_for(lambda: len(own.messages) == 2, timeout=5)
    mine = own.messages[1]
    assert mine.ephemeral  # only they see their own sealed vote
    assert "voted ✅ came true" in mine.embeds[0]["description"]
    other = await live.run(c, "/stats", image=False, member=a.user)
    shown = str([m.embeds for m in other.messages])
    assert "sealed ballot" in shown and "voted" not in shown
    assert len(other.messages) == 1


async def test_the_deadline_closes_it_with_the_commitment_and_without_its_buttons(
    live: World,
) -> None:
    message_id = await seal(live, 4, three(live), hours=24)
    await commit(live, message_id)
    live.emu.clear_records()
    live.clock.advance(timedelta(hours=24, minutes=1))
    await live.bot.scheduler.tick()
    (edit,) = [
        r for r in live.emu.requests_to("PATCH", EDIT_ROUTE) if r.path.endswith(str(message_id))
    ]
    assert custom_ids(edit.body) == ["calledit:mine"]
    assert "closed at its deadline" in fields_of(live.emu.message(message_id).embeds[0])["Status"]
    result = live.emu.messages(live.polls.id)[-1].embeds[0]
    assert result["title"].startswith("Poll result · #4")
    assert result["description"].splitlines()[1:] == [
        "✅ 2 · 🌓 0 · ❌ 1 (3 votes)",
        f"Commitment: `{ROOT}` over 3 ballots — check yours with /poll verify",
    ]


def custom_ids(body: dict[str, Any]) -> list[str]:
    """Return the buttons' custom ids in a message body, without their poll ids."""
    rows = body["components"]
    return [c["custom_id"].rsplit(":", 1)[0] for row in rows for c in row["components"]]
