"""Disputes: within the server's window, one per member and resolution, told to the admins
verbatim with mentions disabled, listed by /prediction show, closed by a re-resolution."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.models import Dispute
from tests.bot.conftest import World

REASON = "@everyone <@&1> it did **not** happen: https://example.com/x"


def announcements(world: World) -> list[dict]:  # type: ignore[type-arg]
    """Return the embeds of the resolution announcements in #polls."""
    return [
        m.embeds[0]
        for m in world.emu.messages(world.polls.id)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith("Resolved ·")
    ]


async def resolve(world: World, number: str, outcome: str = "came_true") -> None:
    """Resolve a prediction as the admin, announced in #polls."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    result = await world.run(world.admin, "/prediction resolve", prediction=number, outcome=outcome)
    assert "⚠️" not in (result.content or "")


async def disputes(world: World) -> list[Dispute]:
    """Return every stored dispute."""
    async with world.services.db.read() as session:
        return list(await session.scalars(select(Dispute).order_by(Dispute.id)))


async def test_a_dispute_reaches_the_admins_verbatim_and_is_listed(live: World) -> None:
    await resolve(live, "1")
    (announcement,) = announcements(live)
    until = int((live.clock.now() + timedelta(hours=48)).timestamp())
    assert {
        "name": "Disagree?",
        "value": f"Use /prediction dispute until <t:{until}:f>.",
        "inline": False,
    } in announcement["fields"]
    member = live.members[0]
    filed = await live.run(member, "/prediction dispute", prediction="1", reason=REASON)
    assert filed.content == (
        "Your dispute of #1 (resolved came true) is with the admins. "
        "Your reason is shown to everyone in /prediction show."
    )
    (row,) = await disputes(live)
    assert (row.member_id, row.reason, row.outcome, row.closed_at) == (
        member.id,
        REASON,
        "came_true",
        None,
    )
    told = await live.run(live.admin, "/poll open", prediction="2")
    assert f"(resolved came true): <@{member.id}> says: {REASON}" in told.content
    assert told.messages[-1].allowed_mentions == {"parse": []}
    again = await live.run(live.admin, "/poll open", prediction="3")
    assert "Dispute" not in again.content  # told once
    shown = await live.run(live.members[1], "/prediction show", prediction="1")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert (
        REASON in fields["Open disputes (1)"] and f"<@{member.id}>" in fields["Open disputes (1)"]
    )
    assert shown.messages[-1].allowed_mentions == {"parse": []}
    settings = await live.run(live.admin, "/setup show")  # not a thing the bot can't do
    assert "Dispute on" not in str(settings.embeds[0]["fields"])


async def test_a_second_dispute_by_the_same_member_is_refused(live: World) -> None:
    await resolve(live, "1")
    first, second = live.members[:2]
    await live.run(first, "/prediction dispute", prediction="1", reason="No.")
    twice = await live.run(first, "/prediction dispute", prediction="1", reason="Really no.")
    assert twice.content == "You already disputed this resolution of #1."
    other = await live.run(second, "/prediction dispute", prediction="1", reason="Me too.")
    assert other.content.startswith("Your dispute of #1")
    assert [d.member_id for d in await disputes(live)] == [first.id, second.id]


async def test_a_dispute_after_the_window_is_refused(live: World) -> None:
    await resolve(live, "1")
    deadline = live.clock.now() + timedelta(hours=48)
    live.clock.advance(timedelta(hours=48))
    late = await live.run(live.members[0], "/prediction dispute", prediction="1", reason="No.")
    assert late.content == f"The time to dispute #1 ended <t:{int(deadline.timestamp())}:R>."
    assert await disputes(live) == []


async def test_a_dispute_on_an_unresolved_prediction_is_refused(live: World) -> None:
    result = await live.run(live.members[0], "/prediction dispute", prediction="2", reason="No.")
    assert result.content == "Prediction #2 is not resolved, so there is nothing to dispute."
    unknown = await live.run(live.members[0], "/prediction dispute", prediction="99", reason="x")
    assert unknown.content.startswith("There is no prediction #99 here.")
    assert await disputes(live) == []


async def test_setup_disputes_sets_the_window_and_zero_turns_them_off(live: World) -> None:
    result = await live.run(live.admin, "/setup disputes", hours=0)
    assert result.content.startswith("Disputes off.")
    await resolve(live, "1")
    (announcement,) = announcements(live)
    assert all(f["name"] != "Disagree?" for f in announcement.get("fields", []))
    off = await live.run(live.members[0], "/prediction dispute", prediction="1", reason="No.")
    assert off.content == "Disputes are turned off in this server."
    result = await live.run(live.admin, "/setup disputes", hours=2)
    assert result.content.startswith("Disputes: 2 hours after each resolution.")
    assert (await live.services.guilds.get(live.guild.id)).dispute_hours == 2
    denied = await live.run(live.members[0], "/setup disputes", hours=100)
    assert denied.content.startswith("Only admins can do that")
    assert (await live.services.guilds.get(live.guild.id)).dispute_hours == 2


async def test_a_re_resolution_closes_the_disputes_on_the_old_outcome(live: World) -> None:
    await resolve(live, "1")
    member = live.members[0]
    await live.run(member, "/prediction dispute", prediction="1", reason="It did not.")
    live.clock.advance(timedelta(hours=1))
    await resolve(live, "1", "did_not")
    (row,) = await disputes(live)
    assert row.closed_at == live.clock.now()
    assert await live.services.notices.keys(live.guild.id) == set()  # withdrawn, untold
    shown = await live.run(member, "/prediction show", prediction="1")
    assert all(not f["name"].startswith("Open disputes") for f in shown.embeds[0]["fields"])
    again = await live.run(member, "/prediction dispute", prediction="1", reason="Now partly.")
    assert again.content == (
        "Your dispute of #1 (resolved did not) is with the admins. "
        "Your reason is shown to everyone in /prediction show."
    )


async def test_disputes_go_to_the_admin_channel_when_set(live: World) -> None:
    admins = live.emu.create_channel(live.guild, "admins")
    await live.emu.wait_for(lambda: live.bot.get_channel(admins.id) is not None, timeout=5)
    await live.run(live.admin, "/setup admin-channel", channel=admins)
    await resolve(live, "1")
    member = live.members[0]
    await live.run(member, "/prediction dispute", prediction="1", reason=REASON)
    (posted,) = live.emu.messages(admins.id)
    assert posted.content.endswith(f"(resolved came true): <@{member.id}> says: {REASON}")
    assert posted.content.startswith("⚠️ Dispute on #1 · ")
    assert posted.allowed_mentions == {"parse": []}
    told = await live.run(live.admin, "/poll open", prediction="2")
    assert "Dispute" not in told.content
