"""Sealed poll buttons' custom_ids: built and parsed back, garbage refused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.ballots import (
    CUSTOM_ID_MAX,
    POLL_ID_MAX,
    Action,
    Button,
    custom_id,
    parse_custom_id,
)
from bot.domain.outcomes import Choice


def test_the_fixed_formats() -> None:
    assert custom_id(Action.VOTE, 7, Choice.CAME_TRUE) == "calledit:vote:7:came_true"
    assert custom_id(Action.MINE, 7) == "calledit:mine:7"
    assert custom_id(Action.RETRACT, 7) == "calledit:retract:7"
    assert parse_custom_id("calledit:vote:7:did_not") == Button(Action.VOTE, 7, Choice.DID_NOT)
    assert parse_custom_id("calledit:mine:12") == Button(Action.MINE, 12)


@given(
    st.sampled_from(list(Action)),
    st.integers(1, POLL_ID_MAX),
    st.sampled_from(list(Choice)),
)
def test_round_trip_within_discords_limit(action: Action, poll_id: int, choice: Choice) -> None:
    value = custom_id(action, poll_id, choice if action is Action.VOTE else None)
    assert len(value) <= CUSTOM_ID_MAX
    assert parse_custom_id(value) == Button(
        action, poll_id, choice if action is Action.VOTE else None
    )


def test_garbage_is_none() -> None:
    for value in [
        "",
        "calledit:",
        "calledit:vote:7",
        "calledit:vote:7:maybe",
        "calledit:vote:07:partly",
        "calledit:vote:-7:partly",
        "calledit:mine:7:partly",
        "calledit:retract:abc",
        "calledit:vote:99999999999999999999:partly",
        "calledit:mine:7 ",
        "other:mine:7",
        "calledit:mine:" + "9" * 200,
    ]:
        assert parse_custom_id(value) is None, value


@given(st.text(max_size=120))
def test_any_text_parses_or_is_none(value: str) -> None:
    parsed = parse_custom_id(value)
    if parsed is not None:
        assert custom_id(parsed.action, parsed.poll_id, parsed.choice) == value
