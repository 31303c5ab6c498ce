"""The monthly post is claimed once per guild and month, and a dead claim is taken over."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.domain.clock import FrozenClock
from bot.domain.months import Month
from bot.domain.outcomes import Choice
from bot.services import Services
from bot.services.outbox import board_key


async def claim_post(services: Services, guild_id: int, month: Month, claimant: str) -> bool:
    """Claim a guild's monthly post in the outbox; True only for the one claimant that gets it."""
    return await services.outbox.claim(board_key(guild_id, month), guild_id, claimant) is not None


async def mark_posted(
    services: Services, guild_id: int, month: Month, channel_id: int, message_id: int
) -> None:
    """Record a monthly post as the workflow does: its record, then the outbox."""
    await services.boards.mark_posted(guild_id, month, channel_id, message_id)
    await services.outbox.record(board_key(guild_id, month), channel_id, message_id)


async def test_due_posts_claims_and_takeover(services: Services, clock: FrozenClock) -> None:
    clock.set(datetime(2025, 3, 10, tzinfo=UTC))
    await services.guilds.get(1)
    await services.guilds.set_timezone(2, "Asia/Tokyo")
    assert await services.boards.due_posts() == []  # both guilds arrived in March

    clock.set(datetime(2025, 3, 31, 16, tzinfo=UTC))  # already 1 April in Tokyo
    assert [(d.guild_id, str(d.month)) for d in await services.boards.due_posts()] == [
        (2, "2025-03")
    ]

    clock.set(datetime(2025, 4, 1, 0, 1, tzinfo=UTC))
    due = await services.boards.due_posts()
    assert sorted((d.guild_id, str(d.month)) for d in due) == [(1, "2025-03"), (2, "2025-03")]

    results = await asyncio.gather(
        *(claim_post(services, 1, Month(2025, 3), f"worker-{i}") for i in range(5))
    )
    assert sorted(results) == [False, False, False, False, True]
    assert [(d.guild_id) for d in await services.boards.due_posts()] == [2]

    # The claimant died before posting: after the stale period another may take over, once.
    assert not await claim_post(services, 1, Month(2025, 3), "late")
    clock.advance(timedelta(minutes=11))
    assert await claim_post(services, 1, Month(2025, 3), "rescuer")
    assert not await claim_post(services, 1, Month(2025, 3), "another")
    await mark_posted(services, 1, Month(2025, 3), 5, 77)
    clock.advance(timedelta(hours=1))
    assert not await claim_post(services, 1, Month(2025, 3), "after-post")
    assert [m for m, posted in await services.boards.posts(1) if posted] == ["2025-03"]


async def test_guild_settings(services: Services) -> None:
    config = await services.guilds.get(9)
    assert (config.timezone, config.polls_channel_id) == ("UTC", None)
    await services.guilds.set_polls_channel(9, 55)
    await services.guilds.set_admin_role(9, 66)
    config = await services.guilds.set_timezone(9, " Europe/Paris ")
    assert (config.timezone, config.polls_channel_id, config.admin_role_id) == (
        "Europe/Paris",
        55,
        66,
    )
    import pytest

    from bot.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        await services.guilds.set_timezone(9, "Nowhere/Land")
    assert (await services.guilds.get(9)).timezone == "Europe/Paris"


async def test_time_zone_change_moves_resolutions_between_months_and_ledger_backfills(
    services: Services, clock: FrozenClock
) -> None:
    from sqlalchemy import delete

    from db.models import BotState, MemberScore

    guild = 5
    await services.predictions.add(guild, title="P", statement="s")
    clock.set(datetime(2025, 3, 31, 20, tzinfo=UTC))
    poll, _ = await services.polls.open(guild, 1, channel_id=1)
    await services.polls.attach_message(poll.id, 77)
    await services.votes.cast(77, 1, Choice.CAME_TRUE)
    clock.set(datetime(2025, 3, 31, 23, 30, tzinfo=UTC))
    await services.resolution.resolve(guild, 1, "came_true")
    assert [r.member_id for r in (await services.boards.month(guild, "2025-03")).rows] == [1]
    assert (await services.boards.month(guild, "2025-04")).rows == ()

    await services.guilds.set_timezone(guild, "Asia/Tokyo")  # 08:30 on 1 April there
    assert (await services.boards.month(guild, "2025-03")).rows == ()
    assert [r.member_id for r in (await services.boards.month(guild, "2025-04")).rows] == [1]

    # A database that had resolutions before the ledger existed gets it built once.
    async with services.db.write() as session:
        await session.execute(delete(MemberScore))
        await session.execute(delete(BotState))
    services.boards.clear_cache()
    assert (await services.boards.all_time(guild)).rows == ()
    await services.boards.ensure_ledger()
    services.boards.clear_cache()
    assert [(r.member_id, r.points) for r in (await services.boards.all_time(guild)).rows] == [
        (1, 1.0)
    ]
