"""Benchmark: sealed-ballot receipts, checking one and committing to 100,000 ballots.

Run from the repository root::

    .venv/bin/python bench/bench_receipts.py            # 100,000 ballots, 2,000 verifications
    .venv/bin/python bench/bench_receipts.py --quick    # a small run that proves it works

What it measures (pure CPU, no database, one process):

1. Verifying one receipt (what `calledit verify` and the documented verifier do): the median
   over many receipts of a poll with ``--ballots`` ballots, in microseconds. Goal: well under a
   millisecond.
2. The Merkle root over ``--ballots`` leaves (what a close computes once the leaves are made),
   beside the same run's reference: hashlib.sha256 over the same leaf strings one by one. The
   ratio root / plain hashing shows the tree's cost over hashing each leaf once.
3. Making the leaves themselves from the ballots, and one member's inclusion proof (what
   /poll verify computes), for the record.

Prints a table and writes the result as JSON to ``bench/out/receipts.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OUT, Row, print_table

from bot.domain.outcomes import Choice
from bot.domain.receipts import Receipt, inclusion_proof, leaf, merkle_root

POLL = 4242
#: A verification must take well under this (the issue's goal), in microseconds.
VERIFY_GOAL_US = 1000.0


def ballots(n: int, seed: int) -> list[tuple[int, Choice, str]]:
    """Return n ballots: member id, choice, salt."""
    rng = random.Random(seed)
    choices = list(Choice)
    return [(10**17 + i, rng.choice(choices), f"{rng.getrandbits(128):032x}") for i in range(n)]


def best_of(runs: int, work: object) -> float:
    """Return the fastest of a few runs of work() in seconds (the least disturbed one)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def run(args: argparse.Namespace) -> dict[str, object]:
    """Measure and return the results."""
    votes = ballots(args.ballots, args.seed)
    start = time.perf_counter()
    leaves = [leaf(POLL, m, c, s) for m, c, s in votes]
    leaves_s = time.perf_counter() - start
    root_s = best_of(args.repeat, lambda: merkle_root(leaves))
    encoded = [h.encode() for h in leaves]
    plain_s = best_of(args.repeat, lambda: [hashlib.sha256(b).digest() for b in encoded])
    root = merkle_root(leaves)

    rng = random.Random(args.seed + 1)
    picked = [votes[rng.randrange(len(votes))] for _ in range(args.proofs)]
    start = time.perf_counter()
    receipts = []
    for member, choice, salt in picked:
        index, path = inclusion_proof(leaves, leaf(POLL, member, choice, salt))
        receipts.append(Receipt(POLL, member, choice, salt, index, len(leaves), tuple(path), root))
    proof_s = (time.perf_counter() - start) / len(picked)
    samples = []
    for _ in range(max(1, args.verifications // len(receipts))):
        for receipt in receipts:
            start = time.perf_counter()
            ok = receipt.verify()
            samples.append(time.perf_counter() - start)
            assert ok
    verify_us = statistics.median(samples) * 1e6
    return {
        "ballots": args.ballots,
        "verifications": len(samples),
        "verify_median_us": round(verify_us, 2),
        "verify_p99_us": round(sorted(samples)[int(len(samples) * 0.99) - 1] * 1e6, 2),
        "proof_length": len(receipts[0].path),
        "root_seconds": round(root_s, 4),
        "plain_sha256_seconds": round(plain_s, 4),
        "root_over_plain": round(root_s / plain_s, 2),
        "leaves_seconds": round(leaves_s, 4),
        "proof_seconds": round(proof_s, 4),
        "python": sys.version.split()[0],
    }


def main() -> None:
    """Parse arguments, run once, print and save the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--verifications", type=int, default=2000)
    parser.add_argument("--proofs", type=int, default=20, help="receipts made (and timed)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each bulk timing")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--quick", action="store_true", help="a small, fast run that proves the bench works"
    )
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON results")
    args = parser.parse_args()
    if args.quick:
        args.ballots, args.verifications, args.proofs, args.repeat = 5000, 200, 5, 1
    result = run(args)
    n = f"{result['ballots']:,}"
    verify = float(result["verify_median_us"])  # type: ignore[arg-type]
    print_table(
        f"receipts: {n} ballots in one sealed poll",
        [
            Row("verify one receipt (median)", f"{verify:.1f} µs",
                f"p99 {result['verify_p99_us']} µs, {result['proof_length']} hashes in its proof",
                "", f"< {VERIFY_GOAL_US:.0f} µs", "OK" if verify < VERIFY_GOAL_US else "MISSED"),
            Row(f"Merkle root over {n} leaves", f"{result['root_seconds']:.3f} s",
                f"sha256 of each leaf once: {result['plain_sha256_seconds']:.3f} s",
                f"{result['root_over_plain']}x", "report"),
            Row(f"make {n} leaves", f"{result['leaves_seconds']:.3f} s"),
            Row("one inclusion proof (/poll verify)", f"{result['proof_seconds'] * 1000:.1f} ms"),
        ],
    )  # fmt: skip
    out = args.out or OUT / "receipts.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
