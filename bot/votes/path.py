"""The vote path's pieces over one registry of open polls, and where the writer's reports land."""

from __future__ import annotations

from discord.http import HTTPClient

from bot.discord_io.access import Access
from bot.discord_io.poster import Poster
from bot.discord_io.registry import OpenPolls
from bot.domain.ballots import BallotStyle
from bot.domain.outcomes import Choice
from bot.metrics import Metrics
from bot.services.admin_teller import AdminTeller
from bot.services.votes import VoteService
from bot.votes.brake import GatewayBrake
from bot.votes.clears import ClearFollowUp
from bot.votes.remover import ReactionRemover
from bot.votes.writer import BACKLOG_LIMIT, VoteWriter


class VotePath:
    """The registry, the writer, the remover and the clear follow-up, built in their order.

    It is the writer's ``VoteReports``: superseded reactions go to the remover, committed
    clears to the follow-up, the backlog to the gateway brake. A poll leaving the registry is
    forgotten by the writer.
    """

    def __init__(
        self,
        votes: VoteService,
        polls: OpenPolls,
        http: HTTPClient,
        access: Access,
        poster: Poster,
        notices_: AdminTeller,
        brake: GatewayBrake,
        *,
        max_batch: int = 500,
        max_delay: float = 0.05,
        backlog_limit: int = BACKLOG_LIMIT,
        metrics: Metrics | None = None,
    ) -> None:
        self.brake = brake
        self.writer = VoteWriter(
            votes,
            self,
            max_batch=max_batch,
            max_delay=max_delay,
            backlog_limit=backlog_limit,
            metrics=metrics,
        )
        self.polls = polls
        polls.when_closed(self.writer.forget)  # shared: bot.wiring.DiscordIO
        self.remover = ReactionRemover(
            http, access, self.polls, notices_, current=self.writer.current
        )
        self.clears = ClearFollowUp(self.polls, poster, notices_)

    def superseded(self, items: list[tuple[int, int, Choice]]) -> None:
        """Queue the removal of the reactions a newer vote replaced (sealed polls have none)."""
        polls = self.polls
        items = [
            item
            for item in items
            if (ref := polls.get(item[0])) is None or ref.ballot is not BallotStyle.SEALED
        ]
        if items:
            self.remover.superseded(items)

    def cleared(self, items: list[tuple[int, Choice | None, int]]) -> None:
        """Follow up the clears committed."""
        self.clears.cleared(items)

    def backlog(self, paused: bool) -> None:
        """Stop or resume reading the gateway for the writer's backlog."""
        self.brake.backlog(paused)

    def start(self) -> None:
        """Start the background removals."""
        self.remover.start()

    async def stop(self) -> None:
        """Commit the votes queued, then stop the removals and finish the follow-ups."""
        await self.writer.stop()
        await self.remover.stop()
        await self.clears.stop()
