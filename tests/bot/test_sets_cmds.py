"""Sets through the emulator: imports lacking source/made_on/due, /prediction sets, set filters."""

from __future__ import annotations

from bot.domain.outcomes import Choice
from tests.bot.conftest import World
from tests.bot.test_boards_setup_cmds import vote_and_resolve
from tests.bot.test_hostile_input import answer

PLAIN = b"1. **Open models lead**: An open-weights model tops the arena.\n2. Agents book travel\n"
PLAIN += b"   A mainstream assistant books flights end to end.\n"


async def test_import_names_what_is_missing_and_takes_the_options(live: World) -> None:
    upload = live.emu.upload
    lacking = await live.run(live.admin, "/prediction import", file=upload("mine.md", PLAIN))
    assert lacking.ephemeral
    assert answer(lacking) == (
        "mine.md:1: missing source, made_on: add lines like 'Model: NAME' and '20-Nov-24', "
        "or give the source and made_on options"
    )
    bad_date = await live.run(
        live.admin, "/prediction import", file=upload("mine.md", PLAIN), made_on="1 Dec"
    )
    assert bad_date.ephemeral
    assert answer(bad_date) == "The made_on date '1 Dec' is not a date: use YYYY-MM-DD."
    given = await live.run(
        live.admin,
        "/prediction import",
        file=upload("mine.md", PLAIN),
        source="Ada",
        made_on="2025-12-01",
        due="2026-06-30",
    )
    assert answer(given) == "Imported mine.md: 2 added, 0 updated, 0 unchanged."
    twelve = await live.services.predictions.get(live.guild.id, 12)
    assert (twelve.title, twelve.source, str(twelve.made_on), str(twelve.due)) == (
        "Agents book travel",
        "Ada",
        "2025-12-01",
        "2026-06-30",
    )


async def test_sets_lists_each_set_and_add_picks_one(live: World) -> None:
    await live.run(
        live.admin,
        "/prediction import",
        file=live.emu.upload("mine.md", PLAIN),
        source="Ada",
        made_on="2025-12-01",
    )
    plain = await live.run(live.admin, "/prediction add", title="Rain", statement="It rains.")
    assert answer(plain) == "Added prediction #13."
    into = await live.run(
        live.admin, "/prediction add", title="Snow", statement="It snows.", set="mine"
    )
    assert into.ephemeral and answer(into) == "Added prediction #14 to mine."
    unknown = await live.run(
        live.admin, "/prediction add", title="Hail", statement="It hails.", set="@everyone nope"
    )
    assert unknown.ephemeral
    assert answer(unknown) == (
        "There is no set named '@everyone nope' here. Pick one from the list; "
        "/prediction sets shows them all."
    )
    assert (await live.services.predictions.list(live.guild.id)).total == 14
    shown = await live.run(live.members[0], "/prediction show", prediction="14")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert (fields["Set"], fields["Source"]) == ("mine", "community")

    listed = await live.run(live.members[0], "/prediction sets")
    (shown,) = listed.messages[-1].embeds
    assert shown["description"] == (
        "**LLM Predictions For 2025** · GPT-4o\n└ 10 predictions · 0 resolved · 0 open polls\n"
        "**mine** · Ada\n└ 3 predictions · 0 resolved · 0 open polls\n"
        "**Added here** · this server\n└ 1 prediction · 0 resolved · 0 open polls"
    )
    choices = await live.admin.autocomplete(
        "/prediction add", "set", title="T", statement="S", set="min"
    )
    assert [c["value"] for c in choices] == ["mine"]


async def test_leaderboard_stats_and_scorecard_narrow_to_a_set(live: World) -> None:
    await live.run(
        live.admin,
        "/prediction import",
        file=live.emu.upload("mine.md", PLAIN),
        source="Ada",
        made_on="2025-01-01",
    )
    await vote_and_resolve(live)  # #1 and #2 of the shipped set, three voters
    a = live.members[0]
    board = await live.run(a, "/leaderboard", set="mine", image=False)
    embed = board.messages[-1].embeds[0]
    assert embed["title"] == "Leaderboard · November 2025 · mine"
    assert embed["description"] == "No scored votes yet."
    shipped = await live.run(a, "/leaderboard", set="LLM Predictions For 2025", image=False)
    assert shipped.messages[-1].embeds[0]["footer"]["text"] == (
        "3 ranked members · 2 resolved predictions"
    )
    stats = await live.run(a, "/stats", set="llm predictions for 2025", image=False)
    shown = stats.messages[-1].embeds[0]
    assert shown["title"] == "Stats · LLM Predictions For 2025"
    fields = {f["name"]: f["value"] for f in shown["fields"]}
    assert fields["Rank (in this set)"] == "1 of 3"
    nothing = await live.run(a, "/stats", set="mine", image=False)
    assert "none scored yet" in nothing.messages[-1].embeds[0]["description"]
    card = await live.run(a, "/scorecard", set="mine", image=False)
    (field,) = card.embeds[0]["fields"]
    assert field["name"] == "Ada · 2 predictions"
    for command in ("/leaderboard", "/stats", "/scorecard"):
        unknown = await live.run(a, command, set="Next year")
        assert unknown.ephemeral, command
        assert answer(unknown).startswith("There is no set named 'Next year' here."), command
    choices = await a.autocomplete("/leaderboard", "set", set="LLM")
    assert [c["value"] for c in choices] == ["LLM Predictions For 2025"]


async def test_stats_shows_the_member_breakdown_paginated_with_buttons(live: World) -> None:
    services, guild = live.services, live.guild.id
    member = live.members[0]
    for n in range(2):
        await services.predictions.add(guild, title=f"Extra {n}", statement="S.")
    for number in range(1, 13):
        poll, _ = await services.polls.open(guild, number, channel_id=live.polls.id)
        await services.polls.attach_message(poll.id, 700 + number)
        await services.votes.cast(700 + number, member.id, Choice.PARTLY)
        await services.resolution.resolve(guild, number, "came_true")
    result = await live.run(member, "/stats", image=False)
    record, detail = result.embeds
    assert record["title"] == "Stats"
    assert detail["title"] == "What counted"
    assert detail["footer"]["text"] == "Page 1 of 2 · 12 scored predictions"
    assert (
        "**#12** Extra 1\n└ voted 🌓 partly · ✅ came true · **0.5** pts" in detail["description"]
    )
    buttons = [c for row in result.components for c in row["components"]]
    assert [b["label"] for b in buttons] == ["◀ Previous", "Next ▶"]
    assert buttons[0]["disabled"] is True
    clicked = await member.click(result.message, buttons[1]["custom_id"])
    assert clicked.response_type == 7
    record_after, page_two = live.emu.message(result.message.id).embeds
    assert record_after["title"] == "Stats"
    assert page_two["footer"]["text"] == "Page 2 of 2 · 12 scored predictions"
    assert "**#1** Commoditization of Base-Level LLMs" in page_two["description"]
    assert "**#12**" not in page_two["description"]
