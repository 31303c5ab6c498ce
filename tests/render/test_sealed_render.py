"""Sealed polls in the pure renderings: a count while open, the tally and commitment at close."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from datetime import UTC, date, datetime

from PIL import Image

from bot import render
from bot.domain.ballots import BallotStyle
from bot.domain.outcomes import Choice, Outcome
from bot.render.cards import samples, scorecard_card
from bot.render.cards.canvas import MUTED
from bot.snapshots.boards import Breakdown, BreakdownItem, SourceItem
from bot.snapshots.predictions import (
    ClosedPoll,
    PollSnapshot,
    PredictionSnapshot,
    ResolutionReport,
    ResolutionSnapshot,
    Tally,
    shown_tally,
)

AT = datetime(2025, 11, 3, 9, tzinfo=UTC)
TALLY = Tally(came_true=2, partly=0, did_not=1)
ROOT = "0f" * 32


def poll(*, closed: bool, sealed: bool = True, reason: str = "deadline") -> PollSnapshot:
    return PollSnapshot(
        id=1,
        prediction_id=1,
        guild_id=5,
        number=3,
        channel_id=6,
        message_id=7,
        opened_at=AT,
        closes_at=AT,
        closed_at=AT if closed else None,
        close_reason=reason if closed else None,
        ballot=BallotStyle.SEALED if sealed else BallotStyle.REACTIONS,
        sealed_root=ROOT if closed and sealed else None,
        sealed_count=3 if closed and sealed else None,
    )


def prediction(p: PollSnapshot, tally: Tally = TALLY) -> PredictionSnapshot:
    return PredictionSnapshot(
        id=1,
        guild_id=5,
        number=3,
        title="Agents everywhere",
        statement="Agents run in production.",
        source="GPT-4o",
        made_on=date(2024, 11, 20),
        due=date(2025, 12, 31),
        criteria=None,
        archived=False,
        tally=shown_tally(tally, p),
        poll=p,
    )


def test_an_open_sealed_tally_is_only_its_count_everywhere_it_is_drawn() -> None:
    hidden = shown_tally(TALLY, poll(closed=False))
    assert hidden == Tally(sealed=3) and hidden.as_dict() == dict.fromkeys(Choice, 0)
    assert shown_tally(TALLY, poll(closed=True)) is TALLY
    assert shown_tally(TALLY, poll(closed=False, sealed=False)) is TALLY
    line = "🔒 3 sealed votes · the tally shows when the poll closes"
    assert render.tally_line(hidden) == line
    assert render.tally_line(Tally(sealed=1)).startswith("🔒 1 sealed vote ·")
    detail = render.prediction_detail(prediction(poll(closed=False)))
    assert detail.fields[-1].value is not None and detail.fields[-1].value.endswith(line)


def test_the_result_post_reveals_the_tally_and_the_commitment() -> None:
    closed = ClosedPoll(poll(closed=True), prediction(poll(closed=True)))
    result = render.poll_result(closed)
    assert result.description == (
        "Most members say it **came true**.\n✅ 2 · 🌓 0 · ❌ 1 (3 votes)\n"
        f"Commitment: `{ROOT}` over 3 ballots — check yours with /poll verify"
    )
    message = render.poll_closed_message(closed)
    ballots = message.fields[0]
    assert ballots.name == "Ballots" and "✅" not in str(ballots.value)
    assert "in the result post" in str(ballots.value)
    archived = poll(closed=True, reason="archived")  # no result post: the tally shows here
    shown = render.poll_closed_message(ClosedPoll(archived, prediction(archived)))
    assert shown.fields[0].value == "✅ 2 · 🌓 0 · ❌ 1 (3 votes)"
    reaction = poll(closed=True, sealed=False)
    plain = render.poll_result(ClosedPoll(reaction, prediction(reaction)))
    assert "Commitment" not in str(plain.description)


def test_who_voted_what_stays_private_after_close() -> None:
    p = replace(
        prediction(poll(closed=True)),
        resolution=ResolutionSnapshot(Outcome.CAME_TRUE, AT, 1, None, None),
    )
    report = ResolutionReport(p, None, None, {Choice.CAME_TRUE: 1.0}, (11, 12))
    who = {f.name: f.value for f in render.resolution_announcement(report).fields}
    assert who["Who called it"] == "2 members (sealed ballots: who voted what stays private)."
    public = replace(p, poll=poll(closed=True, sealed=False))
    who = {
        f.name: f.value
        for f in render.resolution_announcement(replace(report, prediction=public)).fields
    }
    assert who["Who called it"] == "<@11> <@12>"
    items = (
        BreakdownItem(3, "Agents", Choice.PARTLY, Outcome.CAME_TRUE, 0.5, AT, sealed=True),
        BreakdownItem(4, "Chips", Choice.DID_NOT, Outcome.DID_NOT, 1.0, AT),
    )
    page = Breakdown(9, items, 1, 1, 2)
    others = str(render.breakdown(page).description)
    assert "#3** Agents\n└ 🔒 sealed ballot ·" in others and "🌓" not in others
    assert "voted ❌ did not" in others
    own = str(render.breakdown(page, own_sealed=True).description)
    assert "voted 🌓 partly" in own and "**0.5** pts" in own


def test_a_scorecard_tile_of_an_open_sealed_poll_draws_no_split() -> None:
    (card,) = samples.scorecard()
    items = list(card.items)
    items[4] = SourceItem(5, items[4].title, None, Tally(sealed=9))  # open, sealed
    data = scorecard_card([replace(card, items=tuple(items))], server="Forecasters")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if os.environ.get("CALLEDIT_KEEP_CARDS"):
        image.save(os.environ["CALLEDIT_KEEP_CARDS"])
    left, top = 40, 120 + 2 * 140  # the fifth tile: third row, first column
    bar = image.crop((left + 56, top + 104, left + 440, top + 114))
    colours = {colour for _, colour in bar.getcolors(4096) or []}
    assert MUTED in colours  # hatched
    split = image.crop((left + 56 + 467, top + 104, left + 440 + 467, top + 114))
    assert MUTED not in {c for _, c in split.getcolors(4096) or []}  # a reaction poll's split
