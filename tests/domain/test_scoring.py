"""Scoring and ranking rules, with hypothesis properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.outcomes import Choice, Outcome
from bot.domain.ranking import rank
from bot.domain.scoring import (
    MemberTotals,
    ScoredVote,
    peer_score,
    points,
    score_table,
    tally_of,
    totals_from_votes,
)

choices = st.sampled_from(list(Choice))
outcomes = st.sampled_from(list(Outcome))


def test_points_table() -> None:
    assert points(Choice.CAME_TRUE, Outcome.CAME_TRUE) == 1
    assert points(Choice.PARTLY, Outcome.CAME_TRUE) == 0.5
    assert points(Choice.DID_NOT, Outcome.CAME_TRUE) == 0
    assert points(Choice.PARTLY, Outcome.PARTLY) == 1
    assert points(Choice.CAME_TRUE, Outcome.PARTLY) == 0.5
    assert points(Choice.DID_NOT, Outcome.PARTLY) == 0.5
    assert points(Choice.DID_NOT, Outcome.DID_NOT) == 1
    assert points(Choice.CAME_TRUE, Outcome.DID_NOT) == 0


@given(choices, outcomes)
def test_points_always_in_zero_half_one_and_void_scores_nobody(
    vote: Choice, outcome: Outcome
) -> None:
    result = points(vote, outcome)
    if outcome is Outcome.VOID:
        assert result is None
    else:
        assert result in (0, 0.5, 1)
        assert (result == 1) == (outcome.choice is vote)


def test_peer_score_alone_is_zero_and_is_points_minus_mean_of_others() -> None:
    assert peer_score(1, 1, 1) == 0
    assert peer_score(1, 1.5, 3) == 1 - 0.25


@given(st.lists(choices, min_size=1, max_size=40), outcomes)
def test_peer_scores_of_a_prediction_sum_to_zero_when_all_score(
    votes: list[Choice], outcome: Outcome
) -> None:
    table = score_table(tally_of(votes), outcome)
    if outcome is Outcome.VOID:
        assert table == {}
        return
    if len(votes) > 1:
        # sum_i (p_i - (S - p_i)/(n-1)) = S - (nS - S)/(n-1) = 0
        assert abs(sum(table[v].peer for v in votes)) < 1e-9


votes_strategy = st.lists(
    st.tuples(st.integers(1, 6), st.integers(1, 12), choices),
    max_size=60,
    unique_by=lambda t: (t[0], t[1]),
)


@given(votes_strategy, st.dictionaries(st.integers(1, 6), outcomes, min_size=6, max_size=6))
def test_board_points_equal_sum_of_members_scored_votes(
    raw: list[tuple[int, int, Choice]], resolved: dict[int, Outcome]
) -> None:
    votes = [ScoredVote(p, m, c, resolved[p]) for p, m, c in raw]
    rows = rank(totals_from_votes(votes).values())
    expected: dict[int, float] = {}
    for vote in votes:
        if vote.outcome is not Outcome.VOID:
            expected[vote.member_id] = expected.get(vote.member_id, 0) + (
                points(vote.choice, vote.outcome) or 0
            )
    assert {r.member_id: r.points for r in rows} == expected
    assert sum(r.scored for r in rows) == sum(1 for v in votes if v.outcome is not Outcome.VOID)


totals_strategy = st.lists(
    st.builds(
        MemberTotals,
        member_id=st.integers(1, 10**6),
        points=st.integers(0, 8).map(lambda x: x / 2),
        peer=st.sampled_from([-0.5, 0.0, 0.25, 1 / 3]),
        scored=st.integers(0, 5),
    ),
    max_size=30,
    unique_by=lambda t: t.member_id,
)


@given(totals_strategy)
def test_ranks_are_one_based_ties_share_and_skip(members: list[MemberTotals]) -> None:
    rows = rank(members)
    assert len(rows) == len(members)
    for position, row in enumerate(rows, start=1):
        better = [
            r for r in rows if (r.points, r.peer, r.scored) > (row.points, row.peer, row.scored)
        ]
        assert row.rank == len(better) + 1
        assert 1 <= row.rank <= position
    keys = [(r.points, r.peer, r.scored) for r in rows]
    assert keys == sorted(keys, reverse=True)


def test_rank_example_shares_ranks_1_2_2_4() -> None:
    rows = rank(
        [
            MemberTotals(1, 3.0, 0.1, 3),
            MemberTotals(2, 2.0, 0.0, 3),
            MemberTotals(3, 2.0, 0.0, 3),
            MemberTotals(4, 2.0, -0.1, 3),
        ]
    )
    assert [r.rank for r in rows] == [1, 2, 2, 4]


def test_rank_breaks_point_ties_by_peer_then_scored_votes() -> None:
    rows = rank(
        [
            MemberTotals(1, 2.0, 0.0, 2),
            MemberTotals(2, 2.0, 0.0, 4),
            MemberTotals(3, 2.0, 0.5, 3),
        ]
    )
    assert [r.member_id for r in rows] == [3, 2, 1]
    assert [r.rank for r in rows] == [1, 2, 3]


def test_peer_ties_survive_float_rounding() -> None:
    a = MemberTotals(1, 2.5, 1 / 56 + 10 / 29, 4)
    b = MemberTotals(2, 2.5, -1 / 2 + 10 / 29 + 29 / 56, 4)
    assert [r.rank for r in rank([a, b])] == [1, 1]


def test_rows_that_read_the_same_share_a_rank() -> None:
    """A member never sees two rows identical in every number shown yet ranked apart."""
    shown_alike = [
        MemberTotals(1, 8.0, 1.7512, 9),  # both read "8 pts · peer +1.75 · 9 scored"
        MemberTotals(2, 8.0, 1.7499, 9),
        MemberTotals(3, 8.0, 1.7449, 9),  # reads "+1.74": ranked below them
    ]
    rows = rank(shown_alike)
    assert [(r.member_id, r.rank) for r in rows] == [(1, 1), (2, 1), (3, 3)]


@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.floats(-3, 3, allow_nan=False), st.integers(1, 20)),
        min_size=2,
        max_size=12,
    )
)
def test_equal_shown_numbers_mean_equal_rank(rows: list[tuple[int, float, int]]) -> None:
    from bot.render.texts import num, peer

    ranked = rank(
        MemberTotals(n, points / 2, q, scored) for n, (points, q, scored) in enumerate(rows)
    )
    for a in ranked:
        for b in ranked:
            if (num(a.points), peer(a.peer), a.scored) == (num(b.points), peer(b.peer), b.scored):
                assert a.rank == b.rank
