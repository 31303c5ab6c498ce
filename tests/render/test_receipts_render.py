"""The /poll verify answer: the ballot, its code, leaf, place and commitment, and the file name."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.outcomes import Choice
from bot.domain.receipts import Receipt, inclusion_proof, leaf, merkle_root, receipt_code
from bot.render.receipts import RECEIPT_FILE, receipt_reply


def receipt() -> Receipt:
    leaves = [leaf(8, m, Choice.DID_NOT, f"{m:032x}") for m in range(1, 6)]
    index, path = inclusion_proof(leaves, leaves[2])
    return Receipt(8, 3, Choice.DID_NOT, f"{3:032x}", index, 5, tuple(path), merkle_root(leaves))


def test_the_answer_names_everything_a_member_checks() -> None:
    mine = receipt()
    text = receipt_reply(mine, 12)
    assert text.splitlines()[:5] == [
        "Your sealed ballot on #12: ❌ did not",
        f"Receipt code: `{receipt_code(mine.leaf)}`",
        f"Leaf: `{mine.leaf}`",
        f"Place: {mine.index + 1} of 5 ballots (index {mine.index})",
        f"Commitment: `{mine.root}` (verified)",
    ]
    assert f"`calledit verify {RECEIPT_FILE}`" in text and len(text) < 2000


def test_a_proof_that_fails_says_so() -> None:
    broken = replace(receipt(), root="0" * 64)
    assert "does NOT verify: tell the admins" in receipt_reply(broken, 12)
