"""Build the Discord I/O pieces and the workflows, each handed only what it needs."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass

import discord

from bot.discord_io.access import Access
from bot.discord_io.poster import Poster
from bot.discord_io.rate_limit import RateLimiter
from bot.discord_io.reactions import ReactionsReader
from bot.discord_io.registry import OpenPolls
from bot.discord_io.roles import RoleKeeper
from bot.discord_io.threads import PollThreads
from bot.discord_io.voters import Voters
from bot.domain.seedfile import SeedSet
from bot.domain.shards import ShardScope
from bot.memory import release_free_memory
from bot.metrics import Metrics
from bot.scheduler import Job
from bot.services import Services
from bot.services.admin_teller import AdminTeller
from bot.votes.brake import GatewayBrake
from bot.votes.buttons import ButtonVotes
from bot.votes.filter import VoteFilter
from bot.votes.intake import VoteIntake
from bot.votes.path import VotePath
from bot.votes.remover import ReactionRemover
from bot.votes.writer import BACKLOG_LIMIT, VoteWriter
from bot.workflows.access_check import AccessCheck
from bot.workflows.admin_channel import AdminChannel
from bot.workflows.boards import BoardCommands, leaderboard_file
from bot.workflows.champions import ChampionRoles
from bot.workflows.closing import PollClosing
from bot.workflows.disputing import Disputing
from bot.workflows.editing import PredictionEditing
from bot.workflows.moderation import Moderation
from bot.workflows.monthly import MonthlyPost
from bot.workflows.opening import PollOpening
from bot.workflows.outbox import Outbox
from bot.workflows.read_back import ReadBackWorkflow
from bot.workflows.reminders import Reminders
from bot.workflows.resolving import Resolving
from bot.workflows.sealed_counts import SealedCounts
from bot.workflows.settings import Settings
from bot.workflows.startup import Startup


@dataclass(frozen=True, slots=True)
class DiscordIO:
    """The Discord I/O pieces that cogs and workflows share, each over one client."""

    #: The open polls this process serves, by message id.
    polls: OpenPolls
    #: Who may vote where (the voter role), and member lookups.
    voters: Voters
    #: The roles the bot may hand out (the champion role).
    roles: RoleKeeper
    #: The bulk reads' share of Discord's global limit (read-backs and member lookups).
    limiter: RateLimiter
    #: What the bot may do in a channel, from the gateway's cache.
    access: Access

    @classmethod
    def build(cls, client: discord.Client) -> DiscordIO:
        """Build the pieces over one Discord client's HTTP and cache."""
        limiter = RateLimiter()
        return cls(
            polls=OpenPolls(),
            voters=Voters(client.http, limiter),
            roles=RoleKeeper(client.http, client.get_guild),
            limiter=limiter,
            access=Access(client.get_guild),
        )


