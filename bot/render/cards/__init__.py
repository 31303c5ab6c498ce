"""Cards: PNG images of boards, members and scorecards; pure functions of service snapshots.

Rendering is CPU work (tens of milliseconds): callers run it off the event loop
(asyncio.to_thread), so it never delays vote ingest or other commands.
"""

from bot.render.cards.alt import leaderboard_alt, member_alt, scorecard_alt
from bot.render.cards.canvas import MAX_BYTES, NO_NAME, clean, warm
from bot.render.cards.leaderboard import TOP as LEADERBOARD_TOP
from bot.render.cards.leaderboard import leaderboard_card
from bot.render.cards.member import member_card
from bot.render.cards.scorecard import scorecard_card

__all__ = [
    "LEADERBOARD_TOP",
    "MAX_BYTES",
    "NO_NAME",
    "clean",
    "leaderboard_alt",
    "leaderboard_card",
    "member_alt",
    "member_card",
    "scorecard_alt",
    "scorecard_card",
    "warm",
]
