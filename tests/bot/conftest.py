"""The bot through the local Discord emulator: real discord.py client, real sockets, real database.

The database is a SQLite file; a module that marks itself with ``ON_BOTH_BACKENDS`` runs each of
its tests on SQLite and on the embedded PostgreSQL server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from discord_emulator import Actor, Emulator, InteractionResult
from discord_emulator.connect import connect_client
from discord_emulator.models import Channel, Guild, Message

from bot.app import CalledItBot, default_seed
from bot.domain.clock import FrozenClock
from bot.domain.outcomes import Choice
from bot.services import Services
from db.migrate import upgrade
from db.session import Database
from tests.pg import BACKENDS

#: ``pytestmark = ON_BOTH_BACKENDS`` runs a module's world tests on SQLite and PostgreSQL.
ON_BOTH_BACKENDS = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@dataclass
class World:
    """One emulated server with its people, and the bot's database and clock."""

    emu: Emulator
    guild: Guild
    general: Channel
    polls: Channel
    leaderboard: Channel
    admin: Actor
    members: list[Actor]
    clock: FrozenClock
    db_url: str
    bots: list[CalledItBot] = field(default_factory=list)

    @property
    def bot(self) -> CalledItBot:
        """Return the running bot."""
        return self.bots[-1]

    @property
    def services(self) -> Services:
        """Return the running bot's services."""
        return self.bot.services

    async def run(
        self,
        actor: Actor,
        command: str,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
        **options: Any,
    ) -> InteractionResult:
        """Run a slash command as a person in #general and wait for the bot's final answer.

        Discord's own permission hint is bypassed here (as a server owner can override it), so
        these tests prove the bot checks admin rights itself.
        """
        return await actor.run(
            command,
            in_channel=self.general,
            options=options,
            check_permissions=False,
            timeout=timeout,
        )

    def polls_permissions(self) -> discord.Permissions:
        """Return the bot's permissions in #polls as the bot's own cache sees them."""
        guild = self.bot.get_guild(self.guild.id)
        assert guild is not None and guild.me is not None
        channel = guild.get_channel(self.polls.id)
        assert channel is not None
        return channel.permissions_for(guild.me)

    def poll_messages(self, channel: Channel | None = None) -> list[Message]:
        """Return the poll messages posted in a channel."""
        return [
            m
            for m in self.emu.messages((channel or self.polls).id)
            if m.embeds
            and str(m.embeds[0].get("title", "")).startswith(("Poll ·", "Poll closed ·"))
        ]

    def poll_message(self, number: int, channel: Channel | None = None) -> Message:
        """Return the poll message of a prediction number."""
        return next(
            m for m in self.poll_messages(channel) if f"· #{number} ·" in m.embeds[0]["title"]
        )

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot's votes equal the emulator's true reaction state."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            await self.bot.workflows.writer.flush()
            if await self.votes_match_reactions():
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the bot's votes never matched the reactions")
            await asyncio.sleep(0.05)

    async def settle_until(self, condition: Any, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the votes of the (only) open poll satisfy a condition."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            await self.bot.workflows.writer.flush()
            refs = await self.services.polls.open_refs()
            if refs and condition(await self.services.votes.votes_of_poll(refs[0].poll_id)):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition on votes never held")
            await asyncio.sleep(0.05)

    async def votes_match_reactions(self) -> bool:
        """Compare every open poll's stored votes with the message's human reactions."""
        for ref in await self.services.polls.open_refs():
            if await self.services.votes.votes_of_poll(ref.poll_id) != self.expected_votes(
                ref.message_id
            ):
                return False
        return True

    def expected_votes(self, message_id: int) -> dict[int, Choice]:
        """Return the votes the reactions say (one option each in these tests)."""
        humans = {u.id for u in self.emu.users.values() if not u.bot}
        result: dict[int, Choice] = {}
        for emoji, users in self.emu.reactions(message_id).items():
            choice = Choice.from_emoji(emoji)
            if choice is None:
                continue
            for user in users & humans:
                result[user] = choice
        return result

    @contextlib.asynccontextmanager
    async def running(
        self, *, guild_ready_timeout: float | None = 0.05, **bot_options: Any
    ) -> AsyncIterator[CalledItBot]:
        """Run a bot process (fresh objects, same database) until the block ends.

        `guild_ready_timeout` None keeps discord.py's real 2 s wait for guilds after READY.
        """
        database = Database(self.db_url)
        await upgrade(database)
        bot_options.setdefault("cooldown", timedelta(0))  # test_input_limits.py tests it on
        bot = CalledItBot(
            Services.build(database, self.clock),
            seed=default_seed(),
            scheduler_interval=3600,
            **bot_options,
        )
        self.bots.append(bot)
        try:
            async with connect_client(
                self.emu, bot, timeout=20, guild_ready_timeout=guild_ready_timeout
            ):
                await asyncio.wait_for(bot.settled.wait(), 20)
                yield bot
        finally:
            await database.dispose()


@pytest.fixture
async def world(emulator: Emulator, db_url: str) -> AsyncIterator[World]:
    """Return a server with #general, #polls, #leaderboard, an admin and 30 members."""
    guild = emulator.create_guild("Forecasters", channels=("general", "polls", "leaderboard"))
    by_name = {c.name: c for c in guild.channels.values()}
    admin = emulator.add_admin(guild, "ada")
    members = [emulator.add_member(guild, f"member{n:02d}") for n in range(1, 31)]
    clock = FrozenClock(datetime(2025, 11, 3, 9, tzinfo=UTC))
    yield World(
        emu=emulator,
        guild=guild,
        general=by_name["general"],
        polls=by_name["polls"],
        leaderboard=by_name["leaderboard"],
        admin=admin,
        members=members,
        clock=clock,
        db_url=db_url,
    )
    emulator.assert_clean()


@pytest.fixture
async def live(world: World) -> AsyncIterator[World]:
    """Return the world with the bot connected, seeded and settled."""
    async with world.running():
        yield world
