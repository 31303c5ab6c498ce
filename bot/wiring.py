"""Build the Discord I/O pieces and the workflows, each handed only what it needs."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass

import discord

from bot.discord_io.access import Access
from bot.discord_io.admin_notices import AdminNotices
from bot.discord_io.pacing import Pacer
from bot.discord_io.poster import Poster
from bot.discord_io.reactions import ReactionsReader
from bot.discord_io.registry import OpenPolls
from bot.discord_io.roles import RoleKeeper
from bot.discord_io.threads import PollThreads
from bot.discord_io.voters import Voters
from bot.domain.seedfile import SeedSet
from bot.domain.shards import ShardScope
from bot.scheduler import Job
from bot.services import Services
from bot.votes.brake import GatewayBrake
from bot.votes.filter import VoteFilter
from bot.votes.intake import VoteIntake
from bot.votes.path import VotePath
from bot.votes.remover import ReactionRemover
from bot.votes.writer import BACKLOG_LIMIT, VoteWriter
from bot.workflows.access_check import AccessCheck
from bot.workflows.admin_channel import AdminChannel
from bot.workflows.cards import BoardCards, leaderboard_file
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
from bot.workflows.startup import Startup


@dataclass(frozen=True, slots=True)
class Workflows:
    """Every use case the handlers and the scheduler call, and the pieces they share."""

    #: The vote path (bot/votes); its registry, writer and remover, which workflows share,
    #: are also the three fields below.
    votes: VotePath
    intake: VoteIntake
    polls: OpenPolls
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
    cards: BoardCards
    admin_channel: AdminChannel
    reminders: Reminders
    disputing: Disputing
    champions: ChampionRoles
    roles: RoleKeeper
    voters: Voters
    #: The scheduled work, run in this order every tick (bot.scheduler).
    jobs: tuple[Job, ...]

    @classmethod
    def build(
        cls,
        services: Services,
        client: discord.Client,
        brake: GatewayBrake,
        *,
        seed: SeedSet | None = None,
        vote_batch: int = 500,
        vote_delay: float = 0.05,
        vote_backlog: int = BACKLOG_LIMIT,
        scope: ShardScope | None = None,
        claimant: str | None = None,
    ) -> Workflows:
        """Wire the pieces over one Discord client; none of them gets the client itself."""
        scope = scope or ShardScope()
        access = Access(client.get_guild)
        told = AdminNotices(services.notices)
        poster = Poster(
            lambda channel_id, guild_id: client.get_partial_messageable(
                channel_id, guild_id=guild_id
            ),
            access,
            told,
            lambda: client.user.id if client.user is not None else None,
        )
        admin_channel = AdminChannel(services, poster, access)
        told.on_fresh = admin_channel.deliver
        votes = VotePath(
            services.votes,
            client.http,
            access,
            poster,
            told,
            brake,
            max_batch=vote_batch,
            max_delay=vote_delay,
            backlog_limit=vote_backlog,
        )
        polls, writer, remover = votes.polls, votes.writer, votes.remover
        moderation = Moderation(services, polls, writer, told)
        pacer = Pacer()  # the read-back's reads and member lookups share the global limit
        voters = Voters(client.http, pacer)
        read_back = ReadBackWorkflow(
            services,
            ReactionsReader(client.http, pacer),
            polls,
            writer,
            remover,
            access,
            told,
            poster,
            voters,
        )
        threads = PollThreads(client.http, access, told)
        opening = PollOpening(services, poster, polls, told, threads, voters, scope=scope)
        claimant = claimant or f"{process_name()}:{secrets.token_hex(3)}"
        outbox = Outbox(services.outbox, poster, claimant)
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
        )
        disputing = Disputing(services, told)
        roles = RoleKeeper(client.http, client.get_guild)
        resolving = Resolving(
            services.guilds,
            services.resolution,
            read_back,
            writer,
            closing,
            outbox,
            disputing,
            scope=scope,
        )
        monthly = MonthlyPost(
            services.guilds,
            services.boards,
            services.sets,
            outbox,
            access,
            lambda board, server: leaderboard_file(services, board, server),
            scope=scope,
        )
        reminders = Reminders(services.reminders, services.guilds, outbox, access, services.clock)
        champions = ChampionRoles(
            services.guilds, services.champions, services.boards, outbox, roles, access, told
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
        return cls(
            votes=votes,
            intake=intake,
            polls=polls,
            writer=writer,
            remover=remover,
            opening=opening,
            closing=closing,
            editing=PredictionEditing(services, poster),
            read_back=read_back,
            resolving=resolving,
            monthly=monthly,
            moderation=moderation,
            access_check=AccessCheck(services, poster, access, polls, remover, told),
            startup=Startup(services, polls, opening, closing, read_back, seed, scope=scope),
            cards=BoardCards(services),
            admin_channel=admin_channel,
            reminders=reminders,
            disputing=disputing,
            champions=champions,
            roles=roles,
            voters=voters,
            jobs=jobs,
        )


def process_name() -> str:
    """Return this process as operators find it: hostname:pid."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"
