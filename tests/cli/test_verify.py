"""`calledit verify`: a receipt (file or stdin) and an export's commitments, run as a user would."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot.domain.outcomes import Choice
from bot.domain.receipts import Receipt, inclusion_proof, leaf, merkle_root, new_salt
from tests.cli.test_cli import calledit

POLL = 17


def ballots(n: int) -> list[tuple[int, Choice, str]]:
    """Return n ballots of one poll: member, choice, salt."""
    rng = random.Random(n)
    return [(10**17 + i, rng.choice(list(Choice)), new_salt()) for i in range(n)]


def receipt(n: int = 9, which: int = 4) -> Receipt:
    """Return an honest receipt for one ballot among n."""
    votes = ballots(n)
    leaves = [leaf(POLL, m, c, s) for m, c, s in votes]
    member, choice, salt = votes[which]
    index, path = inclusion_proof(leaves, leaf(POLL, member, choice, salt))
    return Receipt(POLL, member, choice, salt, index, n, tuple(path), merkle_root(leaves))


def test_an_honest_receipt_is_ok_from_a_file_and_from_stdin(tmp_path: Path) -> None:
    honest = receipt()
    (tmp_path / "receipt.json").write_text(honest.to_json())
    done = calledit(tmp_path, "verify", "receipt.json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"ok: ballot {honest.choice.value} is included in poll {POLL}'s commitment "
        f"{honest.root[:16]}… of 9 ballots\n"
    )
    piped = calledit(tmp_path, "verify", "-", input=honest.to_json())
    assert (piped.returncode, piped.stdout) == (0, done.stdout)


@pytest.mark.parametrize("field", ["choice", "salt", "index", "path", "root", "leaf"])
def test_a_changed_receipt_fails_in_one_line(tmp_path: Path, field: str) -> None:
    body = json.loads(receipt().to_json())
    if field == "choice":
        body["choice"] = next(c.value for c in Choice if c.value != body["choice"])
        body.pop("leaf")  # the leaf it states would give it away first
    elif field == "salt":
        body["salt"] = "f" * 32
        body.pop("leaf")
    elif field == "index":
        body["index"] += 1
    elif field == "path":
        body["path"][0] = "0" * 64
    elif field == "root":
        body["root"] = "0" * 64
    else:
        body["leaf"] = "0" * 64
    (tmp_path / "receipt.json").write_text(json.dumps(body))
    done = calledit(tmp_path, "verify", "receipt.json")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("not included: ") and done.stdout.count("\n") == 1


@pytest.mark.parametrize(
    "text", ["", "not json", "[]", '{"poll": 1}', json.dumps({"root": "xyz"}), "{" * 50]
)
def test_a_malformed_receipt_is_one_line_exit_2(tmp_path: Path, text: str) -> None:
    (tmp_path / "receipt.json").write_text(text)
    done = calledit(tmp_path, "verify", "receipt.json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("calledit: ") and done.stderr.count("\n") == 1


def test_missing_file_and_no_argument(tmp_path: Path) -> None:
    missing = calledit(tmp_path, "verify", "nope.json")
    assert missing.returncode == 2 and missing.stderr.startswith("calledit: can't read nope.json")
    assert missing.stderr.count("\n") == 1
    bare = calledit(tmp_path, "verify")
    assert bare.returncode == 2 and "one of the arguments" in bare.stderr


def export_document(rows: list[dict[str, object]]) -> str:
    return json.dumps({"guild_id": "1", "predictions": [], "votes": [], "sealed": rows})


def test_an_export_is_recomputed_poll_by_poll(tmp_path: Path) -> None:
    leaves = sorted(leaf(POLL, m, c, s) for m, c, s in ballots(25))
    good = {"prediction": 3, "poll_id": POLL, "state": "closed", "ballots": 25}
    good |= {"root": merkle_root(leaves), "leaves": leaves}
    running = {"prediction": 4, "poll_id": 18, "state": "open", "ballots": 6, "root": None}
    running["leaves"] = []
    (tmp_path / "export.json").write_text(export_document([good, running]))
    done = calledit(tmp_path, "verify", "--export", "export.json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"ok: poll {POLL} (#3): 25 ballots give its root {good['root'][:16]}…",
        "open: poll 18 (#4): 6 ballots so far, no root yet",
    ]
    bad = good | {"poll_id": 19, "leaves": leaves[1:]}
    (tmp_path / "export.json").write_text(export_document([good, bad]))
    done = calledit(tmp_path, "verify", "--export", "export.json")
    assert done.returncode == 1
    assert done.stdout.splitlines()[1].startswith("MISMATCH: poll 19 (#3): 24 leaves give ")
    (tmp_path / "export.json").write_text(export_document([good | {"leaves": ["zz"]}]))
    assert calledit(tmp_path, "verify", "--export", "export.json").returncode == 2
    (tmp_path / "export.json").write_text('{"votes": []}')
    assert calledit(tmp_path, "verify", "--export", "export.json").returncode == 2
    (tmp_path / "export.json").write_text('{"guild_id": "1", "votes": []}')
    plain = calledit(tmp_path, "verify", "--export", "export.json")
    assert (plain.returncode, plain.stdout) == (0, "no sealed polls in this export\n")
