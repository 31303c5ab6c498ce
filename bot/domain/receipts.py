"""Receipts for sealed ballots: leaves, the Merkle commitment over them, inclusion proofs.

Each final sealed ballot is a leaf ``SHA-256(0x00 || "calledit-ballot/v1|poll|member|choice|salt")``
(the choice as its stable name: came_true, partly, did_not; the salt 32 hex digits drawn per vote).
At close the bot publishes the root of the Merkle tree over the leaves sorted by their hex form,
and how many there are. The tree is RFC 6962's (Certificate Transparency): an inner node is
``SHA-256(0x01 || left || right)`` and a list of n > 1 leaves splits at the largest power of two
below n, so a proof is a short list of sibling hashes that any language can check in a few lines.
Pure functions: nothing here knows Discord or the database.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.outcomes import Choice

#: The version tag inside every leaf: a new encoding gets a new tag.
LEAF_TAG = "calledit-ballot/v1"
#: Hex digits of the leaf a member is shown as their receipt code.
CODE_DIGITS = 12


def new_salt() -> str:
    """Draw a fresh per-vote salt: 16 random bytes as 32 hex digits."""
    return secrets.token_hex(16)


def leaf_text(poll_id: int, member_id: int, choice: Choice, salt: str) -> str:
    """Return the canonical text a ballot's leaf hashes."""
    return f"{LEAF_TAG}|{poll_id}|{member_id}|{choice.value}|{salt}"


def leaf(poll_id: int, member_id: int, choice: Choice, salt: str) -> str:
    """Return a ballot's leaf hash (hex)."""
    data = leaf_text(poll_id, member_id, choice, salt).encode()
    return hashlib.sha256(b"\x00" + data).hexdigest()


def receipt_code(leaf_hex: str) -> str:
    """Return the short code a member is shown for a ballot: the leaf's first digits, grouped."""
    head = leaf_hex[:CODE_DIGITS]
    return "-".join(head[i : i + 4] for i in range(0, len(head), 4))


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two strictly below n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _root(leaves: Sequence[bytes]) -> bytes:
    # Iterative RFC 6962 tree hash: combining adjacent pairs level by level and carrying an odd
    # last node up unchanged gives the same root as the recursive split at powers of two.
    level = list(leaves)
    while len(level) > 1:
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


#: The root of no ballots: SHA-256 of the empty string, as RFC 6962 defines it.
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def merkle_root(leaves: Sequence[str]) -> str:
    """Return the root (hex) over leaves (hex), sorted here so the order stored never matters."""
    if not leaves:
        return EMPTY_ROOT
    return _root([bytes.fromhex(h) for h in sorted(leaves)]).hex()


def inclusion_proof(leaves: Sequence[str], target: str) -> tuple[int, list[str]]:
    """Return the target leaf's index among the sorted leaves and its audit path (hex hashes)."""
    ordered = sorted(leaves)
    index = ordered.index(target)
    nodes = [bytes.fromhex(h) for h in ordered]
    path: list[str] = []

    def walk(lo: int, hi: int, m: int) -> None:
        n = hi - lo
        if n == 1:
            return
        k = _split(n)
        if m < k:
            walk(lo, lo + k, m)
            path.append(_root(nodes[lo + k : hi]).hex())
        else:
            walk(lo + k, hi, m - k)
            path.append(_root(nodes[lo : lo + k]).hex())

    walk(0, len(nodes), index)
    return index, path


def root_from_proof(leaf_hex: str, index: int, count: int, path: Sequence[str]) -> str | None:
    """Return the root a proof leads to, None when the proof's shape doesn't fit the count."""
    if not 0 <= index < count:
        return None
    hashes = [bytes.fromhex(h) for h in path]
    # RFC 9162 section 2.1.3.2: verify an inclusion proof.
    fn, sn = index, count - 1
    r = bytes.fromhex(leaf_hex)
    for p in hashes:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = _node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return r.hex() if sn == 0 else None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a member needs to check their ballot against a published commitment."""

    poll_id: int
    member_id: int
    choice: Choice
    salt: str
    index: int
    count: int
    path: tuple[str, ...]
    root: str

    @property
    def leaf(self) -> str:
        """Return this ballot's leaf."""
        return leaf(self.poll_id, self.member_id, self.choice, self.salt)

    def verify(self) -> bool:
        """Tell whether the ballot is included under the published root."""
        return root_from_proof(self.leaf, self.index, self.count, self.path) == self.root

    def to_json(self) -> str:
        """Return the receipt as JSON (what `calledit verify` reads)."""
        body = {
            "version": LEAF_TAG,
            "poll": self.poll_id,
            "member": str(self.member_id),
            "choice": self.choice.value,
            "salt": self.salt,
            "leaf": self.leaf,
            "index": self.index,
            "count": self.count,
            "path": list(self.path),
            "root": self.root,
        }
        return json.dumps(body, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Receipt:
        """Read a receipt back; raise ValueError on anything malformed."""
        try:
            body = json.loads(text)
            receipt = cls(
                poll_id=int(body["poll"]),
                member_id=int(body["member"]),
                choice=Choice(body["choice"]),
                salt=str(body["salt"]),
                index=int(body["index"]),
                count=int(body["count"]),
                path=tuple(str(h) for h in body["path"]),
                root=str(body["root"]),
            )
            for h in (*receipt.path, receipt.root):
                if len(h) != 64:
                    raise ValueError("a hash is not 64 hex digits")
                bytes.fromhex(h)
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a receipt: {exc}") from exc
        return receipt
