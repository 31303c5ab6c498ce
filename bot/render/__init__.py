"""Rendering only: pure functions from service snapshots to embeds and texts within Discord's limits.

Handlers and workflows both render through here; nothing in this package does I/O. The PNG
cards live in bot/render/cards (CPU work: callers run them off the event loop).
"""

from bot.render.boards import (
    board_lines,
    breakdown,
    export_too_big,
    leaderboard,
    mention_list,
    monthly_post,
    scorecards,
    stats,
)
from bot.render.community import digest, overdue, reminder
from bot.render.polls import (
    ballot_buttons,
    closed_ballot_buttons,
    opened_all,
    poll_closed_message,
    poll_message,
    poll_result,
    prediction_heading,
    read_back_summary,
    sealed_poll_message,
)
from bot.render.predictions import (
    edited,
    prediction_detail,
    prediction_list,
    resolution_announcement,
    unresolved_announcement,
)
from bot.render.sets import set_list
from bot.render.settings import settings, web_answer
from bot.render.texts import (
    CONTENT_MAX,
    OUTCOME_ICON,
    cut,
    embed,
    notice_lines,
    num,
    peer,
    problems_shown,
    tally_line,
    ts,
    with_notices,
)

__all__ = [
    "CONTENT_MAX",
    "OUTCOME_ICON",
    "ballot_buttons",
    "board_lines",
    "breakdown",
    "closed_ballot_buttons",
    "cut",
    "digest",
    "edited",
    "embed",
    "export_too_big",
    "leaderboard",
    "mention_list",
    "monthly_post",
    "notice_lines",
    "num",
    "opened_all",
    "overdue",
    "peer",
    "poll_closed_message",
    "poll_message",
    "poll_result",
    "prediction_detail",
    "prediction_heading",
    "prediction_list",
    "problems_shown",
    "read_back_summary",
    "reminder",
    "resolution_announcement",
    "scorecards",
    "sealed_poll_message",
    "set_list",
    "settings",
    "stats",
    "tally_line",
    "ts",
    "unresolved_announcement",
    "web_answer",
    "with_notices",
]
