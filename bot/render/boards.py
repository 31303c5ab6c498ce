"""Boards: /leaderboard, the monthly post, /stats and /scorecard."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from bot.domain.outcomes import Outcome
from bot.domain.ranking import BoardRow
from bot.render.texts import OUTCOME_ICON, SEALED_ICON, cut, embed, num, peer
from bot.snapshots.boards import Board, Breakdown, MemberStats, SourceCard


def mention_list(member_ids: Sequence[int], limit: int = 40) -> str:
    """Return member mentions (never pinging: messages go out with mentions disabled)."""
    shown = " ".join(f"<@{m}>" for m in member_ids[:limit])
    if len(member_ids) > limit:
        shown += f" and {len(member_ids) - limit} more"
    return shown


def board_lines(rows: Iterable[BoardRow]) -> list[str]:
    """Return one line per row: rank, member, points, accuracy, peer."""
    return [
        f"`{r.rank:>3}.` <@{r.member_id}> · **{num(r.points)}** pts · {r.accuracy:.0%} exact · "
        f"peer {peer(r.peer)} · {r.scored} scored"
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
    counted = counted_lines(board, limit=10)
    return embed(
        f"Leaderboard · {board.label}",
        "\n".join(lines),
        fields=[("Counted", "\n".join(counted), False)] if counted else [],
        footer=f"{board.size} ranked member{'s' if board.size != 1 else ''} · {resolved}",
    )


#: At most this many sets are named with their leader in the monthly post.
SETS_SHOWN = 10


def counted_lines(board: Board, limit: int = 15) -> list[str]:
    """Return the predictions that counted for a board's period (void ones are not scored)."""
    lines = [
        f"{OUTCOME_ICON[i.outcome]} #{i.number} {cut(i.title, 80)}: {i.outcome.label}"
        + (" (not scored)" if i.outcome is Outcome.VOID else "")
        for i in board.resolved[:limit]
    ]
    if len(board.resolved) > limit:
        lines.append(f"…and {len(board.resolved) - limit} more")
    return lines


def set_leader_lines(leaders: Sequence[tuple[str, Sequence[BoardRow]]]) -> list[str]:
    """Return one line per set: its name and the month's rank-1 members (ties share it)."""
    lines = []
    for name, rows in leaders[:SETS_SHOWN]:
        who = (
            f"{mention_list([r.member_id for r in rows], limit=5)} · {num(rows[0].points)} pts"
            if rows
            else "nobody scored"
        )
        lines.append(f"**{cut(name, 60)}**: {who}")
    if len(leaders) > SETS_SHOWN:
        lines.append(f"…and {len(leaders) - SETS_SHOWN} more sets")
    return lines


def monthly_post(
    month_board: Board,
    all_time: Board,
    *,
    marker: str = "",
    set_leaders: Sequence[tuple[str, Sequence[BoardRow]]] = (),
) -> discord.Embed:
    """Render the monthly leaderboard post; `marker` ends its footer so the bot can find it."""
    lines = board_lines(month_board.top(10)) or ["Nobody scored this month."]
    resolved = counted_lines(month_board) or ["No predictions were resolved this month."]
    fields = [("Counted this month", "\n".join(resolved), False)]
    if set_leaders:
        fields.append(("Leader of each set", "\n".join(set_leader_lines(set_leaders)), False))
    fields.append(
        ("All-time top 5", "\n".join(board_lines(all_time.top(5))) or "Nobody yet.", False)
    )
    return embed(
        f"🏆 Leaderboard · {month_board.label}",
        "\n".join(lines),
        colour=discord.Colour.gold(),
        fields=fields,
        footer="Points: 1 right, 0.5 one step off, 0 two steps off. Peer: points minus the others' mean.",
        marker=marker,
    )


def _stats_title(s: MemberStats) -> str:
    return f"Stats · {cut(s.set_name, 100)}" if s.set_name else "Stats"


def stats(s: MemberStats) -> discord.Embed:
    """Render /stats."""
    if s.row is None:
        body = (
            f"<@{s.member_id}> has {s.votes} vote{'s' if s.votes != 1 else ''} and none scored yet."
        )
        return embed(_stats_title(s), body)
    r = s.row
    return embed(
        _stats_title(s),
        f"<@{s.member_id}>",
        fields=[
            (
                "Rank (all time)" if s.set_name is None else "Rank (in this set)",
                f"{r.rank} of {s.ranked_members}",
                True,
            ),
            ("Points", num(r.points), True),
            ("Accuracy", f"{r.accuracy:.0%} ({r.exact}/{r.scored} exact)", True),
            ("Peer score", peer(r.peer), True),
            ("Votes", f"{s.votes} ({s.open_votes} on open predictions)", True),
            (
                "With the majority",
                f"{s.agreed} of {s.compared} scored votes"
                if s.compared
                else "no clear majority yet",
                True,
            ),
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
                " · ".join(
                    f"{OUTCOME_ICON[outcome]} {count} {outcome.label}"
                    for outcome, count in (
                        (Outcome.CAME_TRUE, c.came_true),
                        (Outcome.PARTLY, c.partly),
                        (Outcome.DID_NOT, c.did_not),
                        (Outcome.VOID, c.void),
                    )
                )
                + f" · ⏳ {c.open} open{share}{majority}",
                False,
            )
        )
    return embed("Scorecard", "" if fields else "No predictions yet.", fields=fields)


def export_too_big(guild_id: int, size: int) -> str:
    """Say the export is over Discord's upload limit, with the exact command to run instead."""
    return (
        f"Your server's data is {size / 1024 / 1024:.1f} MiB compressed, over Discord's upload "
        "limit here. Run this where the bot runs instead:\n"
        f"`calledit export --guild {guild_id} --out calledit-export`"
    )


def breakdown(b: Breakdown, *, own_sealed: bool = False) -> discord.Embed:
    """Render one page of a member's scored predictions: their vote, the outcome, the points.

    A vote on a sealed poll (and the points that would tell it) is shown only with
    `own_sealed`: in the member's own private reply.
    """
    lines = [
        f"**#{i.number}** {cut(i.title, 70)}\n└ "
        + (
            f"{SEALED_ICON} sealed ballot · {OUTCOME_ICON[i.outcome]} {i.outcome.label}"
            if i.sealed and not own_sealed
            else f"voted {i.vote.emoji} {i.vote.label} · "
            f"{OUTCOME_ICON[i.outcome]} {i.outcome.label} · **{num(i.points)}** pts"
        )
        for i in b.items
    ]
    total = f"{b.total} scored prediction{'s' if b.total != 1 else ''}"
    return embed(
        "What counted" + (" · your sealed ballots (only you see this)" if own_sealed else ""),
        f"<@{b.member_id}>\n" + ("\n".join(lines) if lines else "No scored predictions yet."),
        footer=f"Page {b.page} of {b.pages} · {total}",
    )
