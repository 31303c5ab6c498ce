"""Outcomes of a prediction and the vote choices that map onto them."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """The official resolution of a prediction."""

    CAME_TRUE = "came_true"
    PARTLY = "partly"
    DID_NOT = "did_not"
    VOID = "void"

    @property
    def label(self) -> str:
        """Return a human label."""
        return _LABELS[self.value]

    @property
    def choice(self) -> Choice | None:
        """Return the vote choice that matches this outcome, None for void."""
        return None if self is Outcome.VOID else Choice(self.value)


class Choice(StrEnum):
    """What a member can vote: the first three outcomes."""

    CAME_TRUE = "came_true"
    PARTLY = "partly"
    DID_NOT = "did_not"

    @property
    def ordinal(self) -> int:
        """Return the position on the ordinal scale did_not=0, partly=1, came_true=2."""
        return _ORDINAL[self.value]

    @property
    def emoji(self) -> str:
        """Return the reaction emoji that casts this choice."""
        return _EMOJI[self.value]

    @property
    def label(self) -> str:
        """Return a human label."""
        return _LABELS[self.value]

    @classmethod
    def from_ordinal(cls, value: int) -> Choice:
        """Return the choice at an ordinal position."""
        return _BY_ORDINAL[value]

    @classmethod
    def from_emoji(cls, emoji: str) -> Choice | None:
        """Return the choice a reaction emoji stands for, None for any other emoji."""
        return _BY_EMOJI.get(emoji)


_ORDINAL = {"did_not": 0, "partly": 1, "came_true": 2}
_BY_ORDINAL = {0: Choice.DID_NOT, 1: Choice.PARTLY, 2: Choice.CAME_TRUE}
_EMOJI = {"came_true": "✅", "partly": "🌓", "did_not": "❌"}
_BY_EMOJI = {emoji: Choice(value) for value, emoji in _EMOJI.items()}
_LABELS = {
    "came_true": "came true",
    "partly": "partly",
    "did_not": "did not",
    "void": "void",
}
POLL_EMOJI: tuple[str, ...] = (_EMOJI["came_true"], _EMOJI["partly"], _EMOJI["did_not"])
