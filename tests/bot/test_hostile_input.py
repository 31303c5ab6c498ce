"""Bad and hostile input through the emulator: every row of docs/admins.md's "Bad input" table."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from discord_emulator import Actor, Channel, CommandError, InteractionResult
from sqlalchemy import func, select

from bot.domain.outcomes import Choice
from bot.domain.seedfile import MAX_BYTES, MAX_PREDICTIONS
from db.models import Prediction
from tests.bot.conftest import World
from tests.bot.test_boards_setup_cmds import unzip

YES, HALF, NO = "✅", "🌓", "❌"
SHIPPED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"
UNKNOWN = "There is no prediction #{n} here. Try /prediction list."
CSV_HEADER = "title,statement,source,made_on,due,criteria\n"


async def count_predictions(world: World, guild_id: int | None = None) -> int:
    async with world.services.db.read() as session:
        return (
            await session.scalar(
                select(func.count())
                .select_from(Prediction)
                .where(Prediction.guild_id == (guild_id or world.guild.id))
            )
            or 0
        )


async def run_in(
    actor: Actor, channel: Channel, command: str, **options: object
) -> InteractionResult:
    """Run a command in a channel, bypassing Discord's permission hint."""
    return await actor.run(
        command, in_channel=channel, options=options, check_permissions=False, timeout=10
    )


def answer(result: InteractionResult) -> str:
    """Return the final text the person saw."""
    return result.messages[-1].content


async def votes_once_counted(world: World, message_id: int, member_id: int) -> dict[int, Choice]:
    """Wait until a member's (later, real) vote is stored; events before it were handled too."""
    poll = await world.services.polls.by_message(message_id)
    assert poll is not None
    for _ in range(200):
        await world.bot.workflows.writer.flush()
        votes = await world.services.votes.votes_of_poll(poll.id)
        if member_id in votes:
            return votes
        await asyncio.sleep(0.05)
    raise AssertionError("the vote never arrived")


async def open_poll(world: World, number: int) -> int:
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    result = await world.run(world.admin, "/poll open", prediction=str(number), hours=24)
    assert answer(result).startswith(f"Poll on #{number} is open until"), answer(result)
    return world.poll_message(number).id


