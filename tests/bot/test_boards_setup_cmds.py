"""/leaderboard, /stats, /scorecard, /export and /setup through the emulator."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from bot.domain.outcomes import Choice
from bot.domain.votes import EventKind, VoteEvent
from tests.bot.conftest import World


async def vote_and_resolve(world: World) -> None:
    """Give three members votes on #1 and #2 and resolve both (through the services)."""
    services, guild = world.services, world.guild.id
    at = world.clock.now()
    events = []
    for number, message_id in [(1, 501), (2, 502)]:
        poll, _ = await services.polls.open(guild, number, channel_id=world.polls.id)
        await services.polls.attach_message(poll.id, message_id)
    for member, choices in zip(
        world.members[:3],
        [
            (Choice.CAME_TRUE, Choice.DID_NOT),
            (Choice.PARTLY, Choice.PARTLY),
            (Choice.DID_NOT, Choice.DID_NOT),
        ],
        strict=True,
    ):
        events += [
            VoteEvent(EventKind.CAST, 501, member.id, choices[0], at),
            VoteEvent(EventKind.CAST, 502, member.id, choices[1], at),
        ]
    await services.votes.apply(events)
    await services.resolution.resolve(guild, 1, "came_true")
    await services.resolution.resolve(guild, 2, "did_not")


async def test_leaderboard_stats_scorecard(live: World) -> None:
    await vote_and_resolve(live)
    a, b, c, outsider = live.members[0], live.members[1], live.members[2], live.members[9]
    board = await live.run(outsider, "/leaderboard")
    embed = board.messages[-1].embeds[0]
    assert embed["title"] == "Leaderboard · November 2025"
    lines = embed["description"].splitlines()
    # a: 1 + 1 = 2; b: 0.5 + 0.5 = 1; c: 0 + 1 = 1; b and c tie on points and on peer:
    # #1 (n=3, S=1.5): b 0.5 - 1/2 = 0, c 0 - 3/4 = -0.75; #2 (S=2.5): b 0.5 - 1 = -0.5, c 1 - 0.75 = 0.25.
    assert lines[0].startswith(f"`  1.` <@{a.id}> · **2** pts · 100% exact")
    assert lines[1].startswith(f"`  2.` <@{b.id}> · **1** pts · 0% exact · peer -0.50")
    assert lines[2].startswith(
        f"`  2.` <@{c.id}> · **1** pts · 50% exact · peer -0.50"
    )  # a shared rank
    assert embed["footer"]["text"] == "3 ranked members · 2 resolved predictions"

    past = await live.run(outsider, "/leaderboard", month="2025-10")
    assert past.messages[-1].embeds[0]["description"] == "No scored votes yet."
    all_time = await live.run(outsider, "/leaderboard", all_time=True)
    assert all_time.messages[-1].embeds[0]["title"] == "Leaderboard · All time"
    bad = await live.run(outsider, "/leaderboard", month="2025-13")
    assert bad.ephemeral and bad.content == "'2025-13' is not a month: the month must be 01 to 12."

    mine = await live.run(c, "/stats")
    fields = {f["name"]: f["value"] for f in mine.messages[-1].embeds[0]["fields"]}
    assert fields["Rank (all time)"] == "2 of 3"
    assert fields["Accuracy"] == "50% (1/2 exact)"
    theirs = await live.run(outsider, "/stats", member=a.user)
    assert f"<@{a.id}>" in theirs.messages[-1].embeds[0]["description"]
    nobody = await live.run(outsider, "/stats")
    assert "none scored yet" in nobody.messages[-1].embeds[0]["description"]

    card = await live.run(outsider, "/scorecard", source="gpt-4o")
    (field,) = card.embeds[0]["fields"]
    assert field["name"] == "GPT-4o · 10 predictions"
    assert "✅ 1 came true · 🌓 0 partly · ❌ 1 did not · ⚪ 0 void · ⏳ 8 open" in field["value"]
    unknown = await live.run(outsider, "/scorecard", source="Nostradamus")
    assert unknown.ephemeral and "No predictions from the source 'Nostradamus'" in unknown.content


