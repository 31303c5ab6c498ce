"""What a vote writer reports (its VoteReports), recorded for tests to assert on."""

from __future__ import annotations

from bot.domain.outcomes import Choice


class Told:
    """Record each report in a list of its own."""

    def __init__(self) -> None:
        self.replaced: list[tuple[int, int, Choice]] = []
        self.clears: list[tuple[int, Choice | None, int]] = []
        self.pauses: list[bool] = []

    def superseded(self, items: list[tuple[int, int, Choice]]) -> None:
        """Record superseded reactions."""
        self.replaced.extend(items)

    def cleared(self, items: list[tuple[int, Choice | None, int]]) -> None:
        """Record clears."""
        self.clears.extend(items)

    def backlog(self, paused: bool) -> None:
        """Record a pause (True) or a resume (False)."""
        self.pauses.append(paused)
