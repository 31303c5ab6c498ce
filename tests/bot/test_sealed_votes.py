"""Sealed ballots through the emulator: buttons instead of reactions, answered privately.

/setup ballots, /poll open ballot:sealed (buttons, no reactions), vote, change, retract,
My vote, a double click (one vote, one receipt), reactions on a sealed poll (no votes), the
voter role, forged custom_ids (private one line, nothing stored), the count on the message
kept current with few edits, open-all, and a click racing the close; on both backends.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import re
from typing import Any

from discord_emulator import Actor, InteractionResult
from discord_emulator.models import Message

from bot.domain.ballots import Action, custom_id
from bot.domain.outcomes import Choice
from bot.domain.receipts import leaf, receipt_code
from tests.bot.conftest import ON_BOTH_BACKENDS, World

pytestmark = ON_BOTH_BACKENDS

YES, HALF, NO = Choice.CAME_TRUE, Choice.PARTLY, Choice.DID_NOT


async def open_sealed(world: World, number: int, **options: Any) -> tuple[int, Message]:
    """Open a sealed poll on a prediction; return its poll id and message."""
    options.setdefault("ballot", "sealed")
    options = {k: v for k, v in options.items() if v is not None}
    result = await world.run(world.admin, "/poll open", prediction=str(number), **options)
    assert result.content.startswith(f"Poll on #{number} is open until"), result.content
    ref = next(r for r in await world.services.polls.open_refs() if r.number == number)
    return ref.poll_id, world.emu.message(ref.message_id)


async def press(
    world: World, member: Actor, message: Message, action: Action, poll_id: int, choice: Any = None
) -> InteractionResult:
    """Press a button of a poll message as a member."""
    return await member.click(
        world.emu.message(message.id), custom_id(action, poll_id, choice), timeout=10
    )


def vote(world: World, member: Actor, message: Message, poll_id: int, choice: Choice) -> Any:
    """Press one option's button."""
    return press(world, member, message, Action.VOTE, poll_id, choice)


async def code_of(world: World, poll_id: int, member: Actor) -> str:
    """Return the receipt code of a member's stored ballot, computed from the database."""
    state = await world.services.votes.ballot(poll_id, member.id)
    assert state is not None and state.choice is not None and state.salt is not None
    return receipt_code(leaf(poll_id, member.id, state.choice, state.salt))


def field(message: Message, name: str) -> str:
    """Return an embed field's value."""
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == name)