def reaction_event(
    user_id: int,
    channel_id: int,
    message_id: int,
    emoji: str,
    guild_id: int | None,
    emoji_id: int | None = None,
) -> dict[str, object]:
    data: dict[str, object] = {
        "user_id": str(user_id),
        "channel_id": str(channel_id),
        "message_id": str(message_id),
        "emoji": {"id": str(emoji_id) if emoji_id else None, "name": emoji},
        "type": 0,
        "burst": False,
        "burst_colors": [],
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


# -- texts: mentions and markdown verbatim, limits -------------------------------------------


async def test_mentions_and_markdown_are_shown_verbatim_and_ping_nobody(live: World) -> None:
    member = live.members[0]
    role = live.emu.create_role(live.guild, "Everyone who matters")
    title = f"**Bold** @everyone <@{member.id}> <@&{role.id}> @here"
    statement = (
        f"[click me](https://evil.example) __under__ ||spoiler|| <#{live.polls.id}> "
        f"`code` > quote <@!{member.id}> @everyone"
    )
    added = await live.run(live.admin, "/prediction add", title=title, statement=statement)
    assert answer(added) == "Added prediction #11."
    stored = await live.services.predictions.get(live.guild.id, 11)
    assert (stored.title, stored.statement) == (title, statement)

    shown = await live.run(member, "/prediction show", prediction="11")
    assert shown.embeds[0]["title"] == f"#11 · {title}"
    assert shown.embeds[0]["description"] == statement
    poll_id = await open_poll(live, 11)
    assert live.emu.message(poll_id).embeds[0]["title"] == f"Poll · #11 · {title}"

    note = f"@everyone <@{member.id}> **done** <@&{role.id}>"
    await live.run(live.admin, "/prediction resolve", prediction="11", outcome="void", note=note)
    announcement = live.emu.messages(live.polls.id)[-1]
    assert announcement.embeds[0]["title"] == f"Resolved · #11 · {title}"
    fields = {f["name"]: f["value"] for f in announcement.embeds[0]["fields"]}
    assert fields["Note"] == note

    bot_messages = [
        m
        for channel in live.guild.channels.values()
        for m in live.emu.all_messages(channel.id)
        if m.author.id == live.emu.bot.id
    ]
    assert len(bot_messages) >= 5
    for message in bot_messages:
        assert message.allowed_mentions == {"parse": []}, (message.content, message.embeds)


async def test_texts_at_the_limit_are_accepted_and_over_it_refused(live: World) -> None:
    at_limit = await live.run(
        live.admin, "/prediction add", title="T" * 100, statement="S" * 1000, source="R" * 100
    )
    assert answer(at_limit) == "Added prediction #11."
    edited = await live.run(live.admin, "/prediction edit", prediction="11", criteria="C" * 1000)
    assert answer(edited) == "Updated prediction #11."

    # One character more: Discord's client refuses to send it (the registered max_length).
    for command, options in [
        ("/prediction add", {"title": "T" * 101, "statement": "S"}),
        ("/prediction add", {"title": "T", "statement": "S" * 1001}),
        ("/prediction edit", {"prediction": "11", "source": "R" * 101}),
        ("/prediction edit", {"prediction": "11", "criteria": "C" * 1001}),
        ("/prediction resolve", {"prediction": "11", "outcome": "void", "note": "N" * 501}),
        (
            "/prediction resolve",
            {"prediction": "11", "outcome": "void", "evidence": "https://e.x/" + "e" * 489},
        ),
        ("/prediction add", {"title": "T", "statement": "S", "due": "2025-12-310"}),
    ]:
        with pytest.raises(CommandError, match="length out of range"):
            await live.run(live.admin, command, **options)
    evidence = "https://e.x/" + "e" * 488  # 500 characters, as are the note's
    resolved = await live.run(
        live.admin,
        "/prediction resolve",
        prediction="11",
        outcome="void",
        note="N" * 500,
        evidence=evidence,
    )
    assert answer(resolved) == "Resolved #11 as void."
    shown = (await live.services.predictions.get(live.guild.id, 11)).resolution
    assert shown is not None and (shown.note, shown.evidence_url) == ("N" * 500, evidence)
    blank = await live.run(live.admin, "/prediction add", title="   ", statement="S")
    assert blank.ephemeral and answer(blank) == "The title can't be empty."
    assert await count_predictions(live) == 11


async def test_invalid_dates_and_urls_are_refused(live: World) -> None:
    for options, expected in [
        ({"due": "2025-02-30"}, "The due date '2025-02-30' is not a date: use YYYY-MM-DD."),
        ({"made_on": "tomorrow"}, "The made_on date 'tomorrow' is not a date: use YYYY-MM-DD."),
        ({"due": "31/12/2025"}, "The due date '31/12/2025' is not a date: use YYYY-MM-DD."),
    ]:
        result = await live.run(live.admin, "/prediction add", title="T", statement="S", **options)
        assert result.ephemeral and answer(result) == expected
    for url in ("ftp://example.com/x", "https://", "example.com", "http://exa mple.com"):
        result = await live.run(
            live.admin, "/prediction resolve", prediction="2", outcome="came_true", evidence=url
        )
        assert (
            answer(result) == "The evidence must be a web link starting with http:// or https://."
        )
    assert (await live.services.predictions.get(live.guild.id, 2)).resolution is None
    assert await count_predictions(live) == 10


# -- imports ------------------------------------------------------------------------------


async def test_import_csv_markdown_and_toml_all_or_nothing(live: World) -> None:
    async def imp(actor: Actor, filename: str, data: bytes) -> InteractionResult:
        return await live.run(actor, "/prediction import", file=live.emu.upload(filename, data))

    good = CSV_HEADER + (
        'Open weights top the arena,"An open model is #1, for a week.",Ada,2025-01-02,2025-12-31,\n'
        "Robotaxis in Europe,Paid rides in one EU city.,Ada,2025-01-02,2026-06-30,A permit.\n"
    )
    denied = await imp(live.members[0], "sets.csv", good.encode())
    assert denied.ephemeral and "Only admins can do that" in answer(denied)
    assert await count_predictions(live) == 10

    imported = await imp(live.admin, "sets.csv", good.encode())
    assert imported.ephemeral
    assert answer(imported) == "Imported sets.csv: 2 added, 0 updated, 0 unchanged."
    twelve = await live.services.predictions.get(live.guild.id, 12)
    assert (twelve.title, str(twelve.due), twelve.criteria) == (
        "Robotaxis in Europe",
        "2026-06-30",
        "A permit.",
    )
    again = await imp(live.admin, "sets.csv", good.encode())
    assert answer(again) == "Imported sets.csv: 0 added, 0 updated, 2 unchanged."
    shipped = await imp(live.admin, "llm.toml", SHIPPED.read_bytes())
    assert answer(shipped) == "Imported llm.toml: 0 added, 0 updated, 10 unchanged."

    row = "T,S,Src,2025-01-01,2025-12-31,\n"
    markdown = "Model: X\n20-Nov-25\n\n## 1. **One**\nText.\n\n## 3. **Three**\nText.\n"
    too_many = CSV_HEADER + row * (MAX_PREDICTIONS + 1)
    assert len(too_many) < MAX_BYTES
    for filename, data, expected in [
        (
            "bad.csv",
            CSV_HEADER + row + "A,b,c,2025-01-01\n",
            "bad.csv:3: 4 cells; the header has 6",
        ),
        (
            "late.csv",
            CSV_HEADER + row + row + "T" * 101 + ",S,Src,2025-01-01,2025-12-31,\n",
            "late.csv:4: The title is 101 characters long; the limit is 100.",
        ),
        ("cols.csv", "title,statement,colour\n", "cols.csv:1: unknown column 'colour'"),
        ("quote.csv", CSV_HEADER + '"T,S,Src,2025-01-01,2025-12-31,\n', "quote.csv:2: not valid"),
        ("next.md", markdown, "next.md:7: expected prediction 2, found 3"),
        ("set.toml", "[set]\nkey = \n", "set.toml:2: not valid TOML"),
        ("many.csv", too_many, f"more than {MAX_PREDICTIONS} predictions"),
        ("huge.csv", "x" * (MAX_BYTES + 1), "the limit is 262,144 bytes (256 KiB)"),
        ("evil.exe", "MZ", "'evil.exe' is not a prediction set: use .toml, .md or .csv."),
    ]:
        result = await imp(live.admin, filename, data.encode())
        assert result.ephemeral, filename
        assert expected in answer(result), (filename, answer(result))
        assert len(answer(result).splitlines()) == 1
    latin = await imp(
        live.admin,
        "latin.csv",
        CSV_HEADER.encode() + "Café,S,R,2025-01-01,2025-12-31,\n".encode("latin-1"),
    )
    assert answer(latin) == "latin.csv:2: the file is not UTF-8 text"
    assert await count_predictions(live) == 12  # nothing of the refused files was written


# -- reactions: unknown emoji and unknown places ------------------------------------------


async def test_unknown_and_custom_emoji_on_a_poll_are_not_votes(live: World) -> None:
    message_id = await open_poll(live, 1)
    a, b, c, d = live.members[:4]
    await a.react(message_id, "🎉")
    await b.react(message_id, "yes:123456789012345678")  # a server's custom emoji
    await c.react(message_id, f"{YES}:223456789012345678")  # custom, named like an option
    await d.react(message_id, NO)
    await live.settle()
    poll = await live.services.polls.by_message(message_id)
    assert poll is not None
    assert await live.services.votes.votes_of_poll(poll.id) == {d.id: Choice.DID_NOT}
    await a.unreact(message_id, "🎉")
    await live.settle()
    assert await live.services.votes.votes_of_poll(poll.id) == {d.id: Choice.DID_NOT}


async def test_events_for_unknown_guilds_channels_and_messages_are_ignored(
    live: World, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = await open_poll(live, 2)
    member, intruder = live.members[:2]
    nowhere = 999_999_999_999_999_999
    with caplog.at_level(logging.WARNING):
        places = [
            (nowhere, nowhere, nowhere),  # an unknown guild
            (live.guild.id, nowhere, nowhere),  # an unknown channel
            (live.guild.id, live.polls.id, nowhere),  # an unknown message
        ]
        forged = [
            (nowhere, live.polls.id, message_id),  # our poll, claimed by another guild
            (None, live.polls.id, message_id),  # our poll, as if in a DM
        ]
        for event, where in [
            *(("MESSAGE_REACTION_ADD", p) for p in places + forged),
            *(("MESSAGE_REACTION_REMOVE", p) for p in places),
        ]:
            guild_id, channel_id, msg_id = where
            live.emu.dispatch_event(
                event,
                reaction_event(intruder.id, channel_id, msg_id, YES, guild_id),
                guild_id=guild_id,
            )
        live.emu.dispatch_event(
            "MESSAGE_REACTION_REMOVE_ALL",
            {"channel_id": str(nowhere), "message_id": str(nowhere), "guild_id": str(nowhere)},
            guild_id=nowhere,
        )
        live.emu.dispatch_event(
            "GUILD_ROLE_DELETE", {"guild_id": str(nowhere), "role_id": "5"}, guild_id=nowhere
        )
        live.emu.dispatch_event(
            "CHANNEL_DELETE",
            {"id": str(nowhere), "type": 0, "guild_id": str(live.guild.id), "name": "x"},
            guild_id=live.guild.id,
        )
        shown = await live.run(member, "/prediction show", prediction="2")  # still answering
        assert shown.embeds[0]["title"].startswith("#2 · ")
        await member.react(message_id, HALF)  # a real vote after them all still counts
        votes = await votes_once_counted(live, message_id, member.id)
    assert votes == {member.id: Choice.PARTLY}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# -- DMs -----------------------------------------------------------------------------------


async def test_commands_are_for_servers_only_and_dms_get_a_clear_refusal(live: World) -> None:
    for command in live.emu.registered_commands():
        assert command["contexts"] == [0], command["name"]  # guild only, on Discord's side
    member = live.members[0]
    dm = live.emu.dm_channel(member)
    with pytest.raises(CommandError, match="not offered in DMs"):
        await member.run("/prediction show", in_channel=dm, prediction="1")
    # A client that sends one anyway gets one private line, and nothing is written.
    for actor, command, options in [
        (member, "/prediction show", {"prediction": "1"}),
        (member, "/prediction list", {}),
        (member, "/poll results", {"prediction": "1"}),
        (member, "/leaderboard", {}),
        (member, "/stats", {}),
        (member, "/scorecard", {}),
        (live.admin, "/prediction add", {"title": "DM", "statement": "from a DM"}),
        (live.admin, "/setup show", {}),
        (live.admin, "/export", {}),
    ]:
        result = await run_in(actor, live.emu.dm_channel(actor), command, **options)
        assert result.messages[-1].ephemeral, command
        assert answer(result) == "Called It works in servers only.", (command, answer(result))
    assert await member.autocomplete("/prediction show", "prediction", in_channel=dm) == []
    assert await count_predictions(live) == 10


# -- guilds are walled off ------------------------------------------------------------------


async def test_one_guild_cannot_see_change_or_score_anothers_data(world: World) -> None:
    emu = world.emu
    other = emu.create_guild("Elsewhere", channels=("general", "polls"))
    other_general, other_polls = sorted(other.channels.values(), key=lambda c: c.position)
    other_admin = emu.add_admin(other, "bob")
    outsider = emu.add_member(other, "mallory")
    async with world.running():
        services = world.services
        assert await count_predictions(world, other.id) == 10  # both seeded with 1-10
        await services.predictions.add(world.guild.id, title="Only in A", statement="Secret.")
        await services.guilds.set_polls_channel(other.id, other_polls.id)

        for command, options in [
            ("/prediction show", {"prediction": "11"}),
            ("/prediction edit", {"prediction": "11", "title": "Taken over"}),
            ("/prediction resolve", {"prediction": "11", "outcome": "did_not"}),
            ("/prediction unresolve", {"prediction": "11"}),
            ("/prediction remove", {"prediction": "11"}),
            ("/poll open", {"prediction": "11"}),
            ("/poll close", {"prediction": "11"}),
            ("/poll results", {"prediction": "11"}),
        ]:
            result = await run_in(other_admin, other_general, command, **options)
            assert answer(result) == UNKNOWN.format(n=11), (command, answer(result))
        assert (
            await other_admin.autocomplete(
                "/prediction show", "prediction", in_channel=other_general, prediction="Only in A"
            )
            == []
        )
        view = await services.predictions.get(world.guild.id, 11)
        assert (view.title, view.resolution, view.poll, view.archived) == (
            "Only in A",
            None,
            None,
            False,
        )

        # Polls on #3 in both guilds: votes on A's poll stay in A.
        a_poll = await open_poll(world, 3)
        b_open = await run_in(other_admin, other_general, "/poll open", prediction="3")
        assert answer(b_open).startswith("Poll on #3 is open until")
        for voter in world.members[:3]:
            await voter.react(a_poll, YES)
        await world.settle()
        # A reaction event on A's poll that claims to come from the other guild is ignored.
        emu.dispatch_event(
            "MESSAGE_REACTION_ADD",
            reaction_event(outsider.id, world.polls.id, a_poll, NO, other.id)
            | {"member": other.members[outsider.id].to_dict()},
            guild_id=other.id,
        )
        sentinel = world.members[3]
        await sentinel.react(a_poll, YES)  # a real vote after it: the forged one was handled
        votes = await votes_once_counted(world, a_poll, sentinel.id)
        assert outsider.id not in votes
        a_three = await services.predictions.get(world.guild.id, 3)
        b_three = await services.predictions.get(other.id, 3)
        assert (a_three.tally.came_true, a_three.tally.total) == (4, 4)
        assert b_three.tally.total == 0

        resolved = await world.run(
            world.admin, "/prediction resolve", prediction="3", outcome="came_true"
        )
        assert answer(resolved) == "Resolved #3 as came true."
        assert (await services.predictions.get(other.id, 3)).resolution is None
        assert len((await services.boards.all_time(world.guild.id)).rows) == 4
        assert not (await services.boards.all_time(other.id)).rows
        board = await run_in(outsider, other_general, "/leaderboard", all_time=True)
        assert board.messages[-1].embeds[0]["description"] == "No scored votes yet."
        stats = await run_in(outsider, other_general, "/stats", member=outsider.user)
        assert "none scored yet" in stats.messages[-1].embeds[0]["description"]
        export = await run_in(other_admin, other_general, "/export")
        (archive,) = export.messages[-1].attachments
        files = {name: data.decode() for name, data in unzip(archive.data).items()}
        assert files["votes.csv"].count("\n") == 1  # the header only
        assert files["resolutions.csv"].count("\n") == 1
        assert "Only in A" not in files["predictions.csv"]
        assert str(world.members[0].id) not in "".join(files.values())
