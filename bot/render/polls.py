"""Poll messages, their closed form and result posts, and the read-back summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.domain import ballots
from bot.domain.ballots import BallotStyle
from bot.domain.lifecycle import RESULT_REASONS
from bot.domain.outcomes import Choice
from bot.render.texts import (
    COLOUR_CLOSED,
    CONTENT_MAX,
    HOW_TO_VOTE,
    cut,
    embed,
    sealed_count,
    tally_line,
    ts,
)
from bot.snapshots.predictions import ClosedPoll, PollSnapshot, PredictionSnapshot
from bot.workflows.results import OpenedAll, ReadBack


def prediction_heading(p: PredictionSnapshot) -> str:
    """Return '#3 · Title'."""
    return f"#{p.number} · {p.title}"


def poll_message(
    p: PredictionSnapshot,
    poll: PollSnapshot,
    *,
    marker: str = "",
    voter_role: int | None = None,
    voted: int | None = None,
) -> discord.Embed:
    """Render an open poll message; `marker` ends its footer so the bot can find it.

    A sealed poll shows how many members voted (`voted`, else the prediction's vote count).
    """
    if poll.ballot is BallotStyle.SEALED:
        return sealed_poll_message(p, poll, marker=marker, voter_role=voter_role, voted=voted)
    fields = [
        ("Source", f"{p.source}, {p.made_on:%d %b %Y}", True),
        ("Due", f"{p.due:%d %b %Y}", True),
        ("Closes", f"{ts(poll.closes_at)} ({ts(poll.closes_at, 'R')})", True),
    ]
    if p.criteria:
        fields.append(("Resolution criteria", p.criteria, False))
    fields.append(("How to vote", HOW_TO_VOTE, False))
    if voter_role is not None:
        fields.append(
            (
                "Who may vote",
                f"Members with <@&{voter_role}>; others' reactions don't count.",
                False,
            )
        )
    return embed(
        f"Poll · {prediction_heading(p)}",
        p.statement,
        fields=fields,
        footer=f"Called It · prediction #{p.number} · has it come true?",
        marker=marker,
    )


def sealed_poll_message(
    p: PredictionSnapshot,
    poll: PollSnapshot,
    *,
    marker: str = "",
    voter_role: int | None = None,
    voted: int | None = None,
) -> discord.Embed:
    """Render an open sealed poll: how to vote by button, when it closes, how many voted.

    Only the count of members who voted is shown, never how they voted.
    """
    voted = p.tally.total if voted is None else voted
    fields = [
        ("Source", f"{p.source}, {p.made_on:%d %b %Y}", True),
        ("Due", f"{p.due:%d %b %Y}", True),
        ("Closes", f"{ts(poll.closes_at)} ({ts(poll.closes_at, 'R')})", True),
    ]
    if p.criteria:
        fields.append(("Resolution criteria", p.criteria, False))
    fields.append(("Sealed ballot", SEALED_HOW_TO_VOTE, False))
    fields.append(("Voted so far", f"{voted} member{'s' if voted != 1 else ''}", False))
    if voter_role is not None:
        fields.append(("Who may vote", f"Members with <@&{voter_role}>.", False))
    return embed(
        f"Poll · {prediction_heading(p)}",
        p.statement,
        fields=fields,
        footer=f"Called It · prediction #{p.number} · sealed ballot",
        marker=marker,
    )


#: What a sealed poll's message says under "Sealed ballot".
SEALED_HOW_TO_VOTE = (
    "Vote with the buttons below: "
    + " · ".join(f"{choice.emoji} {choice.label}" for choice in Choice)
    + ". Only you see your vote, with a receipt code; the tally stays hidden from everyone "
    "until the poll closes. Change or retract it any time before then."
)


def _my_vote_button(poll_id: int, row: int) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        style=discord.ButtonStyle.secondary,
        label="My vote",
        emoji="🧾",
        custom_id=ballots.custom_id(ballots.Action.MINE, poll_id),
        row=row,
    )


def closed_ballot_buttons(poll_id: int) -> list[discord.ui.Button[Any]]:
    """Return a closed sealed poll's one button: My vote (the ballot and receipt, privately)."""
    return [_my_vote_button(poll_id, 0)]


def ballot_buttons(poll_id: int) -> list[discord.ui.Button[Any]]:
    """Return a sealed poll's buttons: one per option, then My vote and Retract (row 2)."""
    buttons: list[discord.ui.Button[Any]] = [
        discord.ui.Button(
            style=discord.ButtonStyle.primary,
            label=choice.label,
            emoji=choice.emoji,
            custom_id=ballots.custom_id(ballots.Action.VOTE, poll_id, choice),
            row=0,
        )
        for choice in Choice
    ]
    buttons.append(_my_vote_button(poll_id, 1))
    buttons.append(
        discord.ui.Button(
            style=discord.ButtonStyle.secondary,
            label="Retract",
            custom_id=ballots.custom_id(ballots.Action.RETRACT, poll_id),
            row=1,
        )
    )
    return buttons


def poll_closed_message(closed: ClosedPoll) -> discord.Embed:
    """Render a poll message after it closed, with the final tally."""
    p = closed.prediction
    reason = {
        "deadline": "closed at its deadline",
        "resolved": "closed: the prediction was resolved",
        "archived": "closed: the prediction was archived",
    }.get(closed.poll.close_reason or "", "closed early by an admin")
    tally = ("Final tally", tally_line(p.tally), False)
    if closed.poll.sealed and (closed.poll.close_reason or "closed") in RESULT_REASONS:
        tally = (
            "Ballots",
            f"{sealed_count(p.tally.total)}: voting is over. The tally is in the result post.",
            False,
        )
    fields = [tally]
    if closed.poll.sealed and closed.poll.sealed_root is not None:
        # On the message itself too: a close with no result post (resolved, archived) or one
        # whose post is late still publishes it before any resolution can be made.
        root = commitment_line(closed.poll.sealed_root, closed.poll.sealed_count or 0)
        fields.append(("Commitment", root, False))
    fields.append(
        (
            "Status",
            f"This poll {reason} {ts(closed.poll.closed_at or closed.poll.closes_at, 'R')}.",
            False,
        )
    )
    return embed(
        f"Poll closed · {prediction_heading(p)}",
        p.statement,
        colour=COLOUR_CLOSED,
        fields=fields,
        footer=f"Called It · prediction #{p.number}",
    )


def poll_result(closed: ClosedPoll, *, marker: str = "") -> discord.Embed:
    """Render the result post of a closed poll; `marker` ends its footer so the bot can find it."""
    p = closed.prediction
    majority = p.tally.majority
    verdict = (
        f"Most members say it **{majority.label}**." if majority else "The community is split."
    )
    if p.tally.total == 0:
        verdict = "Nobody voted."
    lines = [verdict, tally_line(p.tally)]
    if closed.poll.sealed and closed.poll.sealed_root is not None:
        lines.append(commitment_line(closed.poll.sealed_root, closed.poll.sealed_count or 0))
    return embed(
        f"Poll result · {prediction_heading(p)}",
        "\n".join(lines),
        colour=COLOUR_CLOSED,
        footer="An admin resolves the prediction with /prediction resolve.",
        marker=marker,
    )


def commitment_line(root: str, count: int) -> str:
    """Return the published commitment of a sealed poll, and how a member checks their ballot."""
    ballots = f"{count} ballot{'s' if count != 1 else ''}"
    return f"Commitment: `{root}` over {ballots} — check yours with /poll verify"


def read_back_summary(results: Sequence[ReadBack]) -> str:
    """Say what re-reading polls' reactions changed, poll by poll where something did."""
    if not results:
        return "No open poll to re-read."
    if all(item.ref.ballot is BallotStyle.SEALED for item in results):
        return "\n".join(f"#{item.ref.number}: {item.problem}" for item in results)
    lines: list[str] = []
    totals = [0, 0, 0, 0]
    for item in sorted(results, key=lambda r: r.ref.number):
        if item.report is None:
            lines.append(f"#{item.ref.number}: {item.problem}")
            continue
        r = item.report
        totals = [
            totals[0] + r.added,
            totals[1] + r.changed,
            totals[2] + r.removed,
            totals[3] + len(r.extras),
        ]
        if not r.applied:
            lines.append(f"#{item.ref.number}: past its deadline; the recorded votes stand.")
        elif r.changes or r.extras:
            lines.append(
                f"#{item.ref.number}: {r.added} added, {r.changed} changed, {r.removed} removed"
                + (
                    f", {len(r.extras)} extra reaction(s) of members with several"
                    if r.extras
                    else ""
                )
            )
    read = sum(1 for item in results if item.report is not None)
    polls = f"{len(results)} poll{'s' if len(results) != 1 else ''}"
    polls = polls if read == len(results) else f"{read} of {polls}"
    if read == 0:
        head = f"I couldn't re-read {'it' if len(results) == 1 else 'any of them'}:"
    elif any(totals[:3]):
        head = (
            f"Re-read {polls}: {totals[0]} vote(s) added, {totals[1]} changed, {totals[2]} removed."
        )
    else:
        head = f"Re-read {polls}: the votes already matched the reactions."
    return cut("\n".join([head, *lines]), CONTENT_MAX)


def opened_all(result: OpenedAll) -> str:
    """Say what /poll open-all did."""
    count = len(result.opened)
    text = (
        f"Opened {count} poll{'s' if count != 1 else ''} in <#{result.channel_id}>."
        if count
        else "No prediction needed a poll."
    )
    if result.failed:
        text += "\n" + "\n".join(result.failed)
    return cut(text, CONTENT_MAX)