def unzip(data: bytes) -> dict[str, bytes]:
    """Return the files in a zip archive by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_export_sends_csv_attachments_to_admins_only(live: World) -> None:
    await vote_and_resolve(live)
    denied = await live.run(live.members[0], "/export")
    assert denied.ephemeral and "Only admins" in denied.content
    result = await live.run(live.admin, "/export")
    message = result.messages[-1]
    assert message.ephemeral
    (archive,) = message.attachments
    assert archive.filename == "calledit-export.zip"
    files = unzip(archive.data)
    assert sorted(files) == ["predictions.csv", "resolutions.csv", "scores.csv", "votes.csv"]
    votes = list(csv.DictReader(io.StringIO(files["votes.csv"].decode())))
    assert len(votes) == 6 and {v["choice"] for v in votes} == {"came_true", "partly", "did_not"}
    predictions = list(csv.DictReader(io.StringIO(files["predictions.csv"].decode())))
    assert [p["number"] for p in predictions] == [str(n) for n in range(1, 11)]
    assert {p["set"] for p in predictions} == {"LLM Predictions For 2025"}


async def test_setup_commands(live: World) -> None:
    member = live.members[0]
    denied = await live.run(member, "/setup show")
    assert denied.ephemeral and "Only admins" in denied.content
    denied = await live.run(member, "/setup check")
    assert denied.ephemeral and "Only admins" in denied.content
    shown = await live.run(live.admin, "/setup show")
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Time zone"] == "UTC" and fields["Polls channel"].startswith("not set")
    zones = await live.admin.autocomplete("/setup timezone", "name", name="tokyo")
    assert zones == [{"name": "Asia/Tokyo", "value": "Asia/Tokyo"}]
    bad = await live.run(live.admin, "/setup timezone", name="Mars/Olympus")
    assert bad.ephemeral and "is not a time zone I know" in bad.content
    ok = await live.run(live.admin, "/setup timezone", name="Asia/Tokyo")
    assert ok.content == "Time zone set."
    role = live.emu.create_role(live.guild, "mods")
    await live.run(live.admin, "/setup admin-role", role=role)
    await live.run(live.admin, "/setup leaderboard-channel", channel=live.leaderboard)
    config = await live.services.guilds.get(live.guild.id)
    assert (config.timezone, config.admin_role_id, config.leaderboard_channel_id) == (
        "Asia/Tokyo",
        role.id,
        live.leaderboard.id,
    )


async def test_commands_are_registered_with_permission_hints(live: World) -> None:
    commands = {c["name"]: c for c in live.emu.registered_commands()}
    assert sorted(commands) == [
        "export",
        "leaderboard",
        "poll",
        "prediction",
        "scorecard",
        "setup",
        "stats",
    ]
    assert str(commands["setup"]["default_member_permissions"]) == "32"
    assert str(commands["export"]["default_member_permissions"]) == "32"
    assert (
        commands["prediction"].get("default_member_permissions") is None
    )  # list/show are for everyone
    subcommands = {o["name"] for o in commands["prediction"]["options"]}
    assert subcommands == {
        "list",
        "sets",
        "show",
        "add",
        "edit",
        "remove",
        "resolve",
        "unresolve",
        "import",
        "overdue",
        "dispute",
    }
    assert {o["name"] for o in commands["setup"]["options"]} >= {
        "admin-channel",
        "disputes",
        "threads",
    }
    assert {o["name"] for o in commands["poll"]["options"]} == {
        "open",
        "open-all",
        "close",
        "resync",
        "results",
        "verify",
    }


async def test_sync_only_when_the_command_set_changed(world: World) -> None:
    async with world.running() as bot:
        assert bot.synced == "global"
        assert bot.intents.value == (1 << 0) | (1 << 10)  # GUILDS | GUILD_MESSAGE_REACTIONS
    puts = len(world.emu.requests_to("PUT", "/applications/{application_id}/commands"))
    async with world.running() as bot:
        assert bot.synced == "unchanged"
    assert len(world.emu.requests_to("PUT", "/applications/{application_id}/commands")) == puts
    async with world.running(dev_guild_id=world.guild.id) as bot:
        assert bot.synced == "guild"
    assert world.emu.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")


async def test_discord_hides_admin_only_commands_from_members(live: World) -> None:
    from discord_emulator import CommandError

    for command in ("/setup show", "/export"):
        try:
            await live.members[0].run(command, in_channel=live.general)
        except CommandError as error:
            assert "cannot use" in str(error)
        else:
            raise AssertionError(f"{command} should be hidden from members by its permission hint")
    shown = await live.admin.run("/setup show", in_channel=live.general)
    assert shown.ephemeral and shown.embeds[0]["title"] == "Called It settings"


@pytest.mark.emulator(upload_limit=512)
async def test_an_export_over_the_upload_limit_answers_with_the_command_to_run(
    live: World,
) -> None:
    await vote_and_resolve(live)
    result = await live.run(live.admin, "/export")
    message = result.messages[-1]
    assert message.ephemeral and message.attachments == []
    assert "over Discord's upload limit here" in message.content
    assert f"`calledit export --guild {live.guild.id} --out calledit-export`" in message.content
    refused = [v for v in live.emu.violations if "upload" in str(v).lower()]
    assert refused  # Discord refused the zip first
    live.emu.violations.clear()
