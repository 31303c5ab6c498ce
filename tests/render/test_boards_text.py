"""The monthly post and /leaderboard texts stay within Discord's embed limits with many sets."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import render
from bot.domain.months import Month
from bot.domain.outcomes import Outcome
from bot.domain.ranking import BoardRow
from bot.snapshots.boards import Board, ResolvedItem

AT = datetime(2025, 11, 3, tzinfo=UTC)


def _board(resolved: int, set_name: str | None = None) -> Board:
    ranked = tuple((n + 1, 10**17 + n, 9.0 - n, 0.5, 9, 9) for n in range(40))
    items = tuple(ResolvedItem(n, "T" * 100, Outcome.PARTLY, AT) for n in range(1, resolved + 1))
    return Board(1, Month(2025, 11), ranked, items, set_name)


def test_the_monthly_post_with_many_long_sets_fits_an_embed() -> None:
    tie = [BoardRow(1, 10**17 + n, 3.0, 0.0, 3, 3) for n in range(50)]
    leaders = [(f"Set {n} " + "x" * 200, tie) for n in range(40)]
    post = render.monthly_post(_board(200), _board(0), marker="ref abc", set_leaders=leaders)
    assert len(post) <= 6000
    fields = {f.name: f.value or "" for f in post.fields}
    assert all(len(v) <= 1024 for v in fields.values())
    lines = fields["Leader of each set"].splitlines()
    assert lines[0].startswith("**Set 0 ") and "and 45 more · 3 pts" in lines[0]
    assert fields["Leader of each set"].endswith("…")  # ten long lines: cut to the field's limit
    few = render.monthly_post(_board(1), _board(0), set_leaders=[("A", tie[:1]), ("B", [])])
    assert {f.name: f.value for f in few.fields}["Leader of each set"] == (
        f"**A**: <@{10**17}> · 3 pts\n**B**: nobody scored"
    )
    assert (post.footer.text or "").endswith("ref abc")


def test_leaderboard_names_what_counted_and_notes_void() -> None:
    board = _board(12, "mine")
    items = list(board.resolved)
    items[0] = ResolvedItem(1, "Voided", Outcome.VOID, AT)
    shown = render.leaderboard(Board(1, board.month, board.ranked, tuple(items), "mine"))
    assert shown.title == "Leaderboard · November 2025 · mine"
    (counted,) = shown.fields
    lines = (counted.value or "").splitlines()
    assert lines[0] == "⚪ #1 Voided: void (not scored)"
    assert lines[-1] == "…and 2 more"
    assert len(lines) == 11
