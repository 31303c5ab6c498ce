"""Cards through the emulator: stored display names, the monthly post's card, the board commands."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime

from discord_emulator.models import Message
from PIL import Image
from sqlalchemy import select

from db.models import MemberName
from tests.bot.conftest import World
from tests.bot.test_polls_votes import HALF, NO, YES, open_poll

MiB = 1024 * 1024


def decode(data: bytes) -> Image.Image:
    """Decode an attachment and check it is a sane PNG card."""
    assert 0 < len(data) <= MiB
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.width >= 800 and image.height >= 300
    assert len(image.convert("RGB").getcolors(1 << 20) or []) > 8  # not blank
    return image


def rename(world: World, member_id: int, nick: str) -> None:
    """Give a member a new nickname in the emulated server (a new member object, as Discord sends)."""
    members = world.guild.members
    members[member_id] = dataclasses.replace(members[member_id], nick=nick)


async def stored_names(world: World) -> dict[int, tuple[str, datetime]]:
    async with world.services.db.read() as session:
        rows = await session.execute(
            select(MemberName.member_id, MemberName.name, MemberName.updated_at).where(
                MemberName.guild_id == world.guild.id
            )
        )
        return {member: (name, at) for member, name, at in rows}


async def test_display_names_are_stored_as_votes_arrive(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    first, second = await open_poll(live, 1), await open_poll(live, 2)
    a, b, c = live.members[:3]
    rename(live, a.id, "Ζωή the nick")
    b.user.global_name = "Гриша"
    await a.react(first, YES)
    await b.react(first, HALF)
    await c.react(first, NO)
    await live.settle()
    names = await stored_names(live)
    assert {m: n for m, (n, _) in names.items()} == {
        a.id: "Ζωή the nick",  # the nickname wins
        b.id: "Гриша",  # then the global name
        c.id: c.user.username,  # then the username
    }

    # Later votes write only names that changed: b's row keeps its time, a's is updated.
    earlier = live.clock.now()
    live.clock.set(datetime(2025, 11, 3, 12, tzinfo=UTC))
    rename(live, a.id, "Zoë")
    await a.react(second, YES)
    await b.react(second, YES)
    await a.unreact(first, YES)  # a removal carries no member: the name stays
    await live.settle()
    after = await stored_names(live)
    assert after[a.id] == ("Zoë", live.clock.now())
    assert after[b.id] == ("Гриша", earlier)


def card_of(message: Message) -> tuple[Image.Image, str | None, str]:
    (attachment,) = message.attachments
    return decode(attachment.data), attachment.description, attachment.filename


async def test_monthly_post_carries_the_card_with_alt_text(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    await live.services.guilds.set_leaderboard_channel(live.guild.id, live.leaderboard.id)
    poll = await open_poll(live, 1)
    a, b, c = live.members[:3]
    rename(live, a.id, "Ada ✨")
    for member, emoji in ((a, YES), (b, YES), (c, NO)):
        await member.react(poll, emoji)
    await live.settle()
    await live.run(live.admin, "/prediction resolve", prediction="1", outcome="came_true")

    live.clock.set(datetime(2025, 12, 1, 0, 5, tzinfo=UTC))
    await live.bot.scheduler.tick()
    (post,) = [m for m in live.emu.messages(live.leaderboard.id) if m.embeds]
    assert post.embeds[0]["title"] == "🏆 Leaderboard · November 2025"  # the text stays
    image, alt, filename = card_of(post)
    assert filename == "leaderboard-2025-11.png"
    assert image.size[0] == 1000
    assert alt is not None and len(alt) <= 1024
    assert alt.startswith("Leaderboard card, November 2025. Top three: 1. Ada ✨, 1 point; ")
    assert f"1. {b.user.username}, 1 point" in alt  # a shared rank
    assert alt.endswith(f"3. {c.user.username}, 0 points. 1 prediction resolved: 1 came true.")
    assert post.allowed_mentions == {"parse": []}

    # Posted once: another tick does not post again.
    await live.bot.scheduler.tick()
    assert len([m for m in live.emu.messages(live.leaderboard.id) if m.embeds]) == 1


async def test_board_commands_send_their_cards(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    poll = await open_poll(live, 1)
    a, b = live.members[:2]
    await a.react(poll, YES)
    await b.react(poll, NO)
    await live.settle()
    await live.run(live.admin, "/prediction resolve", prediction="1", outcome="came_true")

    board = await live.run(b, "/leaderboard")
    assert board.deferred
    message = board.messages[-1]
    assert message.embeds[0]["title"] == "Leaderboard · November 2025"
    image, alt, filename = card_of(message)
    assert filename == "leaderboard-2025-11.png" and alt and "1. " in alt
    all_time = await live.run(b, "/leaderboard", all_time=True)
    assert card_of(all_time.messages[-1])[2] == "leaderboard-all-time.png"
    plain = await live.run(b, "/leaderboard", image=False)
    assert plain.messages[-1].attachments == [] and plain.messages[-1].embeds

    stats = await live.run(b, "/stats", member=a.user)
    assert stats.deferred
    image, alt, filename = card_of(stats.messages[-1])
    assert filename == "stats.png" and alt is not None
    assert alt.startswith(f"Member card of {a.user.username}: rank 1 of 2")

    grid = await live.run(b, "/scorecard", source="gpt-4o")
    assert grid.deferred
    image, alt, filename = card_of(grid.messages[-1])
    assert filename == "scorecard.png" and alt and alt.startswith("Scorecard grid. GPT-4o: 10")
    assert image.height > 600  # ten tiles in two columns
    unknown = await live.run(b, "/scorecard", source="Nostradamus")
    assert unknown.ephemeral and "No predictions from the source 'Nostradamus'" in unknown.content


async def test_leaderboard_card_adds_the_askers_own_row_below_the_top_ten(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    poll = await open_poll(live, 1)
    right, wrong = live.members[:11], live.members[11]
    for member in right:
        await member.react(poll, YES)
    await wrong.react(poll, NO)
    await live.settle()
    await live.run(live.admin, "/prediction resolve", prediction="1", outcome="came_true")

    inside = card_of((await live.run(right[0], "/leaderboard")).messages[-1])
    outside = card_of((await live.run(wrong, "/leaderboard")).messages[-1])
    assert outside[0].height > inside[0].height  # one more row: the asker's, 12th
    assert outside[1] is not None and outside[1].endswith(
        f"Your row: 12. {wrong.user.username}, 0 points."
    )
    assert inside[1] is not None and f"Your row: 1. {right[0].user.username}" in inside[1]
