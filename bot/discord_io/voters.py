"""Who may vote: the server's voter role, known inline for reaction events, looked up for
members a read-back finds that no event showed (one member request each).

Without the privileged members intent no event says a member lost a role, so what is
known goes stale: a read-back that decides (a close, `/poll resync`) asks for each voter
known as allowed before it started, once, paced under the global rate limit. Members known
not to hold the role are not asked again (their reactions never counted)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable

import discord

from bot.discord_io.rate_limit import RateLimiter

log = logging.getLogger(__name__)


class Voters:
    """Each guild's voter role, and what reaction events and lookups told of members' roles."""

    def __init__(
        self,
        http: discord.http.HTTPClient,
        limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._limiter = limiter or RateLimiter()
        self._clock = clock
        self._roles: dict[int, int] = {}
        #: (guild, member) -> (holds the voter role, when that was learnt on `clock`).
        self._holds: dict[tuple[int, int], tuple[bool, float]] = {}

    def now(self) -> float:
        """Return the time on the clock `allowed(since=...)` compares with."""
        return self._clock()

    def load(self, roles: Iterable[tuple[int, int | None]]) -> None:
        """Set the voter role of each (guild, role) given."""
        for guild_id, role_id in roles:
            self.set(guild_id, role_id)

    def set(self, guild_id: int, role_id: int | None) -> None:
        """Set or clear a guild's voter role (what is known of members is forgotten)."""
        if role_id is None:
            self._roles.pop(guild_id, None)
        else:
            self._roles[guild_id] = role_id
        self._holds = {k: v for k, v in self._holds.items() if k[0] != guild_id}

    def role_of(self, guild_id: int) -> int | None:
        """Return a guild's voter role, None when everyone votes."""
        return self._roles.get(guild_id)

    def may_vote(self, guild_id: int, roles: Collection[str] | None, member_id: int) -> bool:
        """Tell from a reaction event's member roles whether a member may vote (and remember it).

        `roles` are the role ids the event's member carries; None when it carries no member.
        """
        role_id = self._roles.get(guild_id)
        if role_id is None:
            return True
        if roles is None:  # removals carry no member: a retraction is harmless anyway
            known = self._holds.get((guild_id, member_id))
            return True if known is None else known[0]
        holds = str(role_id) in roles
        self._holds[(guild_id, member_id)] = (holds, self._clock())
        return holds

    async def allowed(
        self, guild_id: int, member_ids: Iterable[int], *, since: float | None = None
    ) -> set[int]:
        """Return the members who may vote, looking up (one request each) those not seen.

        With `since`, a member known as allowed only from before it is looked up again.
        """
        ids = set(member_ids)
        role_id = self._roles.get(guild_id)
        if role_id is None:
            return ids
        allowed: set[int] = set()
        for member_id in sorted(ids):
            known = self._holds.get((guild_id, member_id))
            if known is None or (known[0] and since is not None and known[1] < since):
                holds = await self._look_up(guild_id, member_id, role_id)
                if holds is not None:
                    known = (holds, self._clock())
                    self._holds[(guild_id, member_id)] = known
                elif known is None:
                    continue  # unknown now: not counted this time, asked again next time
                # else Discord didn't answer a re-check: the last answer stands
            if known[0]:
                allowed.add(member_id)
        return allowed

    async def _look_up(self, guild_id: int, member_id: int, role_id: int) -> bool | None:
        await self._limiter.wait()
        try:
            data = await self._http.get_member(guild_id, member_id)
        except discord.NotFound:
            return False  # the member left: no vote
        except discord.HTTPException:
            log.warning("could not look up member %s of guild %s", member_id, guild_id)
            return None
        return str(role_id) in data.get("roles", [])
