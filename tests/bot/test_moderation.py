"""What admins and moderators do to predictions and poll messages, and how the bot follows."""

from __future__ import annotations

from bot.domain import nonces
from tests.bot.conftest import World
from tests.bot.test_polls_votes import open_poll


async def test_editing_a_polled_prediction_edits_its_poll_message(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    message_id = await open_poll(live, 1)
    a = live.members[0]
    await a.react(message_id, "✅")
    await live.settle()

    edited = await live.run(
        live.admin,
        "/prediction edit",
        prediction="1",
        title="Base LLMs are free",
        statement="Basic LLM capabilities are offered for free by @everyone's favourite labs.",
    )
    assert edited.content == "Updated prediction #1 and its open poll's message."
    message = live.emu.message(message_id)
    embed = message.embeds[0]
    assert embed["title"] == "Poll · #1 · Base LLMs are free"
    assert embed["description"].startswith("Basic LLM capabilities are offered for free")
    (poll,) = await live.services.polls.open_refs(live.guild.id)
    assert nonces.is_stamped(embed["footer"]["text"], message.nonce or "")  # still findable
    assert await live.services.votes.votes_of_poll(poll.poll_id)  # votes kept
    live.emu.assert_clean()


async def test_editing_a_prediction_without_a_poll_says_only_that(live: World) -> None:
    edited = await live.run(live.admin, "/prediction edit", prediction="2", due="2026-06-30")
    assert edited.content == "Updated prediction #2."
