"""A flood's steps: adds that change a member's emoji in turn, removes that take the last one off."""

from __future__ import annotations

import pytest
from discord_emulator.flood import EMOJI, Flood


def test_steps_add_change_retract_and_cast_again() -> None:
    """add, add, remove, add: first emoji, the next one beside it, that one off, a third on."""
    flood = Flood(
        id=1, message_ids=[10, 20], member_ids=[1, 2, 3], steps=("add", "add", "remove", "add")
    )
    ops = list(flood.ops())
    assert len(ops) == 4 * 2 * 3
    per_pass = [ops[n * 6 : (n + 1) * 6] for n in range(4)]
    for n, (turn, add) in enumerate(((0, True), (1, True), (1, False), (2, True))):
        assert per_pass[n] == [
            (member, mid, EMOJI[(i + j + turn) % 3], add)
            for j, mid in enumerate((10, 20))
            for i, member in enumerate((1, 2, 3))
        ]


def test_steps_override_cycles() -> None:
    """With steps, cycles and remove are not used."""
    flood = Flood(id=1, message_ids=[10], member_ids=[1], cycles=5, remove=True, steps=("add",))
    assert list(flood.ops()) == [(1, 10, EMOJI[0], True)]


def test_an_unknown_step_is_refused() -> None:
    """A step that is neither add nor remove is an error, not a silent no-op."""
    with pytest.raises(ValueError, match="'add' or 'remove'"):
        list(Flood(id=1, message_ids=[10], member_ids=[1], steps=("toggle",)).ops())


def test_a_remove_before_any_add_is_refused() -> None:
    """A first step that removes would take off nothing: an error, not a silent no-op."""
    with pytest.raises(ValueError, match="first step is 'add'"):
        list(Flood(id=1, message_ids=[10], member_ids=[1], steps=("remove", "add")).ops())
