"""Where each kind of post goes: the rules for picking a channel."""

from __future__ import annotations

from bot.domain.errors import InvalidInput


def poll_channel(chosen: int | None, polls_channel: int | None, here: int | None) -> int:
    """Return where a poll is posted: the channel given, else the polls channel, else here."""
    for channel_id in (chosen, polls_channel, here):
        if channel_id is not None:
            return channel_id
    raise InvalidInput("Pick a channel, or set one with /setup polls-channel.")


def announcement_channel(
    polls_channel: int | None, poll_channel_id: int | None, here: int | None
) -> int | None:
    """Return where a resolution is announced: the polls channel, else its poll's, else here."""
    return polls_channel or poll_channel_id or here


def board_channel(
    leaderboard_channel: int | None, polls_channel: int | None, system_channel: int | None
) -> int | None:
    """Return where the monthly board goes: the leaderboard, else polls, else system channel."""
    return leaderboard_channel or polls_channel or system_channel
