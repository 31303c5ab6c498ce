"""A member's receipt for a sealed ballot, as the private answer to /poll verify."""

from __future__ import annotations

from bot.domain.receipts import Receipt, receipt_code

#: The name of the attached receipt, as `calledit verify` and docs/receipts.md call it.
RECEIPT_FILE = "receipt.json"


def receipt_reply(receipt: Receipt, number: int) -> str:
    """Say what a member's sealed ballot was and how to check it against the commitment."""
    choice = receipt.choice
    checked = "verified" if receipt.verify() else "does NOT verify: tell the admins"
    return "\n".join(
        (
            f"Your sealed ballot on #{number}: {choice.emoji} {choice.label}",
            f"Receipt code: `{receipt_code(receipt.leaf)}`",
            f"Leaf: `{receipt.leaf}`",
            f"Place: {receipt.index + 1} of {receipt.count} ballots (index {receipt.index})",
            f"Commitment: `{receipt.root}` ({checked})",
            "The commitment is the root in the poll's result post. Check the attached "
            f"{RECEIPT_FILE} anywhere, offline: `calledit verify {RECEIPT_FILE}` "
            "(or the few lines in docs/receipts.md).",
        )
    )
