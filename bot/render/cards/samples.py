"""Sample snapshots for the cards: the bench, the reference images and a look by eye share them."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.months import Month
from bot.domain.outcomes import Outcome
from bot.domain.ranking import BoardRow
from bot.snapshots.boards import Board, MemberStats, ResolvedItem, SourceCard, SourceItem
from bot.snapshots.predictions import Tally

SERVER = "Forecasters"
NAMES = {
    101: "Ada Lovelace",
    102: "Αλέξανδρος",
    103: "Жанна Дарк",
    104: "grace_hopper_with_a_very_long_display_name",
    105: "Zoë 🦊",
    107: "Linus",
    108: "Мария",
    109: "Ωmega",
    110: "bob",
}  # 106 has no stored name: it shows as "a member"

_RANKED = (
    (1, 101, 7.5, 1.42, 9, 6),
    (2, 102, 6.0, 0.91, 9, 4),
    (2, 103, 6.0, 0.91, 9, 4),
    (4, 104, 5.5, 0.5, 9, 4),
    (5, 105, 5.0, 0.12, 8, 3),
    (6, 106, 4.5, 0.0, 9, 3),
    (7, 107, 4.0, -0.31, 9, 2),
    (8, 108, 3.5, -0.55, 7, 2),
    (9, 109, 3.0, -0.8, 9, 1),
    (10, 110, 2.5, -1.25, 9, 1),
    (11, 111, 1.0, -2.0, 9, 0),
)


def board() -> Board:
    """Return a month's board with a tie for second and a member with no stored name."""
    at = datetime(2025, 12, 30, 18, tzinfo=UTC)
    outcomes = [Outcome.CAME_TRUE] * 5 + [Outcome.PARTLY] * 3 + [Outcome.DID_NOT, Outcome.VOID]
    resolved = tuple(
        ResolvedItem(n, f"Prediction {n}", o, at) for n, o in enumerate(outcomes, start=1)
    )
    return Board(1, Month(2025, 12), _RANKED, resolved)


def member() -> MemberStats:
    """Return a member's record with a year of months."""
    months = tuple(
        (f"{2025 if m else 2024}-{(m or 12):02d}", p)
        for m, p in zip(range(0, 12), (0, 1, 2.5, 0, 3, 1.5, 4, 0.5, 2, 3.5, 1, 7.5), strict=True)
    )
    return MemberStats(101, 14, 2, BoardRow(*_RANKED[0]), 30, months, agreed=7, compared=9)


def scorecard() -> list[SourceCard]:
    """Return GPT-4o's ten, resolved and open, with their splits."""
    outcomes = [Outcome.PARTLY, Outcome.CAME_TRUE, Outcome.CAME_TRUE, Outcome.PARTLY, None]
    outcomes += [Outcome.PARTLY, Outcome.CAME_TRUE, Outcome.VOID, Outcome.DID_NOT, None]
    titles = [
        "Inference costs collapse",
        "Specialised vertical models",
        "Multimodal by default",
        "Open weights close the gap",
        "AI agents in production at scale, in every large enterprise",
        "Regulation takes shape",
        "Synthetic data goes mainstream",
        "AGI debate cools",
        "Chips shortage ends",
        "Agents everywhere",
    ]
    items = tuple(
        SourceItem(n, t, o, Tally(12 - n, n % 4, n))
        for n, (t, o) in enumerate(zip(titles, outcomes, strict=True), start=1)
    )
    return [SourceCard("GPT-4o", 10, 3, 3, 1, 1, 2, 7, 5, items)]
