"""Receipts: every leaf's proof verifies, any change fails, the root is RFC 6962's and orderless."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.outcomes import Choice
from bot.domain.receipts import (
    EMPTY_ROOT,
    Receipt,
    inclusion_proof,
    leaf,
    merkle_root,
    receipt_code,
    root_from_proof,
)


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written straight from the text: split at the largest power of 2 < n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    left, right = reference_root(leaves[:k]), reference_root(leaves[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def ballots(seed: int, n: int) -> list[tuple[int, int, Choice, str]]:
    """Return n distinct ballots of one poll, drawn from a seed."""
    rng = random.Random(seed)
    members = rng.sample(range(10**17, 10**18), n)
    return [(42, m, rng.choice(list(Choice)), f"{rng.getrandbits(128):032x}") for m in members]


def receipt_of(ballot: tuple[int, int, Choice, str], leaves: list[str]) -> Receipt:
    poll, member, choice, salt = ballot
    index, path = inclusion_proof(leaves, leaf(poll, member, choice, salt))
    return Receipt(poll, member, choice, salt, index, len(leaves), tuple(path), merkle_root(leaves))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(1, 300), pick=st.integers(0, 10**6))
def test_every_proof_verifies_and_any_change_fails(seed: int, n: int, pick: int) -> None:
    votes = ballots(seed, n)
    leaves = [leaf(*b) for b in votes]
    root = merkle_root(leaves)
    assert root == reference_root([bytes.fromhex(h) for h in sorted(leaves)]).hex()
    shuffled = leaves[:]
    random.Random(seed + 1).shuffle(shuffled)
    assert merkle_root(shuffled) == root
    for ballot in votes if n <= 40 else [votes[pick % n], votes[0], votes[-1]]:
        receipt = receipt_of(ballot, leaves)
        assert receipt.verify()
        assert Receipt.from_json(receipt.to_json()) == receipt
    receipt = receipt_of(votes[pick % n], leaves)
    other = next(c for c in Choice if c is not receipt.choice)
    changed = [
        Receipt(**{**_fields(receipt), "choice": other}),
        Receipt(**{**_fields(receipt), "salt": f"{int(receipt.salt, 16) ^ 1:032x}"}),
        Receipt(**{**_fields(receipt), "member_id": receipt.member_id + 1}),
        Receipt(**{**_fields(receipt), "poll_id": receipt.poll_id + 1}),
        Receipt(**{**_fields(receipt), "index": (receipt.index + 1) % (n + 1)}),
        Receipt(**{**_fields(receipt), "root": _flip(receipt.root)}),
    ]
    if n > 1:
        changed.append(Receipt(**{**_fields(receipt), "path": receipt.path[:-1]}))
        changed.append(Receipt(**{**_fields(receipt), "path": (*receipt.path, receipt.root)}))
        at = pick % len(receipt.path)
        path = list(receipt.path)
        path[at] = _flip(path[at])
        changed.append(Receipt(**{**_fields(receipt), "path": tuple(path)}))
    for bad in changed:
        assert not bad.verify(), bad
    # The count is a proof parameter: RFC 6962 roots commit to the leaves, not to the size, so a
    # count whose tree shape along this leaf's path is the same verifies too. That is why the
    # result post publishes the count beside the root and a member checks both. A count whose
    # shape differs fails, and no count ever leads to another root.
    for count in (n - 1, n + 1, 2 * n + 1):
        forged = Receipt(**{**_fields(receipt), "count": count})
        reached = root_from_proof(forged.leaf, forged.index, count, forged.path)
        assert reached in (None, receipt.root)
    assert not Receipt(**{**_fields(receipt), "count": 2 * n + 1}).verify() or n == 1


def _fields(receipt: Receipt) -> dict[str, object]:
    return {name: getattr(receipt, name) for name in Receipt.__slots__}  # type: ignore[attr-defined]


def _flip(hex_hash: str) -> str:
    return f"{int(hex_hash[0], 16) ^ 1:x}{hex_hash[1:]}"


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(2, 300))
def test_a_changed_ballot_changes_the_root(seed: int, n: int) -> None:
    votes = ballots(seed, n)
    leaves = [leaf(*b) for b in votes]
    poll, member, choice, salt = votes[seed % n]
    other = next(c for c in Choice if c is not choice)
    tampered = [
        leaf(poll, member, other, salt) if h == leaf(*votes[seed % n]) else h for h in leaves
    ]
    assert merkle_root(tampered) != merkle_root(leaves)
    assert merkle_root(leaves[:-1]) != merkle_root(leaves)


def test_empty_single_and_known_values() -> None:
    assert merkle_root([]) == EMPTY_ROOT == hashlib.sha256(b"").hexdigest()
    one = leaf(1, 2, Choice.PARTLY, "00" * 16)
    expected = hashlib.sha256(b"\x00calledit-ballot/v1|1|2|partly|" + b"0" * 32).hexdigest()
    assert one == expected
    assert merkle_root([one]) == one
    assert inclusion_proof([one], one) == (0, [])
    assert root_from_proof(one, 0, 1, []) == one
    assert root_from_proof(one, 1, 1, []) is None
    assert receipt_code(one) == f"{one[:4]}-{one[4:8]}-{one[8:12]}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{}",
        "[]",
        '{"poll": 1}',
        '{"poll":1,"member":"2","choice":"maybe","salt":"",'
        '"index":0,"count":1,"path":[],"root":"00"}',
    ],
)
def test_malformed_receipts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Receipt.from_json(text)
