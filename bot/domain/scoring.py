"""Scoring rules: points for a vote, peer scores, and per-member totals.

Points use the ordinal scale did_not=0, partly=1, came_true=2:
``points = 1 - |vote - outcome| / 2`` (1, 0.5 or 0). It is the ranked probability score of a
certain vote. A void outcome scores nobody. The peer score of a scored vote is its points minus
the mean points of the other members scored on that prediction (0 when alone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.outcomes import Choice, Outcome

#: Peer scores are shown to this many places, and ranks compare them rounded the same way, so
#: two rows that read the same (points, peer score, scored votes) always share a rank.
PEER_PLACES = 2


def points(vote: Choice, outcome: Outcome) -> float | None:
    """Return the points a vote earns on an outcome, None when the outcome is void."""
    if outcome is Outcome.VOID:
        return None
    target = outcome.choice
    assert target is not None
    return 1 - abs(vote.ordinal - target.ordinal) / 2


def peer_score(own_points: float, total_points: float, voters: int) -> float:
    """Return own points minus the mean points of the other voters (0 when alone)."""
    if voters <= 1:
        return 0.0
    return own_points - (total_points - own_points) / (voters - 1)


@dataclass(frozen=True, slots=True)
class ChoiceScore:
    """What one choice earns on one resolved prediction."""

    points: float
    peer: float


def score_table(tally: Mapping[Choice, int], outcome: Outcome) -> dict[Choice, ChoiceScore]:
    """Return points and peer score per choice for a prediction, given its final tally."""
    if outcome is Outcome.VOID:
        return {}
    voters = sum(tally.values())
    per_choice = {choice: points(choice, outcome) or 0.0 for choice in Choice}
    total = sum(per_choice[choice] * count for choice, count in tally.items())
    return {
        choice: ChoiceScore(per_choice[choice], peer_score(per_choice[choice], total, voters))
        for choice in Choice
    }


@dataclass(frozen=True, slots=True)
class ScoredVote:
    """One member's scored vote on one resolved prediction."""

    prediction_id: int
    member_id: int
    choice: Choice
    outcome: Outcome


@dataclass(slots=True)
class MemberTotals:
    """A member's totals over a set of scored votes."""

    member_id: int
    points: float = 0.0
    peer: float = 0.0
    scored: int = 0
    exact: int = 0

    @property
    def accuracy(self) -> float:
        """Return the share of scored votes that matched the outcome exactly."""
        return self.exact / self.scored if self.scored else 0.0


def tally_of(choices: Iterable[Choice]) -> dict[Choice, int]:
    """Count choices."""
    counts = dict.fromkeys(Choice, 0)
    for choice in choices:
        counts[choice] += 1
    return counts


def totals_from_votes(votes: Iterable[ScoredVote]) -> dict[int, MemberTotals]:
    """Compute every member's totals from individual scored votes (the reference algorithm)."""
    by_prediction: dict[int, list[ScoredVote]] = {}
    for vote in votes:
        by_prediction.setdefault(vote.prediction_id, []).append(vote)
    totals: dict[int, MemberTotals] = {}
    for group in by_prediction.values():
        outcome = group[0].outcome
        table = score_table(tally_of(v.choice for v in group), outcome)
        if not table:
            continue
        for vote in group:
            entry = totals.setdefault(vote.member_id, MemberTotals(vote.member_id))
            add_vote(entry, vote.choice, table[vote.choice], outcome, count=1)
    return totals


def add_vote(
    entry: MemberTotals, choice: Choice, score: ChoiceScore, outcome: Outcome, count: int
) -> None:
    """Add ``count`` votes of one choice on one prediction to a member's totals."""
    entry.points += score.points * count
    entry.peer += score.peer * count
    entry.scored += count
    if outcome.choice is choice:
        entry.exact += count
