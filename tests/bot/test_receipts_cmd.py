"""/poll verify through the emulator: a member's receipt for a closed sealed poll, and refusals."""

from __future__ import annotations

from bot.domain.outcomes import Choice
from bot.domain.receipts import Receipt, receipt_code
from tests.bot.conftest import ON_BOTH_BACKENDS, World
from tests.bot.test_polls_votes import open_poll
from tests.sealed import cast_sealed, published, seal

pytestmark = ON_BOTH_BACKENDS

CHOICES = [Choice.CAME_TRUE, Choice.DID_NOT, Choice.PARTLY, Choice.CAME_TRUE, Choice.DID_NOT]


async def sealed_poll(world: World, number: int) -> tuple[int, dict[int, Choice]]:
    """Open a poll by command, make it sealed and give it five members' ballots."""
    message_id = await open_poll(world, number)
    poll = await world.services.polls.by_message(message_id)
    assert poll is not None
    await seal(world.services.db, poll.id)
    ballots = {m.id: c for m, c in zip(world.members, CHOICES, strict=False)}
    await cast_sealed(world.services.db, poll.id, ballots, world.clock.now())
    return poll.id, ballots


async def test_a_member_gets_a_receipt_that_verifies(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    poll_id, ballots = await sealed_poll(live, 2)
    early = await live.run(live.members[0], "/poll verify", prediction="2")
    assert early.messages[-1].ephemeral
    assert "still open until <t:" in early.messages[-1].content
    assert "your proof comes when it closes" in early.messages[-1].content
    closed = await live.run(live.admin, "/poll close", prediction="2")
    assert closed.messages[-1].content.startswith("Closed the poll on #2")
    root, count = await published(live.services.db, poll_id)
    assert count == 5 and root is not None

    member = live.members[2]
    result = await live.run(member, "/poll verify", prediction="#2")
    message = result.messages[-1]
    assert message.ephemeral and message.allowed_mentions == {"parse": []}
    (attachment,) = message.attachments
    assert attachment.filename == "receipt.json"
    receipt = Receipt.from_json(attachment.data.decode())
    assert receipt.verify()
    assert (receipt.poll_id, receipt.member_id, receipt.choice) == (
        poll_id,
        member.id,
        Choice.PARTLY,
    )
    assert (receipt.root, receipt.count) == (root, count)
    text = message.content
    assert text.startswith("Your sealed ballot on #2: 🌓")
    assert f"Receipt code: `{receipt_code(receipt.leaf)}`" in text
    assert f"Leaf: `{receipt.leaf}`" in text
    assert f"of 5 ballots (index {receipt.index})" in text
    assert f"Commitment: `{root}` (verified)" in text

    other = await live.run(live.members[0], "/poll verify", prediction="2")
    theirs = Receipt.from_json(other.messages[-1].attachments[0].data.decode())
    assert theirs.verify() and theirs.choice is ballots[live.members[0].id]
    assert theirs.root == root and theirs.leaf != receipt.leaf


#: Who asks (a member's index), for which prediction, and what they are told.
REFUSALS = [
    (9, "3", "You didn't vote in the sealed poll on #3: no receipt."),
    (0, "4", "The poll on #4 took reactions, not sealed ballots"),
    (0, "5", "Prediction #5 has had no poll yet"),
    (0, "999", "There is no prediction #999 here"),
    (0, "abc", "'abc' is not a prediction number"),
    (0, "-1", "is not a prediction number"),
]


async def test_refusals_are_friendly_and_private(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    await sealed_poll(live, 3)
    await live.run(live.admin, "/poll close", prediction="3")
    await open_poll(live, 4)
    await live.run(live.admin, "/poll close", prediction="4")
    for who, prediction, expected in REFUSALS:
        result = await live.run(live.members[who], "/poll verify", prediction=prediction)
        message = result.messages[-1]
        assert message.ephemeral and message.attachments == []
        assert expected in message.content, (prediction, message.content)
