"""Nonces: one per logical post, short enough for Discord, distinct between posts."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import nonces
from bot.domain.months import Month

SNOWFLAKE = st.integers(min_value=0, max_value=2**64 - 1)
# Hypothesis takes naive bounds and attaches the time zone itself.
WHEN = st.datetimes(
    min_value=datetime(2015, 1, 1),  # noqa: DTZ001
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
MONTH = st.builds(Month, st.integers(2000, 9998), st.integers(1, 12))


@given(SNOWFLAKE)
def test_base36_round_trips(value: int) -> None:
    assert int(nonces.base36(value), 36) == value


@given(SNOWFLAKE, SNOWFLAKE, WHEN, MONTH)
def test_every_nonce_fits_discord(guild: int, some_id: int, when: datetime, month: Month) -> None:
    some_id %= 10**12  # database ids
    made = [
        nonces.poll_message(some_id, when),
        nonces.poll_result(some_id, when),
        nonces.poll_result(some_id, None),
        nonces.announcement(some_id, 999),
        nonces.monthly_board(guild, month),
    ]
    assert all(len(n) <= nonces.MAX_LENGTH for n in made)
    assert len(set(made[:2] + made[3:])) == 4  # kinds never collide


@given(SNOWFLAKE, SNOWFLAKE, MONTH, MONTH)
def test_monthly_nonces_differ_by_guild_and_month(a: int, b: int, m: Month, n: Month) -> None:
    same = (a, m) == (b, n)
    assert (nonces.monthly_board(a, m) == nonces.monthly_board(b, n)) == same


def test_the_same_post_gets_the_same_nonce_and_a_reused_poll_id_does_not() -> None:
    opened = datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert nonces.poll_message(7, opened) == nonces.poll_message(7, opened)
    assert nonces.poll_message(7, opened) != nonces.poll_message(7, opened.replace(minute=1))
    assert nonces.announcement(3, 1) != nonces.announcement(3, 2)
