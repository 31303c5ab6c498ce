"""When a press is deferred: 2 s after Discord made the interaction, not after the bot got to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import discord
import pytest

from bot.exts.ballots import DEFER_AFTER, defer_in


@dataclass
class Made:
    """What defer_in reads of an interaction: when Discord made it (from its snowflake)."""

    created_at: datetime


def made_ago(seconds: float) -> Any:
    """Return an interaction-like record made `seconds` ago, with a real snowflake time."""
    snowflake = discord.utils.time_snowflake(discord.utils.utcnow() - timedelta(seconds=seconds))
    return cast(Any, Made(discord.utils.snowflake_time(snowflake)))


@pytest.mark.parametrize(
    ("age", "low", "high"),
    [
        (0.0, DEFER_AFTER - 0.1, DEFER_AFTER),  # handled at once: the full wait
        (1.5, DEFER_AFTER - 1.6, DEFER_AFTER - 1.4),  # a burst's backlog: only what is left
        (2.5, 0.0, 0.0),  # already late for a direct answer: defer now
        (-5.0, DEFER_AFTER, DEFER_AFTER),  # a clock ahead of Discord's: never more than 2 s
    ],
)
def test_the_wait_before_deferring_counts_from_the_click(
    age: float, low: float, high: float
) -> None:
    assert low <= defer_in(made_ago(age)) <= high
