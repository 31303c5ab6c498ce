"""Rendering only: turn service views into embeds and texts within Discord's limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.domain.notices import Notice
from bot.domain.outcomes import Choice, Outcome
from bot.domain.ranking import BoardRow
from bot.services.views import (
    Board,
    ClosedPoll,
    GuildConfig,
    MemberStats,
    Page,
    PollView,
    PredictionView,
    ResolutionReport,
    SourceCard,
    Tally,
)

if TYPE_CHECKING:
    from bot.publisher import ReadBack

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
FIELDS_MAX = 25
ELLIPSIS = "…"

COLOUR_OPEN = discord.Colour.blurple()
COLOUR_CLOSED = discord.Colour.dark_grey()
COLOUR_OUTCOME = {
    Outcome.CAME_TRUE: discord.Colour.green(),
    Outcome.PARTLY: discord.Colour.gold(),
    Outcome.DID_NOT: discord.Colour.red(),
    Outcome.VOID: discord.Colour.light_grey(),
}
OUTCOME_ICON = {
    Outcome.CAME_TRUE: "✅",
    Outcome.PARTLY: "🌓",
    Outcome.DID_NOT: "❌",
    Outcome.VOID: "⚪",
}
HOW_TO_VOTE = "React to vote: ✅ came true · 🌓 partly · ❌ did not. One vote each; change it any time before the poll closes."


def cut(text: str, limit: int) -> str:
    """Cut a text to a limit, ending with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def ts(when: datetime, style: str = "f") -> str:
    """Format a Discord timestamp that each reader sees in their own time zone."""
    return f"<t:{int(when.timestamp())}:{style}>"


def tally_line(tally: Tally) -> str:
    """Return '✅ 3 · 🌓 1 · ❌ 0 (4 votes)'."""
    return (
        f"✅ {tally.came_true} · 🌓 {tally.partly} · ❌ {tally.did_not} "
        f"({tally.total} vote{'s' if tally.total != 1 else ''})"
    )


def embed(
    title: str,
    description: str = "",
    *,
    colour: discord.Colour | None = None,
    fields: Iterable[tuple[str, str, bool]] = (),
    footer: str | None = None,
) -> discord.Embed:
    """Build an embed that always fits Discord's limits (texts cut with an ellipsis)."""
    result = discord.Embed(
        title=cut(title, TITLE_MAX),
        description=cut(description, DESCRIPTION_MAX) if description else None,
        colour=colour or COLOUR_OPEN,
    )
    budget = EMBED_TOTAL_MAX - len(result.title or "") - len(result.description or "")
    if footer:
        footer = cut(footer, min(FOOTER_MAX, max(budget - 200, 1)))
        budget -= len(footer)
    for count, (name, value, inline) in enumerate(fields):
        name, value = cut(name or "\u200b", FIELD_NAME_MAX), cut(value or "\u200b", FIELD_VALUE_MAX)
        if count >= FIELDS_MAX or len(name) + len(value) > budget:
            break
        budget -= len(name) + len(value)
        result.add_field(name=name, value=value, inline=inline)
    if footer:
        result.set_footer(text=footer)
    return result


def prediction_heading(p: PredictionView) -> str:
    """Return '#3 · Title'."""
    return f"#{p.number} · {p.title}"


def poll_message(p: PredictionView, poll: PollView, *, marker: str = "") -> discord.Embed:
    """Render an open poll message; `marker` ends its footer so the bot can find it."""
    fields = [
        ("Source", f"{p.source}, {p.made_on:%d %b %Y}", True),
        ("Due", f"{p.due:%d %b %Y}", True),
        ("Closes", f"{ts(poll.closes_at)} ({ts(poll.closes_at, 'R')})", True),
    ]
    if p.criteria:
        fields.append(("Resolution criteria", p.criteria, False))
    fields.append(("How to vote", HOW_TO_VOTE, False))
    return embed(
        f"Poll · {prediction_heading(p)}",
        p.statement,
        fields=fields,
        footer=f"Called It · prediction #{p.number} · has it come true?"
        + (f" · ref {marker}" if marker else ""),
    )


