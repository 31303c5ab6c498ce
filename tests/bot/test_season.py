"""A full season through the emulator: seed, open-all, 30 members vote, change and retract,
resolve all ten with mixed outcomes (a void, a re-resolution, an unresolution), and the month
boundaries, whose posted boards must equal numbers worked out by hand.

Members 1-10 (A) react ✅ on every poll, 11-20 (B) ❌, 21-30 (C) 🌓; member 1 retracts on #1,
member 11 switches to ✅ on #3 (the bot removes the older ❌), member 30 retracts on #5.

November (resolved on the 15th): #1 came_true, #2 came_true, #3 partly, #4 void.
  #1 n=29 (A 9, B 10, C 10), S=14: A 1 peer 15/28 · C 0.5 peer 1/56 · B 0 peer -1/2
  #2 n=30, S=15: A 1 peer 15/29 · C 0.5 peer 0 · B 0 peer -15/29
  #3 n=30, S=20: A and B 0.5 peer -5/29 · C 1 peer 10/29
  -> members 2-10: 2.5 pts, peer 15/28 + 10/29, 3 scored, 2 exact -> rank 1
     C: 2.0 pts, peer 1/56 + 10/29 -> rank 10; member 1: 1.5, peer 10/29 -> rank 20;
     B: 0.5, peer -1/2 - 20/29 -> rank 21.
December (the 10th): #2 re-resolved did_not, #5 did_not, #6 came_true then unresolved,
#7-#10 came_true, did_not, partly, came_true.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.bot.conftest import ON_BOTH_BACKENDS, World

pytestmark = ON_BOTH_BACKENDS

YES, HALF, NO = "✅", "🌓", "❌"
GROUP = {0: YES, 1: NO, 2: HALF}


def board_rows(text: str) -> list[tuple[int, str, float, str, float, int]]:
    """Parse the board lines of a posted embed: rank, mention, points, accuracy, peer, scored."""
    pattern = re.compile(
        r"`\s*(\d+)\.` (<@\d+>) · \*\*([\d.]+)\*\* pts · (\d+%) exact · peer ([+-][\d.]+) · (\d+) scored"
    )
    return [
        (int(m[1]), m[2], float(m[3]), m[4], float(m[5]), int(m[6])) for m in pattern.finditer(text)
    ]


async def test_full_season(world: World) -> None:
    members = world.members
    mention = {m.id: f"<@{m.id}>" for m in members}
    async with world.running():
        admin = world.admin
        assert (
            await world.run(admin, "/setup polls-channel", channel=world.polls)
        ).content == "Polls channel set."
        await world.run(admin, "/setup leaderboard-channel", channel=world.leaderboard)
        opened = await world.run(admin, "/poll open-all", hours=24 * 20, timeout=60)
        assert opened.messages[-1].content == f"Opened 10 polls in <#{world.polls.id}>."
        poll_ids = {n: world.poll_message(n).id for n in range(1, 11)}

        ops = [
            (m.user, poll_ids[n], GROUP[i // 10], "add")
            for n in range(1, 11)
            for i, m in enumerate(members)
        ]
        await world.emu.burst_reactions(ops)
        await world.settle()
        await members[0].unreact(poll_ids[1], YES)
        await members[10].react(poll_ids[3], YES)
        await world.emu.wait_for(
            lambda: members[10].id not in world.emu.reactions(poll_ids[3])[NO], timeout=10
        )
        await members[29].unreact(poll_ids[5], HALF)
        await world.settle()

        world.clock.set(datetime(2025, 11, 15, 12, tzinfo=UTC))
        for number, outcome in [(1, "came_true"), (2, "came_true"), (3, "partly"), (4, "void")]:
            result = await world.run(
                admin, "/prediction resolve", prediction=str(number), outcome=outcome
            )
            assert result.messages[-1].content.startswith(f"Resolved #{number} as")
        announcement = next(
            m
            for m in world.emu.messages(world.polls.id)
            if m.embeds and m.embeds[0]["title"].startswith("Resolved · #1 ·")
        )
        fields = {f["name"]: f["value"] for f in announcement.embeds[0]["fields"]}
        assert fields["Points awarded"] == "✅ 1 · 🌓 0.5 · ❌ 0"
        assert fields["Who called it"] == " ".join(mention[m.id] for m in members[1:10])
        assert "✅ 9 · 🌓 10 · ❌ 10 (29 votes)" in announcement.embeds[0]["description"]
        assert world.emu.message(poll_ids[1]).embeds[0]["title"].startswith("Poll closed · #1")

        # The month turns: the November board is posted once.
        world.clock.set(datetime(2025, 12, 1, 0, 5, tzinfo=UTC))
        await world.bot.scheduler.tick()
        await world.bot.scheduler.tick()

    posts = [
        m
        for m in world.emu.messages(world.leaderboard.id)
        if m.embeds and "Leaderboard" in m.embeds[0]["title"]
    ]
    assert [p.embeds[0]["title"] for p in posts] == ["🏆 Leaderboard · November 2025"]
    november = posts[0].embeds[0]
    rows = board_rows(november["description"])
    assert len(rows) == 10
    assert [r[1] for r in rows[:9]] == [mention[m.id] for m in members[1:10]]
    for rank, _, points, accuracy, peer, scored in rows[:9]:
        assert (rank, points, accuracy, scored) == (1, 2.5, "67%", 3)
        assert abs(peer - (15 / 28 + 10 / 29)) < 0.005
    assert rows[9][:4] == (10, mention[members[20].id], 2.0, "33%")
    assert abs(rows[9][4] - (1 / 56 + 10 / 29)) < 0.005
    fields = {f["name"]: f["value"] for f in november["fields"]}
    assert fields["Counted this month"].splitlines() == [
        "✅ #1 Commoditization of Base-Level LLMs: came true",
        "✅ #2 Rise of Specialized LLMs: came true",
        "🌓 #3 Integration of Multimodal Capabilities: partly",
        "⚪ #4 Improved Efficiency and Sustainability: void (not scored)",
    ]
    leaders = " ".join(mention[m.id] for m in members[1:6])
    assert fields["Leader of each set"] == (
        f"**LLM Predictions For 2025**: {leaders} and 4 more · 2.5 pts"
    )

    # A restart right at the boundary does not post November again.
    world.clock.set(datetime(2025, 12, 1, 0, 6, tzinfo=UTC))
    async with world.running():
        await world.bot.scheduler.tick()
        world.clock.set(datetime(2025, 12, 10, 12, tzinfo=UTC))
        admin = world.admin
        await world.run(
            admin, "/prediction resolve", prediction="2", outcome="did_not", note="Re-checked"
        )
        for number, outcome in [
            (5, "did_not"),
            (6, "came_true"),
            (7, "came_true"),
            (8, "did_not"),
            (9, "partly"),
            (10, "came_true"),
        ]:
            await world.run(admin, "/prediction resolve", prediction=str(number), outcome=outcome)
        await world.run(admin, "/prediction unresolve", prediction="6", note="Too early")
        mine = await world.run(members[29], "/leaderboard")
        assert mine.messages[-1].embeds[0]["title"] == "Leaderboard · December 2025"
        stats = await world.run(members[10], "/stats")
        stat_fields = {f["name"]: f["value"] for f in stats.messages[-1].embeds[0]["fields"]}
        assert stat_fields["Votes"] == "10 (1 on open predictions)"

    # The bot is down across the next boundary: it catches the December post up at start, once.
    world.clock.set(datetime(2026, 1, 1, 3, tzinfo=UTC))
    async with world.running():
        await world.emu.wait_for(
            lambda: any(
                "December 2025" in m.embeds[0]["title"]
                for m in world.emu.messages(world.leaderboard.id)
                if m.embeds
            ),
            timeout=10,
        )
        await world.bot.scheduler.tick()
    async with world.running():
        await world.bot.scheduler.tick()
    titles = [m.embeds[0]["title"] for m in world.emu.messages(world.leaderboard.id) if m.embeds]
    assert titles == ["🏆 Leaderboard · November 2025", "🏆 Leaderboard · December 2025"]

    december = world.emu.messages(world.leaderboard.id)[-1].embeds[0]
    rows = board_rows(december["description"])
    # December: #2 did_not, #5 did_not, #7 came_true, #8 did_not, #9 partly, #10 came_true.
    # B: 1 + 1 + 0 + 1 + 0.5 + 0 = 3.5; C (21-29): 0.5 + 0.5 + 0.5 + 0.5 + 1 + 0.5 = 3.5;
    # member 30 (no vote on #5): 3.0; A: 0 + 0 + 1 + 0 + 0.5 + 1 = 2.5.
    assert len(rows) == 10
    assert {r[2] for r in rows} == {3.5}
    tops = {r[1] for r in rows}
    assert tops <= {mention[m.id] for m in members[10:29]}
    fields = {f["name"]: f["value"] for f in december["fields"]}
    assert fields["Counted this month"].count("\n") == 5  # six predictions; #6 was unresolved
    assert "#6" not in fields["Counted this month"]
    all_time = board_rows(fields["All-time top 5"])
    assert len(all_time) == 5 and all(r[0] == 1 for r in all_time)
