"""A worked season: 10 predictions, 30 members, mixed outcomes with a void, a re-resolution and an
unresolution. The expected boards are computed by hand below, in fractions.

Members 1-10 (group A) vote ✅ on everything, 11-20 (B) vote ❌, 21-30 (C) vote 🌓, except:
member 1 retracts on #1; member 11 changes to ✅ on #3; member 30 retracts on #5.

March: #1 came_true, #2 came_true, #3 partly, #4 void.
April: #2 re-resolved did_not (it moves to April), #5 did_not, #6 resolved then unresolved.

Per prediction (n voters, S = sum of points; peer = points - (S - points)/(n - 1)):
  #1 came_true, n=29 (A 9, B 10, C 10), S=14: A 1 -> 15/28, C 0.5 -> 1/56, B 0 -> -1/2
  #2 came_true, n=30, S=15: A 1 -> 15/29, C 0.5 -> 0, B 0 -> -15/29
  #2 did_not,  n=30, S=15: B 1 -> 15/29, C 0.5 -> 0, A 0 -> -15/29
  #3 partly,   n=30, S=20: A and B 0.5 -> -5/29, C 1 -> 10/29
  #5 did_not,  n=29 (A 10, B 10, C 9), S=14.5: B 1 -> 29/56, C 0.5 -> 0, A 0 -> -29/56
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice, Outcome
from bot.domain.seedfile import load
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services

GUILD = 111
SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"
A, B, C = range(1, 11), range(11, 21), range(21, 31)
GROUP_CHOICE = {
    **dict.fromkeys(A, Choice.CAME_TRUE),
    **dict.fromkeys(B, Choice.DID_NOT),
    **dict.fromkeys(C, Choice.PARTLY),
}


async def play_season(services: Services, clock: FrozenClock) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    clock.set(datetime(2025, 3, 1, 9, tzinfo=UTC))
    for number in range(1, 11):
        poll, _ = await services.polls.open(GUILD, number, channel_id=5, hours=720)
        await services.polls.attach_message(poll.id, 1000 + number)
    at = clock.now()
    events = [
        VoteEvent(EventKind.CAST, 1000 + number, member, GROUP_CHOICE[member], at)
        for number in range(1, 11)
        for member in range(1, 31)
    ]
    events += [
        VoteEvent(EventKind.RETRACT, 1001, 1, Choice.CAME_TRUE, at),
        VoteEvent(EventKind.CAST, 1003, 11, Choice.CAME_TRUE, at),
        VoteEvent(EventKind.RETRACT, 1003, 11, Choice.DID_NOT, at),  # stale: no effect
        VoteEvent(EventKind.RETRACT, 1005, 30, Choice.PARTLY, at),
    ]
    await services.votes.apply(events)

    clock.set(datetime(2025, 3, 15, tzinfo=UTC))
    await services.resolution.resolve(GUILD, 1, Outcome.CAME_TRUE, actor_id=900)
    await services.resolution.resolve(GUILD, 2, "came_true", actor_id=900)
    await services.resolution.resolve(GUILD, 3, "partly", actor_id=900, note="Half there")
    await services.resolution.resolve(GUILD, 4, "void", actor_id=900, note="Unclear")
    clock.set(datetime(2025, 4, 10, tzinfo=UTC))
    await services.resolution.resolve(
        GUILD, 2, "did_not", actor_id=901, note="Re-checked", evidence_url="https://example.com/x"
    )
    await services.resolution.resolve(GUILD, 5, "did_not", actor_id=900)
    await services.resolution.resolve(GUILD, 6, "came_true", actor_id=900)
    await services.resolution.unresolve(GUILD, 6, actor_id=900, note="Too early")


def expect(board_rows, members, rank: int, points: float, peer: float, scored: int) -> None:
    rows = {r.member_id: r for r in board_rows}
    for member in members:
        row = rows[member]
        assert (row.rank, row.points, row.scored) == (rank, points, scored), member
        assert abs(row.peer - peer) < 1e-6, (member, row.peer, peer)


async def test_march_board(services: Services, clock: FrozenClock) -> None:
    await play_season(services, clock)
    board = await services.boards.month(GUILD, "2025-03")
    assert [(i.number, i.outcome) for i in board.resolved] == [
        (1, Outcome.CAME_TRUE),
        (3, Outcome.PARTLY),
        (4, Outcome.VOID),
    ]
    assert len(board.rows) == 30
    # #1 and #3 only (#2 moved to April): members 2-10 = 1 + 0.5, C = 0.5 + 1, B = 0 + 0.5,
    # member 1 = 0.5. Members 2-10 and C tie on points; their peer scores 15/28 - 5/29
    # (0.36330) and 1/56 + 10/29 (0.36268) both read "+0.36", so all of them share rank 1:
    # boards rank on the numbers as shown.
    expect(board.rows, range(2, 11), 1, 1.5, 15 / 28 - 5 / 29, 2)
    expect(board.rows, range(21, 31), 1, 1.5, 1 / 56 + 10 / 29, 2)
    # Member 1 and B tie on points; member 1's peer -5/29 beats B's -1/2 - 5/29.
    expect(board.rows, [1], 20, 0.5, -5 / 29, 1)
    expect(board.rows, range(11, 21), 21, 0.5, -1 / 2 - 5 / 29, 2)


async def test_april_board(services: Services, clock: FrozenClock) -> None:
    await play_season(services, clock)
    board = await services.boards.month(GUILD, "2025-04")
    assert [i.number for i in board.resolved] == [2, 5]
    expect(board.rows, B, 1, 2.0, 15 / 29 + 29 / 56, 2)
    expect(board.rows, range(21, 30), 11, 1.0, 0.0, 2)
    expect(board.rows, [30], 20, 0.5, 0.0, 1)
    expect(board.rows, A, 21, 0.0, -15 / 29 - 29 / 56, 2)


async def test_all_time_board_and_stats(services: Services, clock: FrozenClock) -> None:
    await play_season(services, clock)
    board = await services.boards.all_time(GUILD)
    # B and C (but member 30) tie exactly: -1/2 + 10/29 + 29/56 == 1/56 + 10/29.
    expect(board.rows, B, 1, 2.5, -1 / 2 + 10 / 29 + 29 / 56, 4)
    expect(board.rows, range(21, 30), 1, 2.5, 1 / 56 + 10 / 29, 4)
    expect(board.rows, [30], 20, 2.0, 1 / 56 + 10 / 29, 3)
    expect(board.rows, range(2, 11), 21, 1.5, 15 / 28 - 15 / 29 - 5 / 29 - 29 / 56, 4)
    expect(board.rows, [1], 30, 0.5, -15 / 29 - 5 / 29 - 29 / 56, 3)

    stats = await services.boards.member(GUILD, 11)
    assert stats.row is not None
    assert (stats.votes, stats.open_votes, stats.row.rank, stats.ranked_members) == (10, 5, 1, 30)
    assert stats.row.exact == 2  # #2 did_not and #5 did_not; #3 was partly, #1 came true
    assert abs(stats.row.accuracy - 0.5) < 1e-9
    nobody = await services.boards.member(GUILD, 5555)
    assert (nobody.votes, nobody.row) == (0, None)


async def test_audit_trail_keeps_every_change(services: Services, clock: FrozenClock) -> None:
    await play_season(services, clock)
    two = await services.predictions.get(GUILD, 2)
    assert [(e.old, e.new, e.actor_id) for e in two.history] == [
        (None, Outcome.CAME_TRUE, 900),
        (Outcome.CAME_TRUE, Outcome.DID_NOT, 901),
    ]
    assert two.resolution is not None and two.resolution.evidence_url == "https://example.com/x"
    six = await services.predictions.get(GUILD, 6)
    assert six.resolution is None and six.status == "open"
    assert [(e.old, e.new, e.note) for e in six.history] == [
        (None, Outcome.CAME_TRUE, None),
        (Outcome.CAME_TRUE, None, "Too early"),
    ]


async def test_scorecard(services: Services, clock: FrozenClock) -> None:
    await play_season(services, clock)
    (card,) = await services.scorecard.cards(GUILD, "gpt-4o")
    assert (
        card.source,
        card.total,
        card.came_true,
        card.partly,
        card.did_not,
        card.void,
        card.open,
    ) == ("GPT-4o", 10, 1, 1, 2, 1, 5)
    # Majorities: #1 came_true 9/10/10 -> tie (not compared); #2 10/10/10 tie; #3 ✅11 vs 🌓10 vs ❌9
    # -> ✅ vs partly: disagree; #5 ✅10 ❌10 🌓9 -> tie.
    assert (card.majority_compared, card.majority_agreed) == (1, 0)


async def test_export_contains_every_table(services: Services, clock: FrozenClock) -> None:
    await play_season(services, clock)
    files = await services.export.csv_files(GUILD)
    assert sorted(files) == ["predictions.csv", "resolutions.csv", "scores.csv", "votes.csv"]
    votes = files["votes.csv"].decode().splitlines()
    assert votes[0] == "prediction,poll_id,member_id,member_name,choice,cast_at"
    assert len(votes) == 1 + 300 - 2  # two retractions
    assert len(files["resolutions.csv"].decode().splitlines()) == 1 + 8
    assert len(files["scores.csv"].decode().splitlines()) == 1 + 30
    document = await services.export.json_document(GUILD)
    assert b'"guild_id": "111"' in document