def poll_closed_message(closed: ClosedPoll) -> discord.Embed:
    """Render a poll message after it closed, with the final tally."""
    p = closed.prediction
    reason = {
        "deadline": "closed at its deadline",
        "resolved": "closed: the prediction was resolved",
        "archived": "closed: the prediction was archived",
    }.get(closed.poll.close_reason or "", "closed early by an admin")
    return embed(
        f"Poll closed · {prediction_heading(p)}",
        p.statement,
        colour=COLOUR_CLOSED,
        fields=[
            ("Final tally", tally_line(p.tally), False),
            (
                "Status",
                f"This poll {reason} {ts(closed.poll.closed_at or closed.poll.closes_at, 'R')}.",
                False,
            ),
        ],
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
    return embed(
        f"Poll result · {prediction_heading(p)}",
        f"{verdict}\n{tally_line(p.tally)}",
        colour=COLOUR_CLOSED,
        footer="An admin resolves the prediction with /prediction resolve."
        + (f" · ref {marker}" if marker else ""),
    )


def prediction_detail(p: PredictionView) -> discord.Embed:
    """Render /prediction show."""
    fields = [
        ("Source", p.source, True),
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
        fields.append(("Poll", f"{when}\n{tally_line(p.tally)}", False))
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
    return embed(prediction_heading(p), p.statement, colour=colour, fields=fields)


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


def resolution_announcement(report: ResolutionReport, *, marker: str = "") -> discord.Embed:
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
            f"{c.emoji} {_num(report.points_by_choice[c])}"
            for c in Choice
            if c in report.points_by_choice
        )
        fields.append(("Points awarded", pts, False))
        fields.append(
            ("Who called it", mention_list(report.called_it) or "Nobody this time.", False)
        )
    if p.resolution.note:
        fields.append(("Note", p.resolution.note, False))
    if p.resolution.evidence_url:
        fields.append(("Evidence", p.resolution.evidence_url, False))
    return embed(
        f"Resolved · {prediction_heading(p)}",
        "\n".join(lines),
        colour=COLOUR_OUTCOME[outcome],
        fields=fields,
        footer=f"ref {marker}" if marker else None,
    )


def unresolved_announcement(report: ResolutionReport, *, marker: str = "") -> discord.Embed:
    """Render the notice that a resolution was withdrawn (`marker` ends the footer)."""
    p = report.prediction
    note = p.history[-1].note if p.history else None
    return embed(
        f"Reopened · {prediction_heading(p)}",
        f"The resolution ({report.previous.label if report.previous else 'none'}) was withdrawn; "
        "boards no longer count it." + (f"\nNote: {note}" if note else ""),
        colour=COLOUR_CLOSED,
        footer=f"ref {marker}" if marker else None,
    )


def mention_list(member_ids: Sequence[int], limit: int = 40) -> str:
    """Return member mentions (never pinging: messages go out with mentions disabled)."""
    shown = " ".join(f"<@{m}>" for m in member_ids[:limit])
    if len(member_ids) > limit:
        shown += f" and {len(member_ids) - limit} more"
    return shown


def board_lines(rows: Iterable[BoardRow]) -> list[str]:
    """Return one line per row: rank, member, points, accuracy, peer."""
    return [
        f"`{r.rank:>3}.` <@{r.member_id}> · **{_num(r.points)}** pts · {r.accuracy:.0%} exact · "
        f"peer {r.peer:+.2f} · {r.scored} scored"
        for r in rows
    ]


def leaderboard(board: Board, caller: int | None = None, top: int = 10) -> discord.Embed:
    """Render /leaderboard: top rows and the caller's own row."""
    rows = board.top(top)
    lines = board_lines(rows) or ["No scored votes yet."]
    mine = board.row_of(caller) if caller else None
    if mine is not None and mine not in rows:
        lines += ["…", *board_lines([mine])]
    resolved = f"{len(board.resolved)} resolved prediction{'s' if len(board.resolved) != 1 else ''}"
    return embed(
        f"Leaderboard · {board.label}",
        "\n".join(lines),
        footer=f"{board.size} ranked member{'s' if board.size != 1 else ''} · {resolved}",
    )


def monthly_post(month_board: Board, all_time: Board, *, marker: str = "") -> discord.Embed:
    """Render the monthly leaderboard post; `marker` ends its footer so the bot can find it."""
    lines = board_lines(month_board.top(10)) or ["Nobody scored this month."]
    resolved = [
        f"{OUTCOME_ICON[i.outcome]} #{i.number} {cut(i.title, 80)}: {i.outcome.label}"
        for i in month_board.resolved
    ] or ["No predictions were resolved this month."]
    return embed(
        f"🏆 Leaderboard · {month_board.label}",
        "\n".join(lines),
        colour=discord.Colour.gold(),
        fields=[
            ("Resolved this month", "\n".join(resolved), False),
            ("All-time top 5", "\n".join(board_lines(all_time.top(5))) or "Nobody yet.", False),
        ],
        footer="Points: 1 right, 0.5 one step off, 0 two steps off. Peer: points minus the others' mean."
        + (f" · ref {marker}" if marker else ""),
    )


def stats(s: MemberStats) -> discord.Embed:
    """Render /stats."""
    if s.row is None:
        body = (
            f"<@{s.member_id}> has {s.votes} vote{'s' if s.votes != 1 else ''} and none scored yet."
        )
        return embed("Stats", body)
    r = s.row
    return embed(
        "Stats",
        f"<@{s.member_id}>",
        fields=[
            ("Rank (all time)", f"{r.rank} of {s.ranked_members}", True),
            ("Points", _num(r.points), True),
            ("Accuracy", f"{r.accuracy:.0%} ({r.exact}/{r.scored} exact)", True),
            ("Peer score", f"{r.peer:+.2f}", True),
            ("Votes", f"{s.votes} ({s.open_votes} on open predictions)", True),
        ],
    )


def scorecards(cards: Sequence[SourceCard]) -> discord.Embed:
    """Render /scorecard."""
    fields = []
    for c in cards:
        judged = c.came_true + c.partly + c.did_not
        share = f" · {c.came_true / judged:.0%} came true" if judged else ""
        majority = (
            f"\nCommunity majority matched {c.majority_agreed} of {c.majority_compared}"
            if c.majority_compared
            else "\nNo clear community majority to compare yet"
        )
        fields.append(
            (
                f"{c.source} · {c.total} prediction{'s' if c.total != 1 else ''}",
                f"✅ {c.came_true} came true · 🌓 {c.partly} partly · ❌ {c.did_not} did not · "
                f"⚪ {c.void} void · ⏳ {c.open} open{share}{majority}",
                False,
            )
        )
    return embed("Scorecard", "" if fields else "No predictions yet.", fields=fields)


def settings(config: GuildConfig, problems: Sequence[Notice] = ()) -> discord.Embed:
    """Render /setup show, with what the bot can't do here."""

    def channel(cid: int | None) -> str:
        return f"<#{cid}>" if cid else "not set"

    return embed(
        "Called It settings",
        fields=[
            (
                "Polls channel",
                channel(config.polls_channel_id)
                + (" (else: where /poll open is used)" if not config.polls_channel_id else ""),
                False,
            ),
            (
                "Leaderboard channel",
                channel(config.leaderboard_channel_id)
                + (" (else: the polls channel)" if not config.leaderboard_channel_id else ""),
                False,
            ),
            (
                "Admin role",
                f"<@&{config.admin_role_id}>"
                if config.admin_role_id
                else "not set (Manage Server only)",
                False,
            ),
            ("Time zone", config.timezone, False),
            ("What I can't do here", notice_lines(problems) or "Nothing: all good.", False),
        ],
    )


def notice_lines(problems: Sequence[Notice]) -> str:
    """Return one '⚠️ text' line per notice (cut to fit a field)."""
    return cut("\n".join(f"⚠️ {n.text}" for n in problems), FIELD_VALUE_MAX)


def with_notices(content: str | None, fresh: Sequence[Notice]) -> str | None:
    """Append new notices to an admin's reply (within a message's limit)."""
    fresh = [n for n in fresh if not content or n.text not in content]  # said already
    if not fresh:
        return content
    lines = "\n".join(f"⚠️ {n.text}" for n in fresh)
    return cut(f"{content}\n\n{lines}" if content else lines, CONTENT_MAX)


def _num(value: float) -> str:
    return f"{value:g}"


def resync_summary(results: Sequence[ReadBack]) -> str:
    """Say what re-reading polls' reactions changed, poll by poll where something did."""
    if not results:
        return "No open poll to re-read."
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
