"""`calledit demo`'s last act: one sealed poll end to end, after the season.

Members vote by button, `/poll results` shows only the count, the close reveals the tally and
the commitment, and a member checks their ballot with `/poll verify`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from discord_emulator import Actor, Emulator, InteractionResult
from discord_emulator.models import Channel

from bot.app import CalledItBot

log = logging.getLogger(__name__)

#: Runs a slash command as someone and prints it with the bot's answer (bot.demo._run, bound).
Run = Callable[..., Awaitable[InteractionResult]]
#: The sealed poll's voters and their buttons, in order.
BALLOTS = ("came_true", "came_true", "partly", "did_not", "came_true")
LABELS = {"came_true": "✅ came true", "partly": "🌓 partly", "did_not": "❌ did not"}


async def sealed_poll(
    emu: Emulator,
    bot: CalledItBot,
    run: Run,
    say: Callable[[str], None],
    reply: Callable[[InteractionResult], None],
    flush: Callable[[], None],
    admin: Actor,
    people: list[Actor],
    channels: dict[str, Channel],
) -> None:
    """Play one sealed poll: open, votes by button, a hidden tally, the close, a receipt check."""
    general, polls = channels["general"], channels["polls"]
    say("\n== A sealed poll: votes by button, the tally hidden until it closes ==")
    added: dict[str, Any] = {
        "title": "A sealed demo poll",
        "statement": "Open-weight models match the best closed model on a major benchmark.",
        "source": "the demo",
    }
    answer = await run(admin, "/prediction add", general, **added)
    found = re.search(r"#(\d+)", answer.content)
    assert found is not None, answer.content
    number = int(found[1])
    await run(admin, "/poll open", general, prediction=str(number), hours=48, ballot="sealed")
    message = next(
        m
        for m in reversed(emu.messages(polls.id))
        if m.embeds and f"· #{number} ·" in str(m.embeds[0].get("title", ""))
    )
    poll = await bot.services.polls.by_message(message.id)
    assert poll is not None
    voters = list(zip(people, BALLOTS, strict=False))  # `calledit demo --members` may be few
    for person, choice in voters:
        say(f"\n[{person.user.username}] presses {LABELS[choice]} on the poll")
        reply(await person.click(message.id, f"calledit:vote:{poll.id}:{choice}", timeout=30))
    # The count on the message follows within seconds (edits coalesced per poll).
    voted = {"name": "Voted so far", "value": f"{len(voters)} member{'s' * (len(voters) != 1)}"}

    def counted() -> bool:
        return any(voted.items() <= f.items() for f in emu.message(message.id).embeds[0]["fields"])

    await emu.wait_for(counted, timeout=15)
    flush()
    await run(people[-1], "/poll results", general, prediction=str(number))
    await run(admin, "/poll close", general, prediction=str(number))
    await run(people[0], "/poll verify", general, prediction=str(number))
