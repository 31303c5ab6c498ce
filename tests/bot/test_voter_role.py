"""The voter role: only members holding it vote; others' reactions are ignored and taken off
(with Manage Messages); the poll says who may vote; the read-back looks members up."""

from __future__ import annotations

from discord_emulator.models import Role

from bot.domain.outcomes import Choice
from tests.bot.conftest import World

YES, NO = "✅", "❌"
LOOKUP = "/guilds/{guild_id}/members/{user_id}"


async def voters_only(world: World, count: int) -> Role:
    """Create a Voters role, give it to the first `count` members, and set it as the voter role."""
    role = world.emu.create_role(world.guild, "Voters")
    for member in world.members[:count]:
        world.emu.set_member_roles(world.guild, member, [role])
    await world.emu.wait_for(
        lambda: world.bot.get_guild(world.guild.id).get_role(role.id) is not None,  # type: ignore[union-attr]
        timeout=5,
    )
    result = await world.run(world.admin, "/setup voter-role", role=role)
    assert result.content.startswith("Voter role set")
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    return role


async def stored_votes(world: World, number: int) -> dict[int, Choice]:
    """Return the stored votes of a prediction's open poll."""
    ref = next(r for r in await world.services.polls.open_refs() if r.number == number)
    return await world.services.votes.votes_of_poll(ref.poll_id)


async def test_only_voters_vote_and_others_reactions_are_taken_off(live: World) -> None:
    role = await voters_only(live, 2)
    await live.run(live.admin, "/poll open", prediction="1")
    poll = live.poll_message(1)
    fields = {f["name"]: f["value"] for f in poll.embeds[0]["fields"]}
    assert fields["Who may vote"] == f"Members with <@&{role.id}>; others' reactions don't count."
    edited = await live.run(live.admin, "/prediction edit", prediction="1", title="Renamed")
    assert "⚠️" not in edited.content
    poll = live.poll_message(1)
    assert {f["name"] for f in poll.embeds[0]["fields"]} >= {"Who may vote"}  # kept by edits
    voter, other = live.members[0], live.members[5]
    await voter.react(poll.id, YES)
    await other.react(poll.id, NO)
    await live.emu.wait_for(lambda: other.id not in live.emu.reactions(poll.id).get(NO, set()))
    await live.bot.workflows.writer.flush()
    assert await stored_votes(live, 1) == {voter.id: Choice.CAME_TRUE}
    results = await live.run(live.members[9], "/poll results", prediction="1")
    assert "✅ 1 · 🌓 0 · ❌ 0 (1 vote)" in str(results.embeds[0])
    cleared = await live.run(live.admin, "/setup voter-role")
    assert cleared.content.startswith("Everyone votes.")
    await other.react(poll.id, NO)
    await live.settle()
    assert await stored_votes(live, 1) == {voter.id: Choice.CAME_TRUE, other.id: Choice.DID_NOT}


async def test_the_read_back_looks_up_each_member_once_and_remembers_non_voters(
    live: World,
) -> None:
    await voters_only(live, 3)
    await live.run(live.admin, "/poll open", prediction="1")
    poll = live.poll_message(1)
    seen = live.members[0]
    await seen.react(poll.id, YES)
    await live.bot.workflows.writer.flush()
    never_seen = [live.members[1], live.members[2], live.members[7], live.members[8]]
    live.emu.lose_reactions([(m.id, poll.id, NO, "add") for m in never_seen])
    lookups = len(live.emu.requests_to("GET", LOOKUP))
    await live.run(live.admin, "/poll resync")
    assert await stored_votes(live, 1) == {
        seen.id: Choice.CAME_TRUE,
        live.members[1].id: Choice.DID_NOT,
        live.members[2].id: Choice.DID_NOT,
    }  # members 7 and 8 lack the role
    # One each; `seen` too: a resync checks again voters known from before it started.
    assert len(live.emu.requests_to("GET", LOOKUP)) == lookups + 5
    await live.run(live.admin, "/poll resync")
    assert len(live.emu.requests_to("GET", LOOKUP)) == lookups + 8  # non-voters remembered


async def test_everyone_as_the_voter_role_is_refused(live: World) -> None:
    everyone = live.guild.roles[live.guild.id]
    refused = await live.run(live.admin, "/setup voter-role", role=everyone)
    assert refused.content == (
        "@everyone can't be the voter role: leave it unset and everyone votes."
    )
    assert (await live.services.guilds.get(live.guild.id)).voter_role_id is None


async def test_a_voter_whose_role_is_taken_away_does_not_count_at_resync_or_close(
    live: World,
) -> None:
    role = await voters_only(live, 3)
    await live.run(live.admin, "/poll open", prediction="1")
    poll = live.poll_message(1)
    kept, dropped, later = live.members[0], live.members[1], live.members[2]
    for member in (kept, dropped, later):
        await member.react(poll.id, YES)
    await live.settle_until(lambda votes: len(votes) == 3)
    # A moderator takes the role away; without the members intent no event tells the bot.
    live.emu.set_member_roles(live.guild, dropped, [])
    lookups = len(live.emu.requests_to("GET", LOOKUP))
    await live.run(live.admin, "/poll resync")
    assert await stored_votes(live, 1) == {
        kept.id: Choice.CAME_TRUE,
        later.id: Choice.CAME_TRUE,
    }
    assert len(live.emu.requests_to("GET", LOOKUP)) == lookups + 3  # each voter once
    ref = next(r for r in await live.services.polls.open_refs() if r.number == 1)
    live.emu.set_member_roles(live.guild, later, [])
    await live.run(live.admin, "/prediction resolve", prediction="1", outcome="came_true")
    assert await live.services.votes.votes_of_poll(ref.poll_id) == {kept.id: Choice.CAME_TRUE}
    assert role.id in live.guild.members[kept.id].roles
