"""`calledit demo`: the real bot against a local emulated Discord, a scripted season, a transcript.

Nothing leaves this machine: the emulator listens on 127.0.0.1, the database is a throwaway
SQLite file, and the clock is simulated so a season plays in seconds.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from discord_emulator import Actor, Emulator, InteractionResult
from discord_emulator.connect import connect_client
from discord_emulator.models import Channel, Message
from discord_emulator.spec import EXTRA_HINT, checks_available, default_spec_path

from bot.app import CalledItBot, default_seed
from bot.demo_sealed import sealed_poll
from bot.domain.clock import FrozenClock
from bot.domain.errors import InvalidInput
from bot.services import Services
from db.migrate import upgrade
from db.session import Database

log = logging.getLogger(__name__)

#: The members a season can be played with (five have parts in the script).
MEMBER_RANGE = (5, 200)

# The demo's own verdicts, to show the flow; not a judgement of the real predictions.
DEMO_OUTCOMES = [
    (1, "partly", "Free tiers everywhere, but pricing did not collapse."),
    (2, "came_true", "Vertical models shipped in law, medicine and finance."),
    (3, "came_true", None),
    (4, "partly", None),
    (5, "came_true", None),
    (6, "partly", None),
    (7, "came_true", None),
    (8, "void", "Too vague to judge."),
    (9, "came_true", "Agents everywhere."),
    (10, "came_true", None),
]
#: Some members' display names (global names), to show the cards drawing any script.
DISPLAY_NAMES = (
    "Ada L.",
    "Αλέξανδρος",
    "Жанна",
    "Zoë 🦊",
    "grace_hopper_the_admiral_of_cobol",
    "Ωmega",
    "Мария",
    "𝓛𝓲𝓷𝓾𝓼",
)
LEANINGS = {
    1: (0.5, 0.35),
    2: (0.6, 0.3),
    3: (0.75, 0.2),
    4: (0.3, 0.4),
    5: (0.55, 0.3),
    6: (0.4, 0.4),
    7: (0.45, 0.35),
    8: (0.3, 0.3),
    9: (0.7, 0.2),
    10: (0.6, 0.3),
}


class Transcript:
    """Print what members would see: every message the bot posts or edits, as text."""

    def __init__(
        self, emu: Emulator, names: dict[int, str], channels: dict[int, str], clock: FrozenClock
    ) -> None:
        self.emu = emu
        self.clock = clock
        self.names = names
        self.channels = channels
        self.seen: dict[int, int] = {}
        #: Where the cards the bot posts are saved (None: not saved).
        self.cards: Path | None = None
        self.saved = 0

    def save_cards_in(self, folder: Path) -> None:
        """Save every PNG the bot posts in a folder (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.cards = folder.resolve()

    def say(self, text: str) -> None:
        """Print a narration line."""
        print(text, flush=True)

    def command(self, actor: Actor, command: str, options: dict[str, Any]) -> None:
        """Print a slash command as typed."""
        shown = " ".join(f"{k}:{self._option(v)}" for k, v in options.items())
        self.say(f"\n[{actor.user.username}] {command} {shown}".rstrip())

    def reply(self, result: InteractionResult) -> None:
        """Print the bot's answer to an interaction."""
        for message in result.messages:
            who = "only you can see this" if message.ephemeral else "everyone sees"
            self._print(message, f"  bot ({who}):")

    def flush(self) -> None:
        """Print bot posts and edits in channels since the last flush."""
        for channel_id, name in self.channels.items():
            for message in self.emu.messages(channel_id):
                if message.author.id != self.emu.bot.id or message.interaction_id:
                    continue
                version = len(message.history)
                if self.seen.get(message.id) == version:
                    continue
                label = "edited" if message.id in self.seen else "posts"
                self.seen[message.id] = version
                self._print(message, f"  bot {label} in #{name}:")

    def _print(self, message: Message, prefix: str) -> None:
        lines = self._text(message.content).splitlines() if message.content else []
        for embed in message.embeds:
            lines.append(f"**{self._text(embed.get('title', ''))}**")
            if embed.get("description"):
                description = self._text(embed["description"])
                if "\n" not in description and len(description) > 150:
                    description = description[:149] + "…"  # long statements, shortened here only
                lines.extend(description.splitlines())
            for field in embed.get("fields", []):
                value = self._text(field["value"])
                if "\n" in value:  # as Discord shows a field: its name, then its lines below
                    lines.append(f"  {field['name']}:")
                    lines.extend(f"    {line}" for line in value.splitlines())
                else:
                    lines.append(f"  {field['name']}: {value}")
        buttons = [
            f"[{' '.join(filter(None, (b.get('emoji', {}).get('name'), b.get('label'))))}]"
            for row in message.components
            for b in row.get("components", [])
            if b.get("type") == 2
        ]
        if buttons:
            lines.append("buttons: " + " ".join(buttons))
        for attachment in message.attachments:
            lines.append(f"[attachment {attachment.filename}, {len(attachment.data)} bytes]")
            if attachment.filename.endswith(".png") and self.cards is not None:
                self.saved += 1
                path = self.cards / f"{self.saved:02d}-{attachment.filename}"
                path.write_bytes(attachment.data)
                lines.append(f"  saved as {path}")
                if attachment.description:
                    lines.append(f"  alt text: {attachment.description}")
        self.say(prefix)
        for line in lines:
            self.say(f"    {line}")

    def _text(self, text: str) -> str:
        text = re.sub(r"<@!?(\d+)>", lambda m: "@" + self.names.get(int(m[1]), m[1]), text)
        text = re.sub(r"<#(\d+)>", lambda m: "#" + self.channels.get(int(m[1]), m[1]), text)
        text = re.sub(r"<t:(\d+):R>", lambda m: self._relative(int(m[1])), text)
        return re.sub(
            r"<t:(\d+):[a-zA-Z]>",
            lambda m: datetime.fromtimestamp(int(m[1]), UTC).strftime("%d %b %Y %H:%M UTC"),
            text,
        )

    def _relative(self, stamp: int) -> str:
        seconds = stamp - self.clock.now().timestamp()
        days, hours = abs(seconds) // 86400, abs(seconds) // 3600
        amount = (
            f"{days:.0f} days" if days >= 2 else f"{hours:.0f} hours" if hours >= 2 else "moments"
        )
        return f"in {amount}" if seconds > 0 else f"{amount} ago"

    def _option(self, value: Any) -> str:
        if isinstance(value, Channel):
            return f"#{value.name}"
        return str(value)


async def run_demo(
    members: int = 30,
    seed: int = 2025,
    cards: Path | None = None,
    database_url: str | None = None,
) -> int:
    """Play the scripted season and print the transcript; return 0 if Discord saw no violation.

    The cards the bot posts (PNG attachments) are saved in `cards`, a folder it creates. The
    season is played in a throwaway SQLite file unless ``database_url`` names a database.
    """
    low, high = MEMBER_RANGE
    if not low <= members <= high:
        raise InvalidInput(f"--members: {members} is not a number from {low} to {high}.")
    rng = random.Random(seed)
    spec = default_spec_path()
    emu = Emulator(ratelimit_speed=8.0, spec_path=str(spec), validate_spec=spec.is_file())
    await emu.start()
    guild = emu.create_guild("Forecasters", channels=("general", "polls", "leaderboard"))
    channels = {c.name: c for c in guild.channels.values()}
    admin = emu.add_admin(guild, "ada")
    people = [emu.add_member(guild, f"member{n:02d}") for n in range(1, members + 1)]
    for person, shown in zip(people, DISPLAY_NAMES, strict=False):
        person.user.global_name = shown  # what reaction events carry and the cards show
    names = {u.id: u.username for u in emu.users.values()}
    clock = FrozenClock(datetime(2025, 12, 1, 9, tzinfo=UTC))
    out = Transcript(emu, names, {c.id: c.name for c in guild.channels.values()}, clock)
    if cards is not None:
        out.save_cards_in(cards)
    with tempfile.TemporaryDirectory(prefix="calledit-demo-") as folder:
        database = Database(database_url or f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}")
        await upgrade(database)
        bot = CalledItBot(
            Services.build(database, clock), seed=default_seed(), scheduler_interval=3600
        )
        try:
            async with connect_client(emu, bot, timeout=30):
                await asyncio.wait_for(bot.settled.wait(), 30)
                await _season(emu, bot, admin, people, channels, clock, out, rng)
        finally:
            await database.dispose()
            await emu.stop()
    problems = len(emu.violations) + len(emu.unknown_routes)
    if out.cards is not None:
        out.say(f"\nThe {out.saved} cards the bot posted are saved in {out.cards}/ (open them).")
    for line in checks_report(emu, spec):
        out.say(line)
    return 0 if problems == 0 else 1


def checks_report(emu: Emulator, spec: Path) -> list[str]:
    """Say which checks the emulator ran on the bot's requests, and which it skipped."""
    lines = [
        f"\nThe emulator served {len(emu.requests)} REST requests and checked them against "
        "the Discord rules it models (permissions, limits, rate limits): "
        f"{len(emu.violations)} violations, {len(emu.unknown_routes)} unknown routes."
    ]
    if emu.validate_spec and emu.spec is not None:
        lines.append(f"Every request body was validated against Discord's API spec ({spec}).")
    elif spec.is_file() and not checks_available():
        lines.append(
            f"Discord's API spec at {spec} was NOT used: the emulator's spec checks need "
            f"jsonschema and referencing ({EXTRA_HINT}, or the dev extra)."
        )
    else:
        lines.append(
            f"Discord's API spec was not found at {spec}: requests were NOT validated against "
            "it (set DISCORD_API_SPEC to its openapi.json to add that check)."
        )
    return lines


async def _run(
    emu: Emulator, out: Transcript, actor: Actor, command: str, where: Channel, **options: Any
) -> InteractionResult:
    out.command(actor, command, options)
    result = await actor.run(command, in_channel=where, options=options, timeout=60)
    out.reply(result)
    out.flush()
    return result


async def _season(
    emu: Emulator,
    bot: CalledItBot,
    admin: Actor,
    people: list[Actor],
    channels: dict[str, Channel],
    clock: FrozenClock,
    out: Transcript,
    rng: random.Random,
) -> None:
    general, polls, board = channels["general"], channels["polls"], channels["leaderboard"]
    out.say("== Called It demo: the real bot, a local emulated Discord, a throwaway database ==")
    out.say(
        f"Server 'Forecasters': #general, #polls, #leaderboard; admin ada and {len(people)} members."
    )
    out.say(
        f"Simulated date: {clock.now():%d %b %Y %H:%M} UTC. The bot seeded the ten GPT-4o predictions for 2025."
    )
    await _run(emu, out, admin, "/setup polls-channel", general, channel=polls)
    await _run(emu, out, admin, "/setup leaderboard-channel", general, channel=board)
    await _run(emu, out, people[0], "/prediction show", general, prediction="9")
    await _run(emu, out, admin, "/poll open-all", general, hours=24 * 30)

    poll_messages = {
        int(re.search(r"#(\d+)", m.embeds[0]["title"])[1]): m.id
        for m in emu.messages(polls.id)
        if m.embeds and m.embeds[0]["title"].startswith("Poll ·")
    }  # type: ignore[index]
    ops = []
    first_choice: dict[tuple[int, int], str] = {}
    for number, message_id in sorted(poll_messages.items()):
        yes, half = LEANINGS[number]
        for person in people:
            roll = rng.random()
            emoji = "✅" if roll < yes else "🌓" if roll < yes + half else "❌"
            first_choice[(number, person.id)] = emoji
            ops.append((person.user, message_id, emoji, "add"))
    await emu.burst_reactions(ops)
    out.say(
        f"\n{len(people)} members vote on the ten polls: {len(ops)} reactions arrive in one burst."
    )
    await _wait_votes(bot, len(ops))

    changer, retractor = people[1], people[2]
    old = first_choice[(3, changer.id)]
    new = "❌" if old != "❌" else "✅"
    out.say(
        f"{changer.user.username} changes their mind on #3: {old} -> {new} (the bot removes the older reaction)."
    )
    await changer.react(poll_messages[3], new)
    await emu.wait_for(
        lambda: changer.id not in emu.reactions(poll_messages[3]).get(old, set()), timeout=10
    )
    gone = first_choice[(5, retractor.id)]
    out.say(f"{retractor.user.username} removes their {gone} on #5: their vote is retracted.")
    received = bot.workflows.writer.received
    await retractor.unreact(poll_messages[5], gone)
    await emu.wait_for(lambda: bot.workflows.writer.received > received, timeout=10)
    await bot.workflows.writer.flush()
    await _run(emu, out, people[3], "/poll results", general, prediction="3")

    clock.set(datetime(2025, 12, 30, 18, tzinfo=UTC))
    out.say(
        f"\nSimulated date: {clock.now():%d %b %Y %H:%M} UTC. The admin resolves the predictions."
    )
    for number, outcome, note in DEMO_OUTCOMES:
        options: dict[str, Any] = {"prediction": str(number), "outcome": outcome}
        if note:
            options["note"] = note
        if number == 2:
            options["evidence"] = "https://example.com/specialised-models-2025"
        await _run(emu, out, admin, "/prediction resolve", general, **options)
    await _run(
        emu,
        out,
        admin,
        "/prediction resolve",
        general,
        prediction="4",
        outcome="came_true",
        note="On reflection: inference costs fell sharply.",
    )
    await _run(emu, out, people[4], "/leaderboard", general)
    await _run(emu, out, people[4], "/stats", general)
    await _run(emu, out, people[4], "/scorecard", general, source="GPT-4o")

    clock.set(datetime(2026, 1, 1, 0, 5, tzinfo=UTC))
    out.say(
        f"\nSimulated date: {clock.now():%d %b %Y %H:%M} UTC. The month turns; the scheduler runs."
    )
    await bot.scheduler.tick()
    out.flush()

    async def run(actor: Actor, command: str, where: Channel, **options: Any) -> InteractionResult:
        return await _run(emu, out, actor, command, where, **options)

    await sealed_poll(emu, bot, run, out.say, out.reply, out.flush, admin, people, channels)


async def _wait_votes(bot: CalledItBot, expected: int) -> None:
    for _ in range(600):
        await bot.workflows.writer.flush()
        if bot.workflows.writer.committed >= expected:
            return
        await asyncio.sleep(0.05)
