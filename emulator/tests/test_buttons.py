"""Buttons end to end: what a click sends the bot, every way to answer it, who sees the answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import pytest_asyncio
from button_bot import SLOW, Panel, Seen, make_client, vote_view
from discord_emulator import CommandError, Emulator, Guild
from discord_emulator.connect import connect_client
from discord_emulator.models import Message
from plain_bot import eventually

CLICK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


@dataclass
class Live:
    """A connected client with the button panel posted in #general."""

    client: discord.Client
    seen: Seen
    panel: Message


def _general(guild: Guild) -> int:
    return next(iter(guild.channels))


@pytest_asyncio.fixture
async def live(emulator: Emulator, guild: Guild) -> AsyncIterator[Live]:
    """Connect the button bot and post its panel."""
    seen = Seen()
    client = make_client(seen)
    async with connect_client(emulator, client):
        channel = client.get_channel(_general(guild))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("panel", view=Panel(seen))
        yield Live(client, seen, emulator.message(sent.id))


async def test_a_click_carries_what_discord_sends(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    role = emulator.create_role(guild, "Voters")
    alice = emulator.add_member(guild, "alice", roles=[role])
    result = await alice.click(live.panel, "p:reply")
    payload = result.interaction.payload
    assert payload["type"] == 3 and payload["guild_id"] == str(guild.id)
    assert payload["data"] == {"custom_id": "p:reply", "component_type": 2}
    assert payload["message"]["id"] == str(live.panel.id)
    assert payload["message"]["components"][0]["components"][0]["custom_id"] == "p:reply"
    assert payload["member"]["user"]["id"] == str(alice.id)
    assert payload["member"]["roles"] == [str(role.id)]
    assert int(payload["member"]["permissions"]) & (1 << 10)  # View Channel
    assert int(payload["app_permissions"]) and payload["locale"] == "en-US" and payload["token"]
    # discord.py parsed it as a component interaction on that message, from that member.
    (inter,) = live.seen.interactions
    assert inter.type is discord.InteractionType.component
    assert inter.message is not None and inter.message.id == live.panel.id
    assert isinstance(inter.user, discord.Member) and [r.id for r in inter.user.roles[1:]] == [
        role.id
    ]
    assert inter.guild_id == guild.id and inter.app_permissions.send_messages
    assert inter.locale is discord.Locale.american_english
    # The answer: a private message with an embed and a file, seen by alice only.
    assert result.response_type == 4 and result.ephemeral and not result.failed
    assert result.content == "private" and result.embeds[0]["title"] == "Just you"
    assert [a.filename for a in result.attachments] == ["bot.py"]
    assert result.ack_ms is not None and 0 <= result.ack_ms < 3000
    assert result.answer_ms == result.ack_ms
    bob = emulator.add_member(guild, "bob")
    assert result.seen_by(alice) == [result.message] and result.seen_by(bob) == []
    emulator.assert_clean()


async def test_deferred_answers_and_follow_ups(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    alice, bob = emulator.add_member(guild, "alice"), emulator.add_member(guild, "bob")
    thought = await alice.click(live.panel, "p:think")
    assert thought.response_type == 5 and thought.deferred and thought.ephemeral
    await thought.wait_followups(2)
    assert thought.content == "thought"  # the first follow-up became the answer
    assert [m.content for m in thought.seen_by(alice)] == ["thought", "and more"]
    assert all(m.ephemeral for m in thought.messages) and thought.seen_by(bob) == []
    assert thought.ack_ms is not None and thought.answer_ms is not None
    assert thought.answer_ms >= thought.ack_ms

    edited = await alice.click(live.panel, "p:edit")
    assert edited.response_type == 5 and not edited.ephemeral and edited.content == "edited"
    assert edited.seen_by(bob) == [edited.message]  # public: everyone sees it

    quiet = await alice.click(live.panel, "p:quiet")
    assert quiet.response_type == 6 and quiet.message is live.panel
    assert quiet.ephemeral and quiet.content == "noted"
    assert quiet.seen_by(bob) == [live.panel]  # the panel, not alice's follow-up
    # Private answers are not in the channel: not in its history, not fetchable there.
    channel = live.client.get_channel(live.panel.channel_id)
    assert isinstance(channel, discord.TextChannel)
    history = {m.id async for m in channel.history(limit=50)}
    assert history == {live.panel.id, edited.message.id}
    with pytest.raises(discord.NotFound) as caught:
        await channel.fetch_message(quiet.followups[0].id)
    assert caught.value.code == 10008
    assert live.panel.content == "panel"  # a deferred update changes nothing by itself
    emulator.assert_clean()


async def test_update_the_clicked_message(emulator: Emulator, guild: Guild, live: Live) -> None:
    alice = emulator.add_member(guild, "alice")
    result = await alice.click(live.panel, "p:update")
    assert result.response_type == 7 and result.message is live.panel
    assert live.panel.content == f"updated by {alice.id}" and result.content == live.panel.content
    assert not result.ephemeral and result.components == live.panel.components
    emulator.assert_clean()


async def test_modal_from_a_button(emulator: Emulator, guild: Guild, live: Live) -> None:
    alice = emulator.add_member(guild, "alice")
    asked = await alice.click(live.panel, "p:ask")
    assert asked.response_type == 9 and asked.modal is not None
    assert asked.modal["title"] == "Your answer"
    submitted = await alice.submit_modal(asked, {"text": "hi"})
    assert submitted.ephemeral and submitted.content == "got hi"
    emulator.assert_clean()


async def test_buttons_in_an_ephemeral_message(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    alice, bob = emulator.add_member(guild, "alice"), emulator.add_member(guild, "bob")
    private = await alice.click(live.panel, "p:private")
    assert private.ephemeral and private.components[0]["components"][0]["custom_id"] == "inner"
    with pytest.raises(CommandError, match="ephemeral"):
        bob.start_click(private.message, "inner")  # bob never saw it
    inner = await alice.click(private.message, "inner")
    assert inner.interaction.payload["message"]["flags"] & 64
    assert inner.response_type == 7 and inner.ephemeral
    assert private.message is not None and private.message.content == f"inner clicked by {alice.id}"
    emulator.assert_clean()


async def test_link_and_disabled_buttons_are_not_clickable(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    alice = emulator.add_member(guild, "alice")
    (link,) = [c for row in live.panel.components for c in row["components"] if c.get("style") == 5]
    assert link["url"] == "https://example.com/" and "custom_id" not in link
    with pytest.raises(CommandError, match="no component"):
        alice.start_click(live.panel, "nope")
    live.panel.components[0]["components"][0]["disabled"] = True
    with pytest.raises(CommandError, match="disabled"):
        alice.start_click(live.panel, "p:reply")
    assert not emulator.interactions


@pytest.mark.emulator(interaction_timeout=0.2)
async def test_no_answer_within_the_timeout_fails(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    assert SLOW > 0.2
    alice = emulator.add_member(guild, "alice")
    result = await alice.click(live.panel, "p:slow")
    # The member is told at the deadline, before the bot's late answer arrives.
    assert result.failed == "This interaction failed: the bot did not answer within 0.2 s"
    assert result.response_type is None and result.content == ""
    await eventually(lambda: live.seen.errors, timeout=3)
    (late,) = live.seen.errors
    assert isinstance(late, discord.NotFound) and late.code == 10062
    assert result.failed is not None and "10062 Unknown interaction" in result.failed
    assert [v.code for v in emulator.violations] == [10062]


@pytest.mark.emulator(interaction_token_ttl=0.3)
async def test_follow_up_after_the_token_expired_is_refused(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    import asyncio

    alice = emulator.add_member(guild, "alice")
    result = await alice.click(live.panel, "p:update")
    assert result.response_type == 7
    (inter,) = live.seen.interactions
    await asyncio.sleep(0.35)  # Discord: 15 minutes
    with pytest.raises(discord.HTTPException) as caught:
        await inter.followup.send("much later", ephemeral=True)
    assert caught.value.status == 401 and caught.value.code == 50027
    assert [v.code for v in emulator.violations] == [50027]


@pytest.mark.emulator(interaction_timeout=0.3)
async def test_persistent_buttons_answer_after_a_restart(emulator: Emulator, guild: Guild) -> None:
    first = make_client(Seen())
    async with connect_client(emulator, first):
        channel = first.get_channel(_general(guild))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Vote", view=vote_view("yes", "no"))
    message = emulator.message(sent.id)  # the components live in the emulator's state
    alice = emulator.add_member(guild, "alice")
    down = await alice.click(message, "vote:yes")
    assert down.failed == (
        "This interaction failed: no bot was connected to the gateway to receive it"
    )
    # A new process: a new client, a new IDENTIFY, the same dynamic item registered.
    seen = Seen()
    second = make_client(seen)
    async with connect_client(emulator, second):
        assert emulator.gateway.identifies == 2
        result = await alice.click(message, "vote:no")
        assert not result.failed and result.ephemeral and result.content == "You voted no"
        (inter,) = seen.interactions
        assert inter.message is not None and inter.message.id == message.id
        assert inter.client is second
    emulator.assert_clean()


@pytest.mark.emulator(interaction_timeout=0.3)
async def test_a_click_while_the_bot_is_offline_fails_and_its_replay_is_refused(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    alice = emulator.add_member(guild, "alice")
    async with emulator.bot_offline():
        result = await alice.start_click(live.panel, "p:update").wait_finished(3)
        assert result.failed is not None and "no bot was connected" in result.failed
    # RESUME replays the click; the bot's answer comes too late and Discord refuses it.
    await emulator.wait_for(lambda: result.interaction.acknowledged_late, timeout=5)
    assert result.response_type is None and "10062" in (result.failed or "")
    assert live.panel.content == "panel"


async def test_a_button_inside_a_components_v2_layout(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    async def go(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("v2 clicked", ephemeral=True)

    button: discord.ui.Button[discord.ui.LayoutView] = discord.ui.Button(
        label="Go", custom_id="v2:go"
    )
    button.callback = go  # type: ignore[method-assign]
    row: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow(button)
    layout = discord.ui.LayoutView(timeout=None)
    layout.add_item(discord.ui.Container(discord.ui.TextDisplay("Vote below"), row))
    channel = live.client.get_channel(live.panel.channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(view=layout)
    message = emulator.message(sent.id)
    assert message.flags & (1 << 15)  # IS_COMPONENTS_V2
    alice = emulator.add_member(guild, "alice")
    result = await alice.click(message, "v2:go")
    assert result.interaction.payload["message"]["components"][0]["type"] == 17  # container
    assert not result.failed and result.ephemeral and result.content == "v2 clicked"
    emulator.assert_clean()


async def test_buttons_with_emoji_come_back_as_discord_answers_them(
    emulator: Emulator, guild: Guild, live: Live
) -> None:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="yes", emoji="✅", custom_id="e:yes"))
    channel = live.client.get_channel(_general(guild))
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("emoji", view=view)  # discord.py sends the emoji with a null id
    fetched = await channel.fetch_message(sent.id)
    (button,) = emulator.message(sent.id).components[0]["components"]
    assert button["emoji"] == {"name": "✅"} and isinstance(button["id"], int)
    assert str(fetched.components[0].children[0].emoji) == "✅"  # type: ignore[union-attr]
    emulator.assert_clean()  # the answers match the spec's component responses