@dataclass(frozen=True, slots=True)
class Workflows:
    """Every use case the handlers and the scheduler call."""

    #: The vote path (bot/votes); its writer and remover, which workflows share, are also the
    #: two fields below.
    votes: VotePath
    intake: VoteIntake
    writer: VoteWriter
    remover: ReactionRemover
    opening: PollOpening
    closing: PollClosing
    editing: PredictionEditing
    read_back: ReadBackWorkflow
    resolving: Resolving
    monthly: MonthlyPost
    moderation: Moderation
    access_check: AccessCheck
    startup: Startup
    boards: BoardCommands
    admin_channel: AdminChannel
    reminders: Reminders
    disputing: Disputing
    champions: ChampionRoles
    settings: Settings
    #: Sealed polls' buttons (the vote path's second way in) and their messages' counts.
    buttons: ButtonVotes
    counts: SealedCounts
    #: The scheduled work, run in this order every tick (bot.scheduler).
    jobs: tuple[Job, ...]

    @classmethod
    def build(
        cls,
        services: Services,
        client: discord.Client,
        io: DiscordIO,
        brake: GatewayBrake,
        *,
        seed: SeedSet | None = None,
        vote_batch: int = 500,
        vote_delay: float = 0.05,
        vote_backlog: int = BACKLOG_LIMIT,
        scope: ShardScope | None = None,
        claimant: str | None = None,
        process: str | None = None,
        metrics: Metrics | None = None,
        web_public_url: str | None = None,
    ) -> Workflows:
        """Wire the pieces over one Discord client; none of them gets the client itself."""
        scope = scope or ShardScope()
        access = io.access
        told = AdminTeller(services.notices)
        poster = Poster(
            lambda channel_id, guild_id: client.get_partial_messageable(
                channel_id, guild_id=guild_id
            ),
            access,
            told,
            lambda: client.user.id if client.user is not None else None,
        )
        admin_channel = AdminChannel(services.guilds, services.notices, poster, access)
        told.on_fresh = admin_channel.deliver
        polls, voters = io.polls, io.voters
        votes = VotePath(
            services.votes,
            polls,
            client.http,
            access,
            poster,
            told,
            brake,
            max_batch=vote_batch,
            max_delay=vote_delay,
            backlog_limit=vote_backlog,
            metrics=metrics,
        )
        writer, remover = votes.writer, votes.remover
        moderation = Moderation(services.guilds, services.polls, polls, writer, told)
        read_back = ReadBackWorkflow(
            services.polls,
            services.votes,
            ReactionsReader(client.http, io.limiter),
            polls,
            writer,
            remover,
            access,
            told,
            poster,
            voters,
            metrics,
        )
        threads = PollThreads(client.http, access, told)
        opening = PollOpening(
            services.guilds, services.polls, poster, polls, told, threads, voters, scope=scope
        )
        process = process or process_name()
        claimant = claimant or f"{process}:{secrets.token_hex(3)}"
        outbox = Outbox(services.outbox, poster, claimant)
        counts = SealedCounts(services.predictions, services.votes, poster, polls, voters)
        closing = PollClosing(
            services.polls,
            services.predictions,
            read_back,
            writer,
            polls,
            poster,
            outbox,
            services.clock,
            threads,
            scope=scope,
            counts_settled=counts.settled,
        )
        disputing = Disputing(services.disputes, told)
        resolving = Resolving(
            services.guilds,
            services.resolution,
            read_back,
            writer,
            closing,
            outbox,
            disputing,
            scope=scope,
            boards=services.boards,
        )
        monthly = MonthlyPost(
            services.guilds,
            services.boards,
            services.sets,
            outbox,
            access,
            lambda board, server: leaderboard_file(services.names, board, server),
            scope=scope,
        )
        reminders = Reminders(services.reminders, services.guilds, outbox, access, services.clock)
        champions = ChampionRoles(
            services.guilds, services.champions, services.boards, outbox, io.roles, access, told
        )
        jobs = (  # the scheduled work, in the order each tick runs it
            Job("read-back retries", read_back.retry_unanswered),
            Job("polls due to close", closing.close_due),
            Job("missing poll results", closing.post_missing_results),
            Job("missing announcements", resolving.announce_missing),
            Job("monthly post", monthly.post_due),
            Job("champion role", champions.apply_due),
            Job("reminders", reminders.post_due),
            Job("weekly digest", reminders.post_digests),
            Job("admin channel notices", admin_channel.deliver_all),
            Job("free memory back to the system", release_free_memory),
        )
        intake = VoteIntake(
            polls,
            VoteFilter(
                writer,
                voters,
                remover,
                me=lambda: client.user.id if client.user is not None else None,
                now=services.clock.now,
                after_retraction=read_back.after_retraction,
            ),
        )
        buttons = ButtonVotes(
            writer, polls, voters, services.votes, now=services.clock.now, counted=counts.changed
        )
        access_check = AccessCheck(
            services.guilds, services.notices, poster, access, polls, remover, told
        )
        return cls(
            votes=votes,
            intake=intake,
            writer=writer,
            remover=remover,
            opening=opening,
            closing=closing,
            editing=PredictionEditing(services.predictions, services.guilds, poster),
            read_back=read_back,
            resolving=resolving,
            monthly=monthly,
            moderation=moderation,
            access_check=access_check,
            startup=Startup(
                services.boards,
                services.polls,
                services.predictions,
                services.shards,
                polls,
                opening,
                closing,
                read_back,
                seed,
                scope=scope,
            ),
            boards=BoardCommands(
                services.boards, services.names, services.breakdown, services.scorecard
            ),
            admin_channel=admin_channel,
            reminders=reminders,
            disputing=disputing,
            champions=champions,
            settings=Settings(
                services.guilds,
                services.notices,
                access_check,
                admin_channel,
                io.roles,
                voters,
                scope=scope,
                process=process,
                public_url=web_public_url,
            ),
            buttons=buttons,
            counts=counts,
            jobs=jobs,
        )


def process_name() -> str:
    """Return this process as operators find it: hostname:pid."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"
