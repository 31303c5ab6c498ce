"""The bot: given services and options, wires the pieces, loads one extension per feature.

Building the pieces is bot/wiring.py; the vote path is bot/votes. Here: the client's options, the
gateway connections (the vote backlog's brake holds them), command sync, and a stop that takes
in every vote the gateway sent before it and commits it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.cooldowns import COOLDOWN, Cooldowns
from bot.domain.seedfile import SeedSet
from bot.domain.seedfile import load as load_seed_file
from bot.domain.shards import ShardScope
from bot.heap import Heap
from bot.metrics import Metrics, shard_states, time_command
from bot.scheduler import Job, Scheduler
from bot.services import Services
from bot.shipped import DEFAULT_SEED
from bot.votes.brake import DRAIN_WAIT, GatewayBrake, acknowledge, last_event
from bot.votes.writer import BACKLOG_LIMIT
from bot.wiring import DiscordIO, Workflows, process_name

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.exts.errors",
    "bot.exts.predictions",
    "bot.exts.polls",
    "bot.exts.votes",
    "bot.exts.boards",
    "bot.exts.setup",
    "bot.exts.ballots",
)
#: Events that say a gateway connection is (again) up.
GATEWAY_UP = frozenset({"connect", "resumed", "shard_connect", "shard_resumed"})
#: discord.py's events after which the bot's permissions in a channel may differ.
PERMISSIONS_MOVED = frozenset(
    {
        "guild_channel_update",
        "guild_channel_delete",
        "guild_role_update",
        "guild_role_delete",
        "member_update",
        "guild_update",
        "guild_available",
        "guild_join",
    }
)

#: Exactly what the bot uses: send and edit messages, embeds, files, reactions, read history,
#: and Manage Messages to remove a member's older vote reaction.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    read_message_history=True,
    manage_messages=True,
    create_public_threads=True,  # /setup threads: a thread on each poll
    send_messages_in_threads=True,  # the reminder in the poll's thread
    manage_threads=True,  # locking a closed poll's thread
    manage_roles=True,  # /setup champion-role
)


def intents() -> discord.Intents:
    """Return guilds + guild message reactions only: no privileged intent."""
    result = discord.Intents.none()
    result.guilds = True
    result.guild_reactions = True
    return result


class CalledItTree(app_commands.CommandTree):
    """The command tree: a command from a server not seeded yet seeds it first."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Seed the interaction's server first if start-up has not yet; then let it run."""
        client = self.client
        if isinstance(client, CalledItBot):
            time_command(client.metrics, interaction)
        if interaction.guild_id is not None and isinstance(client, CalledItBot):
            await client.workflows.startup.ensure_seeded(interaction.guild_id)
        return True


