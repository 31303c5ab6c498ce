"""`calledit verify`: check a sealed ballot's receipt, or an export's commitments, offline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.domain.receipts import Receipt, merkle_root

#: Exit codes: verified, not verified, unreadable input.
OK, FAILED, MALFORMED = 0, 1, 2


def _read(source: str) -> str:
    """Return the text of a file, or of standard input for '-'."""
    if source == "-":
        return sys.stdin.read()
    return Path(source).read_text(encoding="utf-8")


def _short(root: str) -> str:
    return f"{root[:16]}…"


def check_receipt(text: str) -> tuple[int, str]:
    """Check one receipt's JSON; return the exit code and the one line that says why."""
    try:
        receipt = Receipt.from_json(text)
        body = json.loads(text)
        stated = body.get("leaf") if isinstance(body, dict) else None
    except (ValueError, json.JSONDecodeError) as exc:
        return MALFORMED, f"calledit: {exc}" if "receipt" in str(
            exc
        ) else f"calledit: not a receipt: {exc}"
    ballot, poll = receipt.choice.value, receipt.poll_id
    if stated is not None and stated != receipt.leaf:
        return FAILED, (
            f"not included: the receipt's leaf {str(stated)[:16]}… is not the leaf of its "
            f"ballot ({ballot}, salt {receipt.salt[:8]}…): the receipt was changed"
        )
    if not receipt.verify():
        return FAILED, (
            f"not included: ballot {ballot} does not lead to poll {poll}'s commitment "
            f"{_short(receipt.root)} of {receipt.count} ballots (the receipt or the "
            "stored ballots were changed)"
        )
    return OK, (
        f"ok: ballot {ballot} is included in poll {poll}'s commitment "
        f"{_short(receipt.root)} of {receipt.count} ballots"
    )


def check_export(text: str) -> tuple[int, list[str]]:
    """Recompute every closed sealed poll's root from an export's leaves; one line per poll."""
    try:
        document = json.loads(text)
        if "guild_id" not in document:
            raise KeyError("guild_id")
        rows: list[dict[str, Any]] = document.get("sealed", [])  # none: no sealed poll yet
        if not isinstance(rows, list):
            raise TypeError("'sealed' is not a list")
        lines: list[str] = []
        failed = False
        for row in rows:
            where = f"poll {int(row['poll_id'])} (#{row['prediction']})"
            if row.get("root") is None:
                lines.append(f"open: {where}: {int(row['ballots'])} ballots so far, no root yet")
                continue
            leaves = [str(h) for h in row["leaves"]]
            for h in leaves:
                bytes.fromhex(h)
            root, count = merkle_root(leaves), int(row["ballots"])
            if root == row["root"] and count == len(leaves):
                lines.append(f"ok: {where}: {count} ballots give its root {_short(root)}")
            else:
                failed = True
                lines.append(
                    f"MISMATCH: {where}: {len(leaves)} leaves give {_short(root)}, "
                    f"published {_short(str(row['root']))} of {count} ballots"
                )
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        return MALFORMED, [f"calledit: not a Called It export ({exc!r})"]
    if not lines:
        lines.append("no sealed polls in this export")
    return (FAILED if failed else OK), lines


async def verify(settings: Settings, args: argparse.Namespace) -> int:
    """Check a receipt (or every commitment in an export) and print the verdict."""
    source: str | None = args.export or args.receipt
    if source is None:
        print("calledit: name a receipt file (or - for stdin), or --export FILE", file=sys.stderr)
        return MALFORMED
    try:
        text = _read(source)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"calledit: can't read {source} ({exc})", file=sys.stderr)
        return MALFORMED
    if args.export:
        code, lines = check_export(text)
    else:
        code, line = check_receipt(text)
        lines = [line]
    out = sys.stderr if code == MALFORMED else sys.stdout
    for line in lines:
        print(line, file=out)
    return code
