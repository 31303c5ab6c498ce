"""A sealed ballot's click and a kill -9 of the bot between the click and its answer.

The bot runs as a real process (``python -m bot run``). A click answered before the kill is
stored once and keeps its receipt after the restart. A click whose commit is held up (another
writer holds the votes table) is deferred, then the bot is killed: the vote was never
committed and never confirmed (the member sees the interaction fail, not a receipt), and
"My vote" after the restart says so. Nothing is stored without its member being told.
"""

from __future__ import annotations

import signal
from pathlib import Path

from discord_emulator import Emulator, InteractionResult

from bot.domain.ballots import Action, custom_id
from bot.domain.outcomes import Choice
from bot.domain.receipts import leaf, receipt_code
from tests.bot.conftest import ON_BOTH_BACKENDS
from tests.bot.test_crash_recovery import BotProcess, Store, wait_until
from tests.locks import votes_locked

pytestmark = ON_BOTH_BACKENDS


async def test_kill_9_between_a_click_and_its_answer(
    emulator: Emulator, tmp_path: Path, db_url: str
) -> None:
    emu = emulator
    guild = emu.create_guild("Forecasters", channels=("general", "polls"))
    polls = next(c for c in guild.channels.values() if c.name == "polls")
    admin = emu.add_admin(guild, "ada")
    early, late = emu.add_member(guild, "early"), emu.add_member(guild, "late")
    store = Store(db_url)
    bot = BotProcess(emu, db_url, tmp_path)

    def click(member: object, cid: str) -> InteractionResult:
        msg = emu.message(message_id)
        data = {"custom_id": cid, "component_type": 2}
        return InteractionResult(
            emu, emu.new_interaction(member, 3, data, emu.channels[msg.channel_id], msg)
        )

    try:
        await bot.start()
        await wait_until(
            lambda: store.count("predictions") == 10 and emu.registered_commands(guild),
            "the bot to seed and register its commands",
            bot,
            timeout=60,
        )
        opened = await admin.run(
            "/poll open", in_channel=polls, timeout=30, prediction="1", ballot="sealed"
        )
        assert opened.content.startswith("Poll on #1 is open"), opened.content
        [(poll_id, message_id)] = store.rows("SELECT id, message_id FROM polls")
        assert isinstance(poll_id, int) and isinstance(message_id, int)
        vote = custom_id(Action.VOTE, poll_id, Choice.CAME_TRUE)

        answered = await click(early, vote).wait_finished(timeout=15)
        [(choice, salt)] = store.rows(
            f"SELECT choice, salt FROM votes WHERE member_id = {early.id}"
        )
        code = receipt_code(leaf(poll_id, early.id, Choice.from_ordinal(int(choice)), str(salt)))
        assert f"`{code}`" in answered.content

        async with votes_locked(db_url):  # the next commit is held up...
            pending = click(late, vote)
            await pending.wait_answered(timeout=10)
            assert pending.deferred  # ...so the bot said it is thinking
            assert await bot.kill9() == -signal.SIGKILL
        assert not pending.finished()  # never confirmed: the member sees it fail
        stored = store.rows("SELECT member_id FROM votes")
        assert stored == [(early.id,)]  # and nothing was stored for it

        await bot.start()
        await wait_until(
            lambda: "connected as" in bot.logs[-1].read_text(errors="replace"), "the restart", bot
        )
        mine = click(late, custom_id(Action.MINE, poll_id))
        await mine.wait_finished(timeout=20)
        assert mine.content.startswith("You have no vote on this poll.")
        again = await click(early, custom_id(Action.MINE, poll_id)).wait_finished(timeout=10)
        assert f"`{code}`" in again.content  # the receipt survives the kill
        retried = await click(late, vote).wait_finished(timeout=10)
        assert retried.content.startswith("Your vote: ✅")
        assert sorted(r[0] for r in store.rows("SELECT member_id FROM votes")) == sorted(
            [early.id, late.id]
        )
    finally:
        await bot.stop()