async def test_setup_ballots_and_a_sealed_poll_has_buttons_and_no_reactions(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    result = await live.run(live.admin, "/setup ballots", style="sealed")
    assert result.ephemeral and result.content.startswith("New polls are sealed ballots")
    fields = {f["name"]: f["value"] for f in result.embeds[0]["fields"]}
    assert fields["Ballots"].startswith("sealed")
    refused = await live.run(live.members[0], "/setup ballots", style="reactions")
    assert refused.ephemeral and "Ballots" not in str(refused.embeds)  # admins only
    assert (await live.services.guilds.get(live.guild.id)).ballot_style.value == "sealed"

    poll_id, message = await open_sealed(live, 1, ballot=None)  # the server's default
    assert live.emu.reactions(message.id) == {}
    assert "Sealed ballot" in {f["name"] for f in message.embeds[0]["fields"]}
    assert field(message, "Voted so far") == "0 members"
    assert "<t:" in field(message, "Closes")
    ids = [c["custom_id"] for row in message.components for c in row["components"]]
    assert ids == [
        f"calledit:vote:{poll_id}:came_true",
        f"calledit:vote:{poll_id}:partly",
        f"calledit:vote:{poll_id}:did_not",
        f"calledit:mine:{poll_id}",
        f"calledit:retract:{poll_id}",
    ]
    labels = [(c.get("emoji") or {}).get("name") for c in message.components[0]["components"]]
    assert labels == ["✅", "🌓", "❌"]

    _, reaction_poll = await open_sealed(live, 2, ballot="reactions")  # the option wins
    assert set(live.emu.reactions(reaction_poll.id)) == {"✅", "🌓", "❌"}
    assert not reaction_poll.components


async def test_vote_change_retract_my_vote_and_double_click(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    poll_id, message = await open_sealed(live, 1)
    a, b = live.members[:2]

    first = await vote(live, a, message, poll_id, YES)
    assert first.ephemeral and not first.deferred
    code = await code_of(live, poll_id, a)
    assert first.content.startswith(f"Your vote: ✅ **came true**. Receipt code: `{code}`")
    assert "You can change it until <t:" in first.content
    again = await vote(live, a, message, poll_id, YES)  # a double click: one vote, one receipt
    assert f"`{code}`" in again.content
    both = await asyncio.gather(*(vote(live, b, message, poll_id, HALF) for _ in range(3)))
    b_code = await code_of(live, poll_id, b)
    assert all(f"`{b_code}`" in r.content for r in both)
    assert await live.services.votes.votes_of_poll(poll_id) == {a.id: YES, b.id: HALF}

    changed = await vote(live, a, message, poll_id, NO)
    new_code = await code_of(live, poll_id, a)
    assert new_code != code and f"❌ **did not**. Receipt code: `{new_code}`" in changed.content
    mine = await press(live, a, message, Action.MINE, poll_id)
    assert mine.ephemeral and f"Your vote: ❌ **did not**. Receipt code: `{new_code}`" in (
        mine.content
    )

    await live.members[2].react(message.id, "✅")  # reactions on a sealed poll are no votes
    gone = await press(live, a, message, Action.RETRACT, poll_id)
    assert gone.ephemeral and gone.content.startswith("Your vote is retracted.")
    none = await press(live, a, message, Action.MINE, poll_id)
    assert none.content.startswith("You have no vote on this poll.")
    await live.bot.workflows.writer.flush()
    assert await live.services.votes.votes_of_poll(poll_id) == {b.id: HALF}
    assert not live.emu.requests_to(
        "DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}"
    )
    # Presses are timed in /metrics beside the slash commands, none of them late.
    metrics = live.bot.metrics.render().decode()
    counted = re.search(r'answer_seconds_count\{command="ballot button"\} (\d+)', metrics)
    assert counted is not None and int(float(counted[1])) >= 5, metrics
    assert 'calledit_late_interactions_total{command="ballot button"}' not in metrics


async def test_forged_buttons_get_one_private_line_and_store_nothing(world: World) -> None:
    other = world.emu.create_guild("Elsewhere", channels=("general", "polls"))
    other_admin = world.emu.add_admin(other, "bea")
    other_general = next(c for c in other.channels.values() if c.name == "general")
    async with world.running():
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        poll_id, message = await open_sealed(world, 1)
        closed_id, _ = await open_sealed(world, 2)
        await world.run(world.admin, "/poll close", prediction="2")
        reaction_id, _ = await open_sealed(world, 3, ballot="reactions")
        theirs = await other_admin.run(
            "/poll open",
            in_channel=other_general,
            options={"prediction": "1", "ballot": "sealed"},
            check_permissions=False,
            timeout=10,
        )
        assert theirs.content.startswith("Poll on #1 is open"), theirs.content
        their_id = next(r.poll_id for r in await world.services.polls.open_refs(other.id))
        forged = {
            f"calledit:vote:{their_id}:came_true": "another server",
            f"calledit:vote:{closed_id}:came_true": "votes are frozen",
            f"calledit:retract:{closed_id}": "votes are frozen",
            f"calledit:vote:{reaction_id}:partly": "by reaction",
            "calledit:vote:999999:did_not": "doesn't exist",
            "calledit:vote:xyz:maybe": "isn't one of mine",
            f"calledit:vote:{poll_id}:maybe": "isn't one of mine",
        }
        planted = world.emu.message(message.id)
        planted.components.append(
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 2, "label": "x", "custom_id": cid} for cid in forged
                ][:5],
            }
        )
        planted.components.append(
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 2, "label": "x", "custom_id": cid} for cid in forged
                ][5:],
            }
        )
        member = world.members[0]
        for cid, expected in forged.items():
            result = await member.click(world.emu.message(message.id), cid, timeout=10)
            assert result.ephemeral, cid
            assert expected in result.content and "\n" not in result.content, (cid, result.content)
        await world.bot.workflows.writer.flush()
        for pid in (poll_id, closed_id, reaction_id, their_id):
            assert await world.services.votes.votes_of_poll(pid) == {}


async def test_the_voter_role(world: World) -> None:
    role = world.emu.create_role(world.guild, "Voters")
    voter, other = world.members[:2]
    world.emu.set_member_roles(world.guild, voter, [role])
    async with world.running():
        await world.emu.wait_for(
            lambda: world.bot.get_guild(world.guild.id).get_role(role.id) is not None,  # type: ignore[union-attr]
            timeout=5,
        )
        await world.run(world.admin, "/setup voter-role", role=role)
        await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
        poll_id, message = await open_sealed(world, 1)
        assert field(message, "Who may vote") == f"Members with <@&{role.id}>."
        refused = await vote(world, other, message, poll_id, YES)
        assert refused.ephemeral and refused.content == (
            f"Only members with <@&{role.id}> vote on this server's polls."
        )
        allowed = await vote(world, voter, message, poll_id, NO)
        assert allowed.content.startswith("Your vote: ❌")
        assert await world.services.votes.votes_of_poll(poll_id) == {voter.id: NO}


