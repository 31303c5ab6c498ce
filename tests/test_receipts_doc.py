"""docs/receipts.md's stand-alone verifier passes a real receipt and fails a tampered one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.domain.outcomes import Choice
from bot.domain.receipts import Receipt, inclusion_proof, leaf, merkle_root, new_salt

PAGE = Path(__file__).resolve().parents[1] / "docs" / "receipts.md"


def documented_verifier() -> str:
    """Return the page's one Python block."""
    (block,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    return str(block)


def receipts(n: int) -> list[Receipt]:
    """Return every ballot's honest receipt in a poll of n ballots."""
    votes = [(10**17 + i, list(Choice)[i % 3], new_salt()) for i in range(n)]
    leaves = [leaf(23, m, c, s) for m, c, s in votes]
    root = merkle_root(leaves)
    made = []
    for member, choice, salt in votes:
        index, path = inclusion_proof(leaves, leaf(23, member, choice, salt))
        made.append(Receipt(23, member, choice, salt, index, n, tuple(path), root))
    return made


def run(script: Path, body: dict[str, object], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(body))
    return subprocess.run(
        [sys.executable, str(script), str(receipt)], capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize("n", [1, 2, 7, 64, 100])
def test_the_documented_verifier(tmp_path: Path, n: int) -> None:
    script = tmp_path / "verify_receipt.py"
    script.write_text(documented_verifier())
    assert len(documented_verifier().strip().splitlines()) <= 25
    for receipt in receipts(n)[:: max(1, n // 5)]:
        body = json.loads(receipt.to_json())
        done = run(script, body, tmp_path)
        assert (done.returncode, done.stdout) == (0, "ok\n"), done.stderr
        other = next(c.value for c in Choice if c is not receipt.choice)
        tampered = [
            body | {"choice": other},
            body | {"salt": "0" * 32},
            body | {"root": "0" * 64},
            body | {"index": body["index"] + 1},
            body | {"path": [*body["path"], "0" * 64]},
        ]
        if body["path"]:
            tampered.append(body | {"path": body["path"][:-1]})
        for bad in tampered:
            done = run(script, bad, tmp_path)
            assert (done.returncode, done.stdout) == (1, "FAIL\n"), bad


@pytest.mark.skipif(shutil.which("node") is None, reason="no Node.js on this machine")
def test_the_documented_javascript_verifier() -> None:
    (js,) = re.findall(r"```javascript\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    cases = []
    for receipt in receipts(9)[::2]:
        body = json.loads(receipt.to_json())
        cases += [body, body | {"salt": "0" * 32}, body | {"count": 40}]
    verdicts = "then((v) => console.log(JSON.stringify(v)))"
    program = js + f"Promise.all({json.dumps(cases)}.map(verifyReceipt)).{verdicts};"
    done = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout) == [True, False, False] * 5, done.stderr