class CalledItBot(commands.Bot):
    """Called It's Discord client."""

    def __init__(
        self,
        services: Services,
        *,
        dev_guild_id: int | None = None,
        seed: SeedSet | None = None,
        scheduler_interval: float = 30.0,
        vote_batch: int = 500,
        vote_delay: float = 0.05,
        vote_backlog: int = BACKLOG_LIMIT,
        scope: ShardScope | None = None,
        cooldown: timedelta = COOLDOWN,
        metrics: Metrics | None = None,
        web_public_url: str | None = None,
        **client_options: Any,
    ) -> None:
        metrics = metrics or Metrics()
        client_options.setdefault("http_trace", metrics.http_trace())  # counts Discord's 429s
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            help_command=None,
            tree_cls=CalledItTree,
            max_messages=None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            allowed_mentions=discord.AllowedMentions.none(),
            # Servers only: Discord offers no command in DMs (the handlers refuse them too).
            allowed_contexts=app_commands.AppCommandContext(guild=True),
            **client_options,
        )
        self.services = services
        #: What /metrics shows of this process (bot/metrics.py).
        self.metrics = metrics
        services.db.on_error = metrics.database_error
        #: Per-member cooldowns of the heavy read commands (/leaderboard, /stats, /scorecard).
        self.cooldowns = Cooldowns(services.clock, cooldown)
        #: The shards this process serves (one process serving all of them by default).
        self.scope = scope or ShardScope()
        #: This process as /setup show and `calledit check` name it: hostname:pid.
        self.process = process_name()
        self.dev_guild_id = dev_guild_id
        #: Slices the gateway's reads and pauses them while too many votes wait.
        self.brake = GatewayBrake(
            self.gateways,
            draining=lambda: self._draining,
            stopped=lambda: self._handled is not None,
        )
        #: The Discord I/O pieces the cogs and workflows share (open polls, voters, roles).
        self.discord_io = DiscordIO.build(self)
        self.workflows = Workflows.build(
            services,
            self,
            self.discord_io,
            self.brake,
            seed=seed,
            vote_batch=vote_batch,
            vote_delay=vote_delay,
            vote_backlog=vote_backlog,
            scope=self.scope,
            process=self.process,
            metrics=metrics,
            web_public_url=web_public_url,
        )
        flows = self.workflows
        #: The process's long-lived heap, frozen out of the garbage collector's way (bot/heap.py).
        self.heap = Heap()
        self.scheduler = Scheduler(
            services.clock,
            self.discord_io.polls,
            (*flows.jobs, Job("heap", self.heap.settle_due)),
            ready=self.wait_until_ready,
            interval=scheduler_interval,
            metrics=metrics,
        )
        metrics.follow(shards=lambda: shard_states(self, self.scope.shard_ids), votes=flows.writer)
        self.synced: str | None = None
        #: How to stop each intake of gateway events (see add_intake).
        self._intakes: list[Callable[[], None]] = []
        #: Each gateway's last event when the intakes stopped: set once the bot stops taking events.
        self._handled: list[tuple[Any, int]] | None = None
        self._closing: asyncio.Task[None] | None = None
        #: Set while stopping reads on to each gateway's ack: votes are taken, nothing else.
        self._draining = False
        #: When the stop signal came, and the votes committed by then.
        self._stop_mark: tuple[float, int] | None = None
        #: Set once on_ready's work (seeding, read-backs) is done; cleared on a new session.
        self.settled = asyncio.Event()

    def add_intake(self, stop: Callable[[], None]) -> None:
        """Register how to stop an intake of gateway events; closing stops them all at once."""
        self._intakes.append(stop)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Run discord.py's usual dispatch, but nothing once closing (votes: bot/votes/intake.py).

        discord.py dispatches "socket_event_type" for every gateway frame; nothing here listens
        to it, and on a reaction flood its listener lookup cost more than the vote itself.
        discord.py's delayed READY (it waits for the guilds to stream in) can outlive close();
        after close the client has no loop, so its dispatch would leave a coroutine that is
        never awaited. A closed bot has nothing to do with an event, nor one that is stopping
        (it reads on only to the gateway's goodbye).
        """
        if event_name == "socket_event_type":  # discord.py's per-frame hook: counted, no more
            self.metrics.event(args[0])
            return
        if event_name in GATEWAY_UP:  # a new or resumed gateway connection
            self.brake.connected(self.workflows.writer.holding)
        elif event_name in PERMISSIONS_MOVED:  # the bot's permissions may have changed
            self.discord_io.access.forget()
        if self.is_closed() or self._handled is not None:
            log.debug("dropping %s: the bot is closed or closing", event_name)
            return
        if self._draining:  # stopping: votes are still taken, commands no longer
            return
        super().dispatch(event_name, *args, **kwargs)

    def gateways(self) -> list[Any]:
        """Return this client's gateway websockets (one; a sharded client has one per shard)."""
        return [self.ws] if self.ws is not None else []

    async def setup_hook(self) -> None:
        """Load extensions, recover and load open polls, and sync commands deliberately."""
        for name in EXTENSIONS:
            await self.load_extension(name)
        await self.workflows.startup.before_connect()
        self.workflows.votes.start()
        await self.sync_commands()
        # The cards' fonts load with the first card (bot/render/cards): 10 MB otherwise held
        # from the start by a process that may never draw one, for a few ms on that card.

    async def sync_commands(self) -> None:
        """Sync to DEV_GUILD_ID when set; globally only when the command set changed.

        Only the process holding shard 0 syncs: the command set is one per application.
        """
        if not self.scope.syncs_commands:
            self.synced = "elsewhere"
            log.info("commands are synced by the process holding shard 0; not syncing")
            return
        if self.dev_guild_id is not None:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            self.synced = "guild"
            log.info("synced commands to the dev guild %s", self.dev_guild_id)
            return
        digest = self.command_hash()
        if await self.services.bot_state.get("commands_hash") == digest:
            self.synced = "unchanged"
            log.info("commands unchanged since the last sync; not syncing")
            return
        await self.tree.sync()
        await self.services.bot_state.set("commands_hash", digest)
        self.synced = "global"
        log.info("synced commands globally")

    def command_hash(self) -> str:
        """Return a hash of the command set as Discord would receive it."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def on_ready(self) -> None:
        """Seed new guilds once and read every open poll back (a new session may have missed events)."""
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))
        self.settled.clear()
        try:
            await self.workflows.startup.connected(self.process)  # the session is up
            await self.workflows.startup.new_session([guild.id for guild in self.guilds])
        except Exception:
            log.exception("start-up work failed; the scheduler retries what is due")
        finally:
            self.heap.settle()  # what the session holds now lives on: freeze it
            self.scheduler.start()
            self.settled.set()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Seed a guild the bot just joined."""
        await self.workflows.startup.seed_once(guild.id)

    def stop_on(self, signal_name: str) -> None:
        """Stop cleanly on a signal (SIGTERM, SIGINT): once; a repeated signal only says so."""
        if self._closing is not None:
            log.info("%s: already stopping", signal_name)
            return
        writer = self.workflows.writer
        log.info("Stopping (%s): %d votes to write…", signal_name, writer.backlog)
        self._stop_mark = (asyncio.get_running_loop().time(), writer.committed)
        self._closing = asyncio.create_task(self._drain_and_close(), name="calledit-stop")

    async def _drain_and_close(self) -> None:
        """Take in what each gateway sent before it heard that we stop, then close.

        A heartbeat now and the gateway's ack to it: every event it sent before the ack is
        read and its vote written, however much was still in the sockets at the signal.
        """
        self._draining = True
        try:
            await asyncio.gather(
                *(
                    acknowledge(gateway, sequence, DRAIN_WAIT)
                    for gateway in self.gateways()
                    if (sequence := last_event(gateway)) is not None
                )
            )
        except Exception:
            log.exception("reading on to the gateway's ack failed; stopping anyway")
        finally:
            self._draining = False
        self.stop_taking()
        await self._close()

    @property
    def stopping(self) -> bool:
        """Return whether the bot is stopping or stopped (a signal or close())."""
        return self._closing is not None

    def stop_taking(self) -> None:
        """Stop reading the gateway and taking events, at once; note each gateway's last event."""
        if self._handled is not None:
            return
        self._handled = []
        self.brake.hold(True)
        for stop in self._intakes:
            stop()
        for gateway in self.gateways():
            sequence = last_event(gateway)
            if sequence is not None:
                self._handled.append((gateway, sequence))

    async def close(self) -> None:
        """Take no more events, commit the votes received, stop background work, disconnect."""
        if self._closing is None:
            self.stop_taking()
            self._closing = asyncio.create_task(self._close(), name="calledit-close")
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        loop = asyncio.get_running_loop()
        writer = self.workflows.writer
        started, committed = self._stop_mark or (loop.time(), writer.committed)
        await self.scheduler.stop()
        self.workflows.read_back.stop()
        await self.workflows.votes.stop()  # the writer commits what it received first
        await self.workflows.buttons.stop()  # presses whose votes just committed are answered
        await self.workflows.counts.stop()
        await self.services.boards.stop()  # reads ahead of the boards: before the database goes
        # Every event up to the noted ones is committed: tell each gateway, and wait for it.
        await asyncio.gather(*(acknowledge(gateway, seq) for gateway, seq in self._handled or ()))
        self.brake.hold(False)  # a paused socket couldn't read Discord's close frame
        await super().close()
        log.info(
            "Stopped: %d votes written on the way out, %.2fs.",
            writer.committed - committed,
            loop.time() - started,
        )


def default_seed() -> SeedSet:
    """Return the shipped set of predictions."""
    return load_seed_file(DEFAULT_SEED)