async def test_the_count_moves_with_few_edits(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    crowd = [live.emu.add_member(live.guild, f"voter{n:03d}") for n in range(150)]
    poll_id, message = await open_sealed(live, 1)
    counts = live.bot.workflows.counts
    choices = list(Choice)
    results = []
    for wave in range(3):  # a burst over about 4 s: at most one edit per 5 s, the last after it
        results += await asyncio.gather(
            *(
                vote(live, m, message, poll_id, choices[i % 3])
                for i, m in enumerate(crowd[wave * 50 : wave * 50 + 50])
            )
        )
        await asyncio.sleep(2)
    assert all(r.content.startswith("Your vote:") for r in results)
    await live.emu.wait_for(
        lambda: field(live.emu.message(message.id), "Voted so far") == "150 members", timeout=15
    )
    edits = [
        r
        for r in live.emu.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
        if r.path.endswith(f"/messages/{message.id}")
    ]
    assert 1 <= len(edits) <= 3, len(edits)  # 150 votes, a handful of edits
    gaps = [b.at - a.at for a, b in itertools.pairwise(edits)]
    assert all(gap >= 4.5 for gap in gaps), gaps
    assert await live.services.votes.count(poll_id) == 150
    assert live.emu.message(message.id).components  # the edits keep the buttons
    # Closed: the count is left alone (the closed form is the closing's).
    await live.run(live.admin, "/poll close", prediction="1")
    edits_then = counts.edits
    await asyncio.sleep(1.5)
    assert counts.edits == edits_then


async def test_open_all_sealed(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    result = await live.run(live.admin, "/poll open-all", hours=24, ballot="sealed", timeout=30)
    assert result.content == f"Opened 10 polls in <#{live.polls.id}>."
    refs = await live.services.polls.open_refs()
    assert len(refs) == 10 and all(r.ballot.value == "sealed" for r in refs)
    for ref in refs:
        assert live.emu.reactions(ref.message_id) == {}
        assert live.emu.message(ref.message_id).components
    first = refs[0]
    answered = await vote(
        live, live.members[0], live.emu.message(first.message_id), first.poll_id, HALF
    )
    assert answered.content.startswith("Your vote: 🌓")


async def test_clicks_racing_the_close_are_stored_before_it_or_refused(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    poll_id, message = await open_sealed(live, 1)
    members = live.members[:20]
    clicks = [asyncio.ensure_future(vote(live, m, message, poll_id, YES)) for m in members]
    await asyncio.sleep(0.05)
    stale = copy.deepcopy(live.emu.message(message.id))
    closing = asyncio.ensure_future(live.run(live.admin, "/poll close", prediction="1"))
    results = await asyncio.gather(*clicks)
    await closing
    stored = await live.services.votes.votes_of_poll(poll_id)
    for member, result in zip(members, results, strict=True):
        if member.id in stored:
            assert result.content.startswith("Your vote: ✅"), result.content
        else:
            assert result.content.startswith("This poll has closed: votes are frozen"), (
                result.content
            )
    # A client that has not yet shown the edit still offers the vote buttons.
    late = await live.members[25].click(stale, custom_id(Action.VOTE, poll_id, NO), timeout=10)
    assert late.content == "This poll has closed: votes are frozen."
    assert live.members[25].id not in await live.services.votes.votes_of_poll(poll_id)
    view = await live.services.predictions.get(live.guild.id, 1)
    assert view.tally.total == len(stored)
    if stored:  # after close a member still sees their own ballot and its receipt
        member = next(m for m in members if m.id in stored)
        mine = await press(live, member, message, Action.MINE, poll_id)
        assert mine.content == (
            "This poll has closed: votes are frozen.\n"
            f"Your vote: ✅ **came true**. Receipt code: `{await code_of(live, poll_id, member)}`"
        )


async def test_a_count_edit_under_way_never_lands_after_the_close(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    poll_id, message = await open_sealed(live, 1)
    await vote(live, live.members[0], message, poll_id, YES)
    shown = live.emu.message(message.id)
    # After a first count edit discord.py knows the edit route's bucket and lets edits overlap.
    await live.emu.wait_for(lambda: "1 member" in str(shown.embeds), timeout=10)
    edit = "PATCH /channels/{channel_id}/messages/{message_id}"
    live.emu.delay_requests(edit, 1.5)  # the next count edit is slow on its way to Discord
    await vote(live, live.members[1], message, poll_id, NO)
    await live.emu.wait_for(lambda: live.emu.ratelimiter.delays[0][2] == 0, timeout=15)
    closed = await live.run(live.admin, "/poll close", prediction="1")
    assert closed.content.startswith("Closed the poll on #1")
    await asyncio.sleep(2.0)  # past the slow count edit
    assert shown.embeds[0]["title"].startswith("Poll closed · #1"), shown.embeds[0]["title"]
    assert [c["custom_id"] for row in shown.components for c in row["components"]] == [
        f"calledit:mine:{poll_id}"
    ]
