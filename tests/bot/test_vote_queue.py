"""What a queued vote holds: the poll's and the member's ids kept already, a shared timestamp.

In a flood some 40,000 votes wait for the database at once, so each vote's own copies of the
ids and timestamp were most of the memory the flood took (bench/bench_guilds.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.votes import VoteEvent
from bot.votes.filter import VoteFilter
from tests.bot.conftest import World
from tests.locks import votes_locked

YES, NO = "✅", "❌"


async def test_queued_votes_hold_the_ids_kept_already(live: World) -> None:
    await live.services.guilds.set_polls_channel(live.guild.id, live.polls.id)
    for number in (1, 2):
        opened = await live.run(live.admin, "/poll open", prediction=str(number), hours=24)
        assert opened.messages[-1].content.startswith(f"Poll on #{number} is open")
    first, second = live.poll_message(1).id, live.poll_message(2).id
    ada = live.members[0]
    await ada.react(first, YES)
    await live.settle()
    writer = live.bot.workflows.writer

    async with votes_locked(live.db_url):
        await ada.react(first, NO)
        await ada.react(second, YES)
        await live.emu.wait_for(lambda: len(writer.waiting()) == 2, timeout=10)
        waiting = writer.waiting()
        assert [(e.message_id, e.member_id) for e in waiting] == [(first, ada.id), (second, ada.id)]
        refs = [live.bot.discord_io.polls.get(m) for m in (first, second)]
        for event, ref in zip(waiting, refs, strict=True):
            assert ref is not None and event.message_id is ref.message_id
        assert waiting[0].member_id is waiting[1].member_id
        assert waiting[0].name == waiting[1].name == "member01"
    await live.settle()
    poll = await live.services.polls.by_message(first)
    assert poll is not None and len(await live.services.votes.votes_of_poll(poll.id)) == 1


class Queue:
    """The writer's two doors the filter uses, recording what is put."""

    def __init__(self) -> None:
        self.events: list[VoteEvent] = []

    def put(self, event: VoteEvent) -> None:
        self.events.append(event)

    def shared_member_id(self, member_id: int) -> int:
        return member_id


def test_votes_read_within_a_millisecond_share_one_timestamp() -> None:
    times = [datetime(2026, 1, 1, 0, 0, 0, 999_400, tzinfo=UTC)]
    filter_ = VoteFilter(
        Queue(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        me=lambda: None,
        now=lambda: times[0],
        after_retraction=lambda _message: None,
    )
    stamps = []
    for step in (0, 500, 200, 300, -5_000):  # the last: a clock set back
        times[0] += timedelta(microseconds=step)
        stamps.append(filter_._stamp())
    assert stamps[0] is stamps[1]  # 999.4 and 999.9 ms: the same millisecond
    assert stamps[2] == datetime(2026, 1, 1, 0, 0, 1, 100, tzinfo=UTC)  # the next one
    assert stamps[3] is stamps[2]  # 1.0001 and 1.0004 s
    assert stamps[4] == times[0]  # behind the last stamp: a stamp of its own
