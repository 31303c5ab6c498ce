"""Benchmark: how long each card takes to render, and how big it is.

Run from the repository root::

    .venv/bin/python bench/bench_cards.py [--runs 30]

Prints, per card, the first render (fonts loading) and the median and worst of the next runs
in milliseconds, and the PNG's size. The goal: at most 200 ms each, at most 1 MiB.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bot.render.cards import MAX_BYTES, leaderboard_card, member_card, samples, scorecard_card


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
    args = parser.parse_args()
    print(f"{'card':<12} {'first ms':>9} {'median ms':>10} {'max ms':>8} {'bytes':>8}")
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
        print(
            f"{name:<12} {first:>9.1f} {statistics.median(times):>10.1f} {max(times):>8.1f} "
            f"{len(data):>8}" + ("  OVER 1 MiB" if len(data) > MAX_BYTES else "")
        )
    print(f"worst render {worst:.1f} ms ({'within' if worst <= 200 else 'OVER'} 200 ms)")


if __name__ == "__main__":
    main()
