"""What an edit of a prediction changes: one group of optional fields, passed as one value."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class PredictionEdit:
    """The texts and dates an edit changes; a field left None stays as it is."""

    title: str | None = None
    statement: str | None = None
    source: str | None = None
    made_on: date | None = None
    due: date | None = None
    criteria: str | None = None

    @property
    def empty(self) -> bool:
        """Return whether the edit changes nothing."""
        return all(value is None for value in astuple(self))
