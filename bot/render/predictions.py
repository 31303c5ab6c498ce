"""Predictions: /prediction show and list, and resolution announcements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.domain.outcomes import Choice, Outcome
from bot.render.boards import mention_list
from bot.render.polls import prediction_heading
from bot.render.texts import (
    COLOUR_CLOSED,
    COLOUR_OPEN,
    COLOUR_OUTCOME,
    FIELD_VALUE_MAX,
    OUTCOME_ICON,
    cut,
    embed,
    fit_lines,
    num,
    tally_line,
    ts,
)
from bot.snapshots.community import DisputeSnapshot
from bot.snapshots.predictions import Page, PredictionSnapshot, ResolutionReport
from bot.workflows.results import Edited


def prediction_detail(
    p: PredictionSnapshot, disputes: Sequence[DisputeSnapshot] = (), *, counting: int = 0
) -> discord.Embed:
    """Render /prediction show, with the open disputes of its resolution.

    `counting`: votes received but not yet in the tally (a burst still being written).
    """
    fields = [
        ("Source", p.source, True),
        *([("Set", p.set_name, True)] if p.set_name else []),
        ("Made on", f"{p.made_on:%d %b %Y}", True),
        ("Due", f"{p.due:%d %b %Y}", True),
        ("Status", p.status, True),
    ]
    if p.criteria:
        fields.append(("Resolution criteria", p.criteria, False))
    if p.poll is not None:
        when = (
            f"open, closes {ts(p.poll.closes_at, 'R')}"
            if p.poll.is_open
            else f"closed {ts(p.poll.closed_at or p.poll.closes_at, 'R')}"
        )
        tally = tally_line(p.tally)
        if counting:
            tally += f"\n*Counting a burst of votes: {counting:,} more not in this tally yet.*"
        fields.append(("Poll", f"{when}\n{tally}", False))
    elif p.tally.total:
        fields.append(("Community vote", tally_line(p.tally), False))
    colour = COLOUR_OPEN
    if p.resolution is not None:
        r = p.resolution
        lines = [f"{OUTCOME_ICON[r.outcome]} **{r.outcome.label}** · {ts(r.resolved_at, 'D')}"]
        if r.note:
            lines.append(r.note)
        if r.evidence_url:
            lines.append(f"Evidence: {r.evidence_url}")
        fields.append(("Resolution", "\n".join(lines), False))
        colour = COLOUR_OUTCOME[r.outcome]
    if len(p.history) > 1:
        changes = [
            f"{ts(e.at, 'd')} {e.old.label if e.old else 'open'} → {e.new.label if e.new else 'open'}"
            for e in p.history[-5:]
        ]
        fields.append(("History", "\n".join(changes), False))
    if disputes:
        fields.extend(dispute_fields(disputes))
    return embed(prediction_heading(p), p.statement, colour=colour, fields=fields)


#: Room for the open disputes in /prediction show: the rest of the embed fits in what is left.
DISPUTES_MAX = 3000
MORE_DISPUTES = "…and {n} more, newer: each also reaches the admins as a notice."


def dispute_fields(disputes: Sequence[DisputeSnapshot]) -> list[tuple[str, str, bool]]:
    """Return fields listing open disputes, oldest first, each line whole, then how many more."""
    lines = [f"<@{d.member_id}> {ts(d.at, 'd')}: {d.reason}" for d in disputes]
    text, _ = fit_lines(lines, DISPUTES_MAX, lambda n: MORE_DISPUTES.format(n=n))
    values: list[str] = []
    for line in text.split("\n"):  # whole lines per field, each within a field's limit
        if values and len(values[-1]) + 1 + len(line) <= FIELD_VALUE_MAX:
            values[-1] += "\n" + line
        else:
            values.append(line)
    name = f"Open disputes ({len(disputes)})"
    return [
        (name if i == 0 else "Open disputes, continued", v, False) for i, v in enumerate(values)
    ]


def prediction_list(page: Page, status: str) -> discord.Embed:
    """Render one page of /prediction list."""
    lines = []
    for p in page.items:
        if p.resolution is not None:
            detail = f"{OUTCOME_ICON[p.resolution.outcome]} {p.resolution.outcome.label}"
        elif p.status == "polling":
            detail = f"polling · {tally_line(p.tally)}"
        else:
            detail = p.status
        lines.append(f"**#{p.number}** {cut(p.title, 100)}\n└ {detail}")
    description = "\n".join(lines) if lines else "No predictions match."
    return embed(
        f"Predictions ({status})",
        description,
        footer=f"Page {page.page} of {page.pages} · {page.total} prediction{'s' if page.total != 1 else ''}",
    )


def resolution_announcement(
    report: ResolutionReport, *, marker: str = "", dispute_until: datetime | None = None
) -> discord.Embed:
    """Render the announcement posted when a prediction is resolved (`marker` ends the footer)."""
    p = report.prediction
    assert p.resolution is not None
    outcome = p.resolution.outcome
    lines = [f"Official outcome: {OUTCOME_ICON[outcome]} **{outcome.label}**"]
    if report.previous is not None:
        lines.append(f"(changed from {report.previous.label})")
    majority = p.tally.majority
    lines.append(
        f"Community vote: {tally_line(p.tally)}"
        + (f" · majority said **{majority.label}**" if majority else "")
    )
    fields: list[tuple[str, str, bool]] = []
    if outcome is Outcome.VOID:
        fields.append(("Points", "Void: nobody scores on this prediction.", False))
    else:
        pts = " · ".join(
            f"{c.emoji} {num(report.points_by_choice[c])}"
            for c in Choice
            if c in report.points_by_choice
        )
        fields.append(("Points awarded", pts, False))
        fields.append(("Who called it", _who_called_it(report), False))
    if p.resolution.note:
        fields.append(("Note", p.resolution.note, False))
    if p.resolution.evidence_url:
        fields.append(("Evidence", p.resolution.evidence_url, False))
    if dispute_until is not None:
        fields.append(("Disagree?", f"Use /prediction dispute until {ts(dispute_until)}.", False))
    return embed(
        f"Resolved · {prediction_heading(p)}",
        "\n".join(lines),
        colour=COLOUR_OUTCOME[outcome],
        fields=fields,
        marker=marker,
    )


def _who_called_it(report: ResolutionReport) -> str:
    """Name who called it; on a sealed poll only count them (votes stay private after close)."""
    poll = report.prediction.poll
    if poll is not None and poll.sealed:
        n = len(report.called_it)
        if n == 0:
            return "Nobody this time."
        return f"{n} member{'s' if n != 1 else ''} (sealed ballots: who voted what stays private)."
    return mention_list(report.called_it) or "Nobody this time."


def unresolved_announcement(report: ResolutionReport, *, marker: str = "") -> discord.Embed:
    """Render the notice that a resolution was withdrawn (`marker` ends the footer)."""
    p = report.prediction
    note = p.history[-1].note if p.history else None
    return embed(
        f"Reopened · {prediction_heading(p)}",
        f"The resolution ({report.previous.label if report.previous else 'none'}) was withdrawn; "
        "boards no longer count it." + (f"\nNote: {note}" if note else ""),
        colour=COLOUR_CLOSED,
        marker=marker,
    )


def edited(result: Edited) -> str:
    """Say what /prediction edit changed, and whether the open poll shows it."""
    number = result.prediction.number
    if result.poll_message_updated is None:
        return f"Updated prediction #{number}."
    if result.poll_message_updated:
        return f"Updated prediction #{number} and its open poll's message."
    return (
        f"Updated prediction #{number}, but I couldn't edit its open poll's message "
        "(I need View Channel there); members still see the old text."
    )
