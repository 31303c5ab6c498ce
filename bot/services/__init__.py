"""Use cases over the database and an injected clock; each method is one unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.services.boards import BoardService
from bot.services.bot_state import BotStateService
from bot.services.breakdown import BreakdownService
from bot.services.champions import ChampionService
from bot.services.disputes import DisputeService
from bot.services.export import ExportService
from bot.services.guilds import GuildService
from bot.services.names import NameService
from bot.services.notices import NoticeService
from bot.services.outbox import OutboxService
from bot.services.polls import PollService
from bot.services.predictions import PredictionService
from bot.services.receipts import ReceiptService
from bot.services.reminders import ReminderService
from bot.services.resolution import ResolutionService
from bot.services.scorecard import ScorecardService
from bot.services.sets import SetService
from bot.services.shard_state import ShardStateService
from bot.services.tally_cache import ResolvedTallies
from bot.services.votes import VoteService
from db.session import Database


@dataclass(frozen=True, slots=True)
class Services:
    """Every service, sharing one database and one clock."""

    db: Database
    clock: Clock
    guilds: GuildService
    predictions: PredictionService
    polls: PollService
    votes: VoteService
    resolution: ResolutionService
    boards: BoardService
    scorecard: ScorecardService
    export: ExportService
    bot_state: BotStateService
    notices: NoticeService
    names: NameService
    sets: SetService
    breakdown: BreakdownService
    reminders: ReminderService
    disputes: DisputeService
    champions: ChampionService
    shards: ShardStateService
    outbox: OutboxService
    receipts: ReceiptService

    @classmethod
    def build(cls, db: Database, clock: Clock) -> Services:
        """Wire the services together."""
        resolved_tallies = ResolvedTallies()
        boards = BoardService(db, clock, resolved_tallies)
        return cls(
            db=db,
            clock=clock,
            guilds=GuildService(db, clock),
            predictions=PredictionService(db, clock),
            polls=PollService(db, clock),
            votes=VoteService(db, clock),
            resolution=ResolutionService(db, clock),
            boards=boards,
            scorecard=ScorecardService(db, clock),
            export=ExportService(db, clock, boards),
            bot_state=BotStateService(db, clock),
            notices=NoticeService(db, clock),
            names=NameService(db, clock),
            sets=SetService(db, clock),
            breakdown=BreakdownService(db, clock, resolved_tallies),
            reminders=ReminderService(db, clock),
            disputes=DisputeService(db, clock),
            champions=ChampionService(db, clock),
            shards=ShardStateService(db),
            outbox=OutboxService(db, clock),
            receipts=ReceiptService(db, clock),
        )
