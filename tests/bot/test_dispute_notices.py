"""Many disputes at once: each reaches the admins whole, none is marked seen unseen."""

from __future__ import annotations

import re

from tests.bot.conftest import World

#: A reason at the longest a dispute may give, so a few fill a message.
REASON_MAX = 250


def reason(n: int) -> str:
    """Return a long reason that names its dispute."""
    return f"reason-{n:02d} " + "x" * (REASON_MAX - 10)


async def eight_disputes(world: World) -> list[int]:
    """Resolve #1 and have eight members dispute it with long reasons; return their ids."""
    await world.services.guilds.set_polls_channel(world.guild.id, world.polls.id)
    await world.run(world.admin, "/prediction resolve", prediction="1", outcome="came_true")
    members = world.members[:8]
    for n, member in enumerate(members):
        filed = await world.run(member, "/prediction dispute", prediction="1", reason=reason(n))
        assert filed.content.startswith("Your dispute of #1"), filed.content
    return [m.id for m in members]


async def test_without_an_admin_channel_every_dispute_reaches_an_admin_whole(live: World) -> None:
    await eight_disputes(live)
    seen: list[str] = []
    for number in range(2, 8):  # an admin's ephemeral replies carry the notices
        told = await live.run(live.admin, "/poll open", prediction=str(number))
        content = told.content or ""
        assert len(content) <= 2000
        assert "…" not in content.replace("…and", ""), content  # nothing cut mid-notice
        seen += re.findall(r"reason-\d\d x{240}(?=\n|$)", content)
        if len(set(seen)) == 8:
            break
        assert re.search(r"…and \d+ more", content), content
        assert "/prediction show" in content, content
    assert sorted({s[:9] for s in seen}) == [f"reason-{n:02d}" for n in range(8)]
    again = await live.run(live.admin, "/poll open", prediction="9")
    assert "reason-" not in (again.content or "")  # told once each


async def test_setup_show_marks_seen_only_the_disputes_it_shows(live: World) -> None:
    await eight_disputes(live)
    settings = await live.run(live.admin, "/setup show")
    assert "Dispute on" not in str(settings.embeds[0]["fields"])  # not a thing the bot can't do
    shown = set(re.findall(r"reason-\d\d", settings.content or ""))
    assert 0 < len(shown) < 8
    told = await live.run(live.admin, "/poll open", prediction="2")
    assert (
        set(re.findall(r"reason-\d\d", told.content or ""))
        == {f"reason-{n:02d}" for n in range(8)} - shown
    )


async def test_prediction_show_lists_every_open_dispute_whole(live: World) -> None:
    ids = await eight_disputes(live)
    shown = await live.run(live.members[9], "/prediction show", prediction="1")
    fields = [f for f in shown.embeds[0]["fields"] if f["name"].startswith("Open disputes")]
    assert fields[0]["name"] == "Open disputes (8)"
    text = "\n".join(f["value"] for f in fields)
    assert all(len(f["value"]) <= 1024 for f in fields)
    for n, member_id in enumerate(ids):
        assert f"<@{member_id}>" in text and reason(n) in text, n
