"""Sealed polls' receipts: the commitment at every close, members' proofs, export, tampering."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.app import main as calledit
from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict, NotFound
from bot.domain.outcomes import Choice
from bot.domain.receipts import EMPTY_ROOT, Receipt, inclusion_proof, leaf, merkle_root
from bot.domain.votes import EventKind, VoteEvent
from bot.services import Services
from bot.services.receipts import OFF_LOOP
from tests.sealed import cast_sealed, published, seal, tamper
from tests.services.test_polls_votes import GUILD, open_poll, seeded  # noqa: F401

YES, HALF, NO = Choice.CAME_TRUE, Choice.PARTLY, Choice.DID_NOT
#: Members as Discord snowflakes: long enough that a hash never contains one by chance.
M101 = 872345678901234101
M102 = 872345678901234102
M103 = 872345678901234103
M104 = 872345678901234104
M105 = 872345678901234105
M106 = 872345678901234106
M107 = 872345678901234107
M201 = 872345678901234201
M202 = 872345678901234202
M203 = 872345678901234203
BALLOTS = {M101: YES, M102: NO, M103: HALF, M104: YES, M105: NO, M106: YES, M107: HALF}


async def sealed_poll(
    services: Services, number: int, ballots: dict[int, Choice] | None = None
) -> tuple[int, dict[int, str]]:
    """Open a sealed poll on a prediction with ballots; return its id and the salts."""
    poll_id = await open_poll(services, number, 5000 + number)
    await seal(services.db, poll_id)
    salts = await cast_sealed(
        services.db, poll_id, BALLOTS if ballots is None else ballots, services.clock.now()
    )
    return poll_id, salts


def expected_root(poll_id: int, salts: dict[int, str], ballots: dict[int, Choice]) -> str:
    return merkle_root([leaf(poll_id, m, ballots[m], salts[m]) for m in ballots])


async def test_every_close_publishes_the_commitment_in_its_transaction(
    seeded: Services,  # noqa: F811
    clock: FrozenClock,
) -> None:
    closes = {
        1: lambda: seeded.polls.close(GUILD, 1),
        2: lambda: seeded.resolution.resolve(GUILD, 2, "came_true"),
        3: lambda: seeded.predictions.archive(GUILD, 3),
    }
    made = {n: await sealed_poll(seeded, n) for n in (1, 2, 3, 4, 5, 6)}
    reaction = await open_poll(seeded, 7, 7007)
    await seeded.votes.cast(7007, M101, YES)
    for close in closes.values():
        await close()
    await seeded.polls.close_gone(made[4][0])
    await seeded.polls.close_in_channel(GUILD, 5)  # 5 and 6 (and the reaction poll) were there
    for number, (poll_id, salts) in made.items():
        assert await published(seeded.db, poll_id) == (
            expected_root(poll_id, salts, BALLOTS),
            len(BALLOTS),
        ), number
        assert await seeded.receipts.recompute(poll_id)
    assert await published(seeded.db, reaction) == (None, None)
    assert not await seeded.receipts.recompute(reaction)


async def test_deadline_close_and_an_empty_sealed_poll(
    seeded: Services,  # noqa: F811
    clock: FrozenClock,
) -> None:
    full, salts = await sealed_poll(seeded, 1)
    empty, _ = await sealed_poll(seeded, 2, {})
    clock.advance(timedelta(hours=25))
    closed = await seeded.polls.close_due()
    by_number = {c.poll.number: c.poll for c in closed}
    assert by_number[1].sealed_root == expected_root(full, salts, BALLOTS)
    assert by_number[1].sealed_count == len(BALLOTS)
    assert (by_number[2].sealed_root, by_number[2].sealed_count) == (EMPTY_ROOT, 0)
    assert await seeded.receipts.recompute(empty)


async def test_a_members_receipt_verifies_and_the_friendly_refusals(
    seeded: Services,  # noqa: F811
) -> None:
    poll_id, salts = await sealed_poll(seeded, 1)
    with pytest.raises(Conflict, match=r"still open until <t:\d+:f>: your proof comes when"):
        await seeded.receipts.receipt_for(GUILD, 1, M101)
    await seeded.polls.close(GUILD, 1)
    receipt = await seeded.receipts.receipt_for(GUILD, 1, M103)
    assert receipt.verify() and receipt.choice is HALF and receipt.salt == salts[M103]
    assert (receipt.poll_id, receipt.count) == (poll_id, len(BALLOTS))
    assert receipt.root == (await published(seeded.db, poll_id))[0]
    assert Receipt.from_json(receipt.to_json()).verify()
    with pytest.raises(NotFound, match="didn't vote in the sealed poll on #1"):
        await seeded.receipts.receipt_for(GUILD, 1, 999)
    with pytest.raises(NotFound, match="no prediction #404"):
        await seeded.receipts.receipt_for(GUILD, 404, M101)
    with pytest.raises(Conflict, match="no poll yet"):
        await seeded.receipts.receipt_for(GUILD, 2, M101)
    await open_poll(seeded, 3, 3003)
    await seeded.votes.cast(3003, M101, YES)
    await seeded.polls.close(GUILD, 3)
    with pytest.raises(Conflict, match="took reactions, not sealed ballots"):
        await seeded.receipts.receipt_for(GUILD, 3, M101)


@pytest.mark.parametrize("change", ["choice", "salt", "delete"])
async def test_tampering_after_close_is_evident(
    seeded: Services,  # noqa: F811
    change: str,
    tmp_path: Path,
) -> None:
    poll_id, _ = await sealed_poll(seeded, 1)
    await seeded.polls.close(GUILD, 1)
    honest = await seeded.receipts.receipt_for(GUILD, 1, M101)
    assert honest.verify() and await seeded.receipts.recompute(poll_id)
    if change == "choice":
        await tamper(seeded.db, poll_id, M102, choice=YES)
    elif change == "salt":
        await tamper(seeded.db, poll_id, M104, salt="0" * 32)
    else:
        await tamper(seeded.db, poll_id, M105, remove=True)
    assert not await seeded.receipts.recompute(poll_id)
    afresh = await seeded.receipts.receipt_for(GUILD, 1, M101)  # a proof from the tampered rows
    assert afresh.root == honest.root and not afresh.verify()
    path = tmp_path / "receipt.json"
    path.write_text(afresh.to_json())
    assert await asyncio.to_thread(calledit, ["verify", str(path)]) == 1
    path.write_text(honest.to_json())  # the member's own receipt still checks out offline
    assert await asyncio.to_thread(calledit, ["verify", str(path)]) == 0
    # The tampered ballot itself can't get a receipt that verifies either.
    if change != "delete":
        member = M102 if change == "choice" else M104
        assert not (await seeded.receipts.receipt_for(GUILD, 1, member)).verify()


async def test_a_vote_racing_the_close_is_in_the_root_or_not_stored(
    seeded: Services,  # noqa: F811
) -> None:
    """Vote batches and closes exclude each other on both backends: nothing lands after close."""
    for number in range(1, 11):
        message_id = 5000 + number
        poll_id, _ = await sealed_poll(seeded, number, {1: YES})
        now = seeded.clock.now()
        events = [VoteEvent(EventKind.CAST, message_id, m, NO, now) for m in range(2, 40)]
        batch = seeded.votes.submit(events[:19])
        close = asyncio.ensure_future(seeded.polls.close(GUILD, number))
        late = seeded.votes.submit(events[19:])
        await asyncio.gather(batch, close, late)
        stored = await seeded.votes.votes_of_poll(poll_id)
        root, count = await published(seeded.db, poll_id)
        assert count == len(stored) and await seeded.receipts.recompute(poll_id)
        # Whatever came after the close was refused; nothing stored escaped the commitment.
        assert (await seeded.votes.cast(message_id, 77, YES)).ignored == 1
        assert await published(seeded.db, poll_id) == (root, count)


async def test_export_carries_leaves_never_who_or_what(
    seeded: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    closed_id, salts = await sealed_poll(seeded, 1)
    await seeded.polls.close(GUILD, 1)
    open_id, _ = await sealed_poll(seeded, 2, {M201: YES, M202: YES, M203: NO})
    reaction = await open_poll(seeded, 3, 3003)
    await seeded.votes.cast(3003, 301, HALF)
    tables = await seeded.export.tables(GUILD)
    assert {(v["poll_id"], v["member_id"]) for v in tables["votes"]} == {(reaction, 301)}
    rows = {r["poll_id"]: r for r in tables["sealed"]}
    assert rows[open_id] == {
        "prediction": 2,
        "poll_id": open_id,
        "state": "open",
        "ballots": 3,
        "root": None,
        "leaves": [],
    }
    closed = rows[closed_id]
    assert closed["state"] == "closed" and closed["ballots"] == len(BALLOTS)
    assert closed["leaves"] == sorted(leaf(closed_id, m, c, salts[m]) for m, c in BALLOTS.items())
    assert closed["root"] == merkle_root(closed["leaves"])
    predictions = {p["number"]: p for p in tables["predictions"]}
    assert [predictions[2][f"votes_{c.value}"] for c in Choice] == [None, None, None]
    assert [predictions[1][f"votes_{c.value}"] for c in Choice] == [3, 2, 2]
    assert [predictions[3][f"votes_{c.value}"] for c in Choice] == [0, 1, 0]
    files = seeded.export.files_of(GUILD, tables)
    document = files["calledit.json"].decode()
    for member in (*BALLOTS, M201, M202, M203):
        assert str(member) not in document and str(member).encode() not in files["sealed.csv"]
    assert " ".join(closed["leaves"]) in files["sealed.csv"].decode()
    export = tmp_path / "calledit.json"
    export.write_bytes(files["calledit.json"])
    assert await asyncio.to_thread(calledit, ["verify", "--export", str(export)]) == 0
    await tamper(seeded.db, closed_id, M103, choice=YES)
    export.write_bytes(
        seeded.export.files_of(GUILD, await seeded.export.tables(GUILD))["calledit.json"]
    )
    assert await asyncio.to_thread(calledit, ["verify", "--export", str(export)]) == 1
    assert json.loads(export.read_text())["sealed"][0]["root"] == closed["root"]


async def test_a_server_without_sealed_polls_exports_as_before(
    seeded: Services,  # noqa: F811
) -> None:
    await open_poll(seeded, 3, 3003)
    await seeded.votes.cast(3003, 301, HALF)
    tables = await seeded.export.tables(GUILD)
    assert sorted(tables) == ["predictions", "resolutions", "scores", "votes"]
    assert len(tables["votes"]) == 1


def test_proof_helpers_agree_with_the_service_shape() -> None:
    leaves = [leaf(1, m, YES, f"{m:032x}") for m in range(5)]
    index, path = inclusion_proof(leaves, leaves[3])
    assert Receipt(1, 3, YES, f"{3:032x}", index, 5, tuple(path), merkle_root(leaves)).verify()


async def test_a_big_poll_is_hashed_off_the_event_loop_with_the_same_result(
    seeded: Services,  # noqa: F811
) -> None:
    many = {872345678901300000 + i: list(Choice)[i % 3] for i in range(OFF_LOOP + 500)}
    poll_id, salts = await sealed_poll(seeded, 1, many)
    await seeded.polls.close(GUILD, 1)
    assert await published(seeded.db, poll_id) == (expected_root(poll_id, salts, many), len(many))
    assert await seeded.receipts.recompute(poll_id)
    member = 872345678901300000 + 1234
    receipt = await seeded.receipts.receipt_for(GUILD, 1, member)
    assert receipt.verify() and receipt.salt == salts[member] and receipt.count == len(many)
    assert len(await seeded.receipts.leaves(poll_id)) == len(many)
