"""The one-pass ranking of rows a database sorted: always the same board as the full sort."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.ranking import rank_sorted, rank_tuples
from bot.domain.scoring import PEER_PLACES

Member = tuple[int, float, float, int, int]

#: Peer scores on and next to the halves where rounding to PEER_PLACES is decided.
EDGES = [0.125, -0.125, 0.005, -0.005, 0.015, 1.005, 2.675, -2.675, 0.0, -0.0, 1e-12, -1e-12]
peers = st.one_of(
    st.sampled_from(EDGES),
    st.floats(min_value=-50, max_value=50, allow_nan=False),
    st.integers(-5000, 5000).map(lambda n: n / 10**PEER_PLACES + 0.005),
    st.integers(-5000, 5000).map(lambda n: n / 1000),
)
members = st.lists(
    st.tuples(
        st.integers(1, 40).map(lambda n: n / 2),
        peers,
        st.integers(1, 5),
    ),
    max_size=60,
).map(
    lambda rows: [
        (member_id, points, peer, scored, scored // 2)
        for member_id, (points, peer, scored) in enumerate(rows, start=100)
    ]
)


def database_order(rows: list[Member]) -> list[Member]:
    """Sort as the ledger read asks a database to: points, round(peer * 100), scored, member."""
    return sorted(rows, key=lambda r: (-r[1], -round(r[2] * 10**PEER_PLACES), -r[3], r[0]))


@given(members)
def test_rows_sorted_as_a_database_does_rank_as_the_full_sort(rows: list[Member]) -> None:
    assert rank_sorted(database_order(rows)) == rank_tuples(rows)


@given(members, st.randoms(use_true_random=False))
def test_rows_in_any_order_rank_as_the_full_sort(rows: list[Member], rng: random.Random) -> None:
    rng.shuffle(rows)
    assert rank_sorted(rows) == rank_tuples(rows)


def test_a_half_rounds_as_shown_not_as_scaled() -> None:
    # round(0.125, 2) is 0.12 (the half goes to even), while 0.125 * 100 rounds away to 13 in
    # SQLite: the two members share a rank with round(), whatever order the database gave.
    rows = [(1, 1.0, 0.125, 2, 1), (2, 1.0, 0.12, 2, 1), (3, 1.0, 0.13, 2, 1)]
    expected = rank_tuples(rows)
    assert [r[0] for r in expected] == [1, 2, 2]
    assert rank_sorted([rows[2], rows[0], rows[1]]) == expected
    assert rank_sorted(rows) == expected


def test_an_empty_board() -> None:
    assert rank_sorted([]) == []
