"""/prediction commands through the emulator, as members and admins would use them."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import Prediction
from tests.bot.conftest import World


async def test_list_paginates_with_buttons(live: World) -> None:
    for n in range(15):
        await live.services.predictions.add(live.guild.id, title=f"Extra {n}", statement="s")
    member = live.members[0]
    result = await live.run(member, "/prediction list")
    embed = result.embeds[0]
    assert embed["title"] == "Predictions (all)"
    assert embed["footer"]["text"] == "Page 1 of 3 · 25 predictions"
    assert "**#1** Commoditization of Base-Level LLMs" in embed["description"]
    assert not result.ephemeral
    buttons = [c for row in result.components for c in row["components"]]
    assert [b["label"] for b in buttons] == ["◀ Previous", "Next ▶"]
    assert buttons[0]["disabled"] is True
    clicked = await member.click(result.message, buttons[1]["custom_id"])
    assert clicked.response_type == 7
    page_two = live.emu.message(result.message.id).embeds[0]
    assert page_two["footer"]["text"] == "Page 2 of 3 · 25 predictions"
    assert "**#11** Extra 0" in page_two["description"]


async def test_show_autocomplete_and_bad_numbers(live: World) -> None:
    member = live.members[0]
    choices = await member.autocomplete("/prediction show", "prediction", prediction="agents")
    assert choices == [{"name": "#9 Increased Use of AI Agents", "value": "9"}]
    by_number = await member.autocomplete("/prediction show", "prediction", prediction="10")
    assert by_number[0] == {"name": "#10 Wider Adoption Across Industries", "value": "10"}

    shown = await live.run(member, "/prediction show", prediction="9")
    embed = shown.embeds[0]
    assert embed["title"] == "#9 · Increased Use of AI Agents"
    assert embed["description"].startswith("AI agents powered by LLMs will become more autonomous")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert (
        fields["Source"] == "GPT-4o"
        and fields["Made on"] == "20 Nov 2024"
        and fields["Due"] == "31 Dec 2025"
    )

    unknown = await live.run(member, "/prediction show", prediction="99")
    assert (
        unknown.ephemeral
        and unknown.content == "There is no prediction #99 here. Try /prediction list."
    )
    typed = await live.run(member, "/prediction show", prediction="agents please")
    assert typed.ephemeral and "is not a prediction number" in typed.content


async def test_admin_commands_are_denied_to_members_and_write_nothing(live: World) -> None:
    member = live.members[0]
    for command, options in [
        ("/prediction add", {"title": "T", "statement": "S"}),
        ("/prediction edit", {"prediction": "1", "title": "Hacked"}),
        ("/prediction remove", {"prediction": "1"}),
        ("/prediction resolve", {"prediction": "1", "outcome": "came_true"}),
        ("/prediction unresolve", {"prediction": "1"}),
    ]:
        result = await live.run(member, command, **options)
        assert result.ephemeral, command
        assert "Only admins can do that" in result.content, command
    view = await live.services.predictions.get(live.guild.id, 1)
    assert (view.title, view.archived, view.resolution) == (
        "Commoditization of Base-Level LLMs",
        False,
        None,
    )
    async with live.services.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Prediction)) == 10


async def test_admin_role_grants_admin_commands(live: World) -> None:
    member = live.members[1]
    role = live.emu.create_role(live.guild, "Forecast mods")
    member.give_role(role)
    await live.services.guilds.set_admin_role(live.guild.id, role.id)
    result = await live.run(member, "/prediction add", title="Role works", statement="Yes.")
    assert result.content == "Added prediction #11."


async def test_add_edit_remove(live: World) -> None:
    added = await live.run(
        live.admin,
        "/prediction add",
        title="Open weights beat GPT-5",
        statement="An open-weights model tops the arena.",
        source="Ada",
        made_on="2025-01-02",
        due="2025-12-31",
        criteria="LMArena #1 for a week.",
    )
    assert added.ephemeral and added.content == "Added prediction #11."
    view = await live.services.predictions.get(live.guild.id, 11)
    assert (view.source, str(view.made_on), view.criteria) == (
        "Ada",
        "2025-01-02",
        "LMArena #1 for a week.",
    )

    bad_date = await live.run(
        live.admin, "/prediction add", title="T", statement="S", due="31/12/2025"
    )
    assert bad_date.ephemeral and "is not a date: use YYYY-MM-DD" in bad_date.content
    before = await live.run(
        live.admin,
        "/prediction add",
        title="T",
        statement="S",
        made_on="2025-05-01",
        due="2025-01-01",
    )
    assert "before the date it was made" in before.content

    edited = await live.run(live.admin, "/prediction edit", prediction="11", due="2026-06-30")
    assert edited.content == "Updated prediction #11."
    assert str((await live.services.predictions.get(live.guild.id, 11)).due) == "2026-06-30"
    nothing = await live.run(live.admin, "/prediction edit", prediction="11")
    assert "Nothing to change" in nothing.content

    removed = await live.run(live.admin, "/prediction remove", prediction="11")
    assert removed.content.startswith("Archived prediction #11")
    assert (await live.services.predictions.get(live.guild.id, 11)).archived
    again = await live.run(live.admin, "/prediction remove", prediction="11")
    assert "already archived" in again.content
    async with live.services.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Prediction)) == 11


async def test_resolve_announces_with_mentions_disabled_and_unresolve(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    result = await live.run(
        live.admin,
        "/prediction resolve",
        prediction="1",
        outcome="partly",
        note="@everyone free tiers everywhere, <@&123> but pricing held",
        evidence="https://example.com/pricing",
    )
    assert result.deferred and result.ephemeral
    assert result.messages[-1].content == "Resolved #1 as partly."
    announcement = live.emu.messages(live.polls.id)[-1]
    assert announcement.embeds[0]["title"] == "Resolved · #1 · Commoditization of Base-Level LLMs"
    assert announcement.allowed_mentions == {"parse": []}
    fields = {f["name"]: f["value"] for f in announcement.embeds[0]["fields"]}
    assert fields["Evidence"] == "https://example.com/pricing"
    assert fields["Note"].startswith("@everyone")

    bad = await live.run(
        live.admin,
        "/prediction resolve",
        prediction="2",
        outcome="came_true",
        evidence="javascript:alert(1)",
    )
    assert bad.ephemeral and "http:// or https://" in bad.messages[-1].content
    assert (await live.services.predictions.get(live.guild.id, 2)).resolution is None

    undone = await live.run(live.admin, "/prediction unresolve", prediction="1", note="premature")
    assert undone.messages[-1].content == "Prediction #1 is open again."
    assert live.emu.messages(live.polls.id)[-1].embeds[0]["title"].startswith("Reopened · #1")
    view = await live.services.predictions.get(live.guild.id, 1)
    assert view.resolution is None and len(view.history) == 2
    twice = await live.run(live.admin, "/prediction unresolve", prediction="1")
    assert "is not resolved" in twice.messages[-1].content


async def test_every_message_disables_mentions(live: World) -> None:
    await live.run(
        live.admin, "/prediction add", title="@everyone look", statement="<@&1> @here ping"
    )
    await live.run(live.members[0], "/prediction show", prediction="11")
    await live.run(live.members[0], "/prediction list")
    posted = [
        m for channel in live.guild.channels.values() for m in live.emu.all_messages(channel.id)
    ]
    assert posted
    for message in posted:
        if message.author.id == live.emu.bot.id:
            assert message.allowed_mentions == {"parse": []}, message.embeds
