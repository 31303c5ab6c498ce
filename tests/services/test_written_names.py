"""The table of names written: never takes a new name for written, whatever shares a slot."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.written_names import WrittenNames

KEYS = st.tuples(st.integers(1, 3), st.integers(1, 40))  # (guild, member): few, to collide
NAMES = st.sampled_from(["Ada", "Ada L.", "Бо", "Боб", "陳", "🦊 fox"])


@given(st.lists(st.lists(st.tuples(KEYS, NAMES), max_size=8), max_size=30), KEYS, NAMES)
def test_a_name_is_taken_for_written_only_when_it_was_the_last_committed(
    batches: list[list[tuple[tuple[int, int], str]]], key: tuple[int, int], name: str
) -> None:
    names = WrittenNames(slots=8)  # far fewer slots than members: every slot is shared
    last: dict[tuple[int, int], str] = {}
    for batch in batches:
        names.committed(batch)
        last.update(batch)
        if batch:  # the last name committed is written, whoever shares its slot
            (guild, member), written = batch[-1]
            assert names.written(guild, member, written)
    if names.written(*key, name):
        assert last.get(key) == name


def test_the_latest_commit_of_a_member_is_written_and_a_change_is_not() -> None:
    names = WrittenNames()
    assert not names.written(1, 2, "Ada")
    names.committed([((1, 2), "Ada")])
    assert names.written(1, 2, "Ada")
    assert not names.written(1, 2, "Ada L.") and not names.written(9, 2, "Ada")


def test_the_table_size_is_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        WrittenNames(slots=1000)
