"""Notices: recorded once per key, shown to an admin once per text, cleared when fixed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import notices
from bot.domain.clock import FrozenClock
from bot.domain.months import Month
from bot.services import Services
from bot.services.outbox import STALE_CLAIM, board_key


async def test_record_show_and_clear(services: Services, clock: FrozenClock) -> None:
    guild, other = 1, 2
    lost = notices.channel_unreachable(50, "the March 2025 leaderboard")
    assert await services.notices.record(guild, lost)
    assert not await services.notices.record(guild, lost)  # the same problem stays one notice
    manage = notices.no_manage_messages(60)
    clock.advance(timedelta(seconds=1))
    await services.notices.record(guild, manage)
    assert await services.notices.take_new(other) == []

    assert await services.notices.take_new(guild) == [lost, manage]
    assert await services.notices.take_new(guild) == []  # each text reaches an admin once
    changed = notices.cannot_post(50, "polls", ["Send Messages"])
    assert await services.notices.record(guild, changed)  # same key, new text: shown again
    assert await services.notices.take_new(guild) == [changed]
    assert await services.notices.active(guild) == [changed, manage]

    assert await services.notices.clear_channels(guild, [50, 51]) == 1
    assert await services.notices.clear(guild) == 0
    assert await services.notices.clear(guild, "nothing-here") == 0
    assert await services.notices.keys(guild) == {notices.manage_messages_key(60)}
    assert await services.notices.active(guild, mark_shown=True) == [manage]


def test_missing_permissions_are_named_in_order() -> None:
    granted = {"view_channel": True, "send_messages": False, "embed_links": False}
    assert notices.missing(granted, notices.TO_POLL) == [
        "Send Messages",
        "Embed Links",
        "Add Reactions",
        "Read Message History",
    ]
    assert notices.missing(dict.fromkeys(notices.TO_VERIFY, True), notices.TO_VERIFY) == []


async def test_a_deleted_poll_message_notice_names_the_prediction(services: Services) -> None:
    guild = 4
    await services.predictions.add(guild, title="P", statement="s")
    poll, _ = await services.polls.open(guild, 1, channel_id=77)
    assert await services.notices.poll_message_gone(poll.id) == notices.poll_message_gone(1, 77)
    assert await services.notices.poll_message_gone(poll.id + 100) is None
    assert await services.notices.keys(guild) == {"poll-gone:1"}


async def test_a_stale_claim_taken_over_says_when_it_was_made(
    services: Services, clock: FrozenClock
) -> None:
    clock.set(datetime(2025, 4, 1, 0, 1, tzinfo=UTC))
    first = await services.outbox.claim(board_key(1, Month(2025, 3)), 1, "a")
    assert first is not None and first.taken_over is None
    claimed = clock.now()
    clock.advance(STALE_CLAIM)
    assert (
        await services.outbox.claim(board_key(1, Month(2025, 3)), 1, "b") is None
    )  # not older than stale
    clock.advance(timedelta(seconds=1))
    taken = await services.outbox.claim(board_key(1, Month(2025, 3)), 1, "b")
    assert taken is not None and taken.taken_over == claimed
    assert await services.outbox.claim(board_key(1, Month(2025, 3)), 1, "c") is None
