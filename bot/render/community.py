"""Reminders before a poll closes, the overdue list and the admins' weekly digest."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.render.texts import COLOUR_CLOSED, embed, tally_line, ts
from bot.snapshots.community import OverdueItem, ReminderItem

#: How many overdue predictions one embed lists (the rest are counted).
OVERDUE_SHOWN = 20


def reminder(item: ReminderItem, *, marker: str = "") -> discord.Embed:
    """Render the one reminder posted a day before a poll closes."""
    link = f"https://discord.com/channels/{item.guild_id}/{item.channel_id}/{item.message_id}"
    return embed(
        f"⏰ Closing soon · #{item.number} · {item.title}",
        f"The poll closes {ts(item.closes_at)} ({ts(item.closes_at, 'R')}). "
        f"[Vote on the poll]({link}) if you haven't yet.",
        fields=[("Tally so far", tally_line(item.tally), False)],
        footer=f"Called It · prediction #{item.number} · reminder",
        marker=marker,
    )


def _overdue_lines(items: Sequence[OverdueItem]) -> str:
    lines = [
        f"**#{i.number}** {i.title} · due {i.due:%d %b %Y} · {tally_line(i.tally)}"
        + (" · poll open" if i.poll_open else "")
        for i in items[:OVERDUE_SHOWN]
    ]
    if len(items) > OVERDUE_SHOWN:
        lines.append(f"…and {len(items) - OVERDUE_SHOWN} more.")
    return "\n".join(lines)


def overdue(items: Sequence[OverdueItem]) -> discord.Embed:
    """Render /prediction overdue: predictions past their due date and still unresolved."""
    if not items:
        return embed("Overdue predictions", "Nothing is overdue: every due prediction is resolved.")
    return embed(
        f"Overdue predictions ({len(items)})",
        _overdue_lines(items),
        colour=COLOUR_CLOSED,
        footer="Resolve them with /prediction resolve.",
    )


def digest(items: Sequence[OverdueItem], week: str, *, marker: str = "") -> discord.Embed:
    """Render the admins' weekly digest of overdue predictions."""
    return embed(
        f"Weekly digest · {len(items)} overdue prediction{'s' if len(items) != 1 else ''}",
        _overdue_lines(items),
        colour=COLOUR_CLOSED,
        footer=f"Called It · {week} · resolve them with /prediction resolve",
        marker=marker,
    )
