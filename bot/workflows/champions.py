"""The champion role: after each monthly post, the month's rank-1 members get it, once."""

from __future__ import annotations

import logging

from bot.discord_io.access import Access
from bot.discord_io.roles import RoleKeeper
from bot.domain import notices
from bot.domain.community import champions
from bot.services.admin_teller import AdminTeller
from bot.services.boards import BoardService
from bot.services.champions import ChampionService
from bot.services.guilds import GuildService
from bot.services.outbox import champion_key
from bot.workflows.outbox import Outbox

log = logging.getLogger(__name__)


class ChampionRoles:
    """Claim the month's change, record the champions, then move the role, then finish.

    The champions are recorded before any role moves and each move is recorded after it,
    so a claimant taking over a crashed one (after the claim went stale) does only what is
    left; giving a role a member has, or taking one they lack, changes nothing in Discord.
    Only roles the bot itself added are recorded as given, so only those are taken back: a
    champion who already held the role (from a moderator) keeps it. A crash between adding
    the role and recording it leaves that one role the member's to keep (never wrongly taken).
    """

    def __init__(
        self,
        guilds: GuildService,
        champions: ChampionService,
        boards: BoardService,
        outbox: Outbox,
        roles: RoleKeeper,
        access: Access,
        told: AdminTeller,
    ) -> None:
        self._guilds = guilds
        self._champions = champions
        self._boards = boards
        self._outbox = outbox
        self._roles = roles
        self._access = access
        self._told = told

    async def apply_due(self) -> None:
        """Move each guild's champion role for its latest posted month, once."""
        for config in await self._guilds.with_champion_role():
            if config.champion_role_id is None or not self._access.connected(config.guild_id):
                continue
            try:
                await self._apply(config.guild_id, config.champion_role_id)
            except Exception:  # one guild failing must not stop the others
                log.exception("the champion role of guild %s failed; retried", config.guild_id)

    async def _apply(self, guild_id: int, role_id: int) -> None:
        service = self._champions
        month = await service.latest_posted(guild_id)
        if month is None:
            return
        key = champion_key(guild_id, month)
        if await self._outbox.done(key):
            return
        problem = self._roles.problem(guild_id, role_id)
        if problem is not None:  # the post went out; the role waits until this is fixed
            await self._told.tell(guild_id, notices.champion_role(problem))
            return
        if await self._outbox.claim(key, guild_id) is None:
            return
        board = await self._boards.month(guild_id, month)
        winners = champions(board.ranked)
        changes = await service.plan(guild_id, month, role_id, winners)
        for member_id, old_role in changes.take:
            if (why := await self._roles.take(guild_id, member_id, old_role)) is not None:
                await self._told.tell(guild_id, notices.champion_role(why))
                return
            if member_id not in winners:
                await service.taken(guild_id, member_id)
        for member_id in changes.give:
            if await self._roles.holds(guild_id, member_id, role_id) is not False:
                # A moderator gave it (or the member left): not ours to take back later.
                await service.not_given(guild_id, member_id)
                continue
            if (why := await self._roles.give(guild_id, member_id, role_id)) is not None:
                await self._told.tell(guild_id, notices.champion_role(why))
                return
            await service.given(guild_id, member_id)
        await self._outbox.finish(key)
        await self._told.fixed(guild_id, notices.CHAMPION_KEY)
        log.info("guild %s: %d champion(s) of %s have the role", guild_id, len(winners), month)
