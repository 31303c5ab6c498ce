"""Benchmark: how long each card takes to render, and how big it is.

Run from the repository root::

    .venv/bin/python bench/bench_cards.py [--runs 30]
    .venv/bin/python bench/bench_cards.py --quick      # three runs: proves it works

Prints, per card, the first render (fonts loading) and the median and worst of the next runs
in milliseconds, and the PNG's size. The goal: at most 200 ms each, at most 1 MiB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row, print_table

from bot.render.cards import (
    MAX_BYTES,
    leaderboard_card,
    member_card,
    samples,
    scorecard_card,
)


def _cards() -> dict[str, Callable[[], bytes]]:
    board, member, cards = samples.board(), samples.member(), samples.scorecard()
    return {
        "leaderboard": lambda: leaderboard_card(board, server=samples.SERVER, names=samples.NAMES),
        "member": lambda: member_card(member, name="Ada Lovelace", server=samples.SERVER),
        "scorecard": lambda: scorecard_card(cards, server=samples.SERVER),
    }


def main() -> None:
    """Time each card and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="three runs: proves it works")
    args = parser.parse_args()
    if args.quick:
        args.runs = 3
    rows: list[Row] = []
    worst = 0.0
    for name, render in _cards().items():
        start = time.perf_counter()
        data = render()
        first = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            data = render()
            times.append((time.perf_counter() - start) * 1000)
        worst = max(worst, max(times))
        rows.append(
            Row(
                f"{name} card, median (first / worst)",
                f"{statistics.median(times):.1f} ms",
                f"{first:.1f} / {max(times):.1f} ms",
                f"{len(data) / 1024:.0f} KB",
                "<= 200 ms, <= 1 MiB",
                "OK" if max(times) <= 200 and len(data) <= MAX_BYTES else "MISSED",
            )
        )
    print_table(f"cards: {args.runs} runs each (worst render {worst:.1f} ms)", rows)


if __name__ == "__main__":
    main()
