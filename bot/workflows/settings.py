"""/setup: a server's settings, each change stored and then followed by what it sets off."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.discord_io.roles import RoleKeeper
from bot.discord_io.voters import Voters
from bot.domain import notices
from bot.domain.ballots import BallotStyle
from bot.domain.errors import InvalidInput
from bot.domain.notices import Notice
from bot.domain.pages import server_link, server_path
from bot.domain.roles import admin_role_problem
from bot.domain.shards import ShardScope
from bot.services.guilds import GuildService
from bot.services.notices import NoticeService
from bot.snapshots.guilds import GuildConfig
from bot.workflows.access_check import AccessCheck
from bot.workflows.admin_channel import AdminChannel


@dataclass(frozen=True, slots=True)
class SettingsShown:
    """A server's settings with what the bot can't do there (disputes left out)."""

    config: GuildConfig
    problems: list[Notice]
    #: Which shard and process serve the server (/setup show only).
    served: str | None = None


@dataclass(frozen=True, slots=True)
class WebPages:
    """The server's settings after /setup web, with its pages' path and full address."""

    config: GuildConfig
    path: str
    #: None when the operator set no public address (WEB_PUBLIC_URL).
    link: str | None


class Settings:
    """Read and change a server's settings; the order of each change's steps lives here."""

    def __init__(
        self,
        guilds: GuildService,
        notices_: NoticeService,
        access_check: AccessCheck,
        admin_channel: AdminChannel,
        roles: RoleKeeper,
        voters: Voters,
        *,
        scope: ShardScope,
        process: str,
        public_url: str | None = None,
    ) -> None:
        self._guilds = guilds
        self._notices = notices_
        self._access_check = access_check
        self._admin_channel = admin_channel
        self._roles = roles
        self._voters = voters
        self._scope = scope
        self._process = process
        self._public_url = public_url

    async def show(self, guild_id: int) -> SettingsShown:
        """Return the settings, the active problems, and who serves this server."""
        config = await self._guilds.get(guild_id)
        problems = _without_disputes(await self._notices.active(guild_id))
        served = f"{self._scope.describe(guild_id)}, process {self._process}"
        return SettingsShown(config, problems, served)

    async def check(self, guild_id: int) -> SettingsShown:
        """Check the bot's permissions where it posts now; return the settings and problems."""
        problems = _without_disputes(await self._access_check.run(guild_id))
        return SettingsShown(await self._guilds.get(guild_id), problems)

    async def polls_channel(self, guild_id: int, channel_id: int) -> GuildConfig:
        """Set the polls channel; notices of deleted poll channels are over."""
        config = await self._guilds.set_polls_channel(guild_id, channel_id)
        await self._notices.clear_deleted_channels(guild_id)
        return config

    async def leaderboard_channel(self, guild_id: int, channel_id: int) -> GuildConfig:
        """Set the monthly leaderboard's channel."""
        return await self._guilds.set_leaderboard_channel(guild_id, channel_id)

    async def admin_role(self, guild_id: int, role: discord.Role) -> GuildConfig:
        """Set the admin role; refuse @everyone and roles Discord manages."""
        problem = admin_role_problem(is_everyone=role.is_default(), managed=role.managed)
        if problem is not None and role.is_default():  # @everyone: the problem names it
            raise InvalidInput(f"{problem}.")
        if problem is not None:
            raise InvalidInput(f"I can't use {role.mention} as the admin role: {problem}.")
        return await self._guilds.set_admin_role(guild_id, role.id)

    async def admin_channel(self, guild_id: int, channel_id: int | None) -> GuildConfig:
        """Set (then post the unseen notices there) or clear the admin channel."""
        config = await self._guilds.set_admin_channel(guild_id, channel_id)
        await self._notices.clear_admin_channel_gone(guild_id)
        if channel_id is not None:
            await self._admin_channel.deliver(guild_id)
        return config

    async def poll_threads(self, guild_id: int, on: bool) -> GuildConfig:
        """Turn a thread on each new poll on or off."""
        return await self._guilds.set_poll_threads(guild_id, on)

    async def champion_role(
        self, guild_id: int, role: discord.Role | None, picker: discord.abc.User
    ) -> GuildConfig:
        """Set or clear the champion role; refuse one the bot or the picker may not hand out."""
        if role is not None and (problem := self._roles.problem(guild_id, role.id)):
            if role.is_default():  # @everyone: the problem names it already
                raise InvalidInput(f"{problem}.")
            raise InvalidInput(f"I can't use {role.mention} as the champion role: {problem}.")
        if role is not None and (problem := self._roles.picker_problem(guild_id, role.id, picker)):
            raise InvalidInput(f"You can't pick {role.mention} as the champion role: {problem}.")
        return await self._guilds.set_champion_role(guild_id, role.id if role else None)

    async def voter_role(self, guild_id: int, role: discord.Role | None) -> GuildConfig:
        """Set or clear the voter role, in the database and then for the votes arriving."""
        if role is not None and role.is_default():
            raise InvalidInput(
                "@everyone can't be the voter role: leave it unset and everyone votes."
            )
        config = await self._guilds.set_voter_role(guild_id, role.id if role else None)
        self._voters.set(guild_id, config.voter_role_id)
        return config

    async def ballot_style(self, guild_id: int, style: BallotStyle) -> GuildConfig:
        """Set how new polls take votes (open polls keep theirs)."""
        return await self._guilds.set_ballot_style(guild_id, style)

    async def dispute_hours(self, guild_id: int, hours: int) -> GuildConfig:
        """Set how many hours after a resolution members may dispute it (0: off)."""
        return await self._guilds.set_dispute_hours(guild_id, hours)

    async def web(self, guild_id: int, on: bool) -> WebPages:
        """Turn the server's public pages on or off; return the settings and the pages' address."""
        config = await self._guilds.set_web(guild_id, on)
        return WebPages(config, server_path(guild_id), server_link(self._public_url, guild_id))

    async def timezone(self, guild_id: int, name: str) -> GuildConfig:
        """Set the time zone months are counted in."""
        return await self._guilds.set_timezone(guild_id, name)


def _without_disputes(found: list[Notice]) -> list[Notice]:
    return [n for n in found if not notices.is_dispute(n.key)]
