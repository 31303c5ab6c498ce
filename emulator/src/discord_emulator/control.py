"""Control HTTP API under ``/_emulator/`` for driving an out-of-process emulator."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from aiohttp import web

from . import bulk
from .clicks import ClickBurst
from .flood import Flood, Probe
from .models import Channel, Guild, Message, dumps
from .people import Actor
from .rules import DiscordError
from .state import EmulatorState


class ControlTarget(EmulatorState, Protocol):
    """What the control API drives beyond the state: the Emulator's setup helpers."""

    floods: dict[int, Flood]
    click_bursts: dict[int, ClickBurst]
    spec_skipped: bool

    @property
    def api_base(self) -> str:
        """Return the REST base URL."""
        ...

    def create_guild(self, name: str = ..., *, channels: Iterable[str] = ...) -> Guild:
        """Create a guild."""
        ...

    def create_channel(self, guild: Any, name: str) -> Channel:
        """Create a channel in a guild."""
        ...

    def add_member(
        self, guild: Any, name: str, *, dispatch: bool = ..., user_id: int | None = ...
    ) -> Actor:
        """Add a member to a guild."""
        ...

    def actor(self, guild: Any, user: Any) -> Actor:
        """Return an Actor for an existing member."""
        ...

    def messages(self, channel_id: Any) -> list[Message]:
        """Return the messages the bot posted in a channel."""
        ...

    def reactions(self, message_id: Any) -> dict[str, set[int]]:
        """Return the true reaction state of a message."""
        ...

    async def burst_reactions(self, ops: Any) -> int:
        """Apply many reaction ops and dispatch them in bulk."""
        ...

    def start_flood(self, flood: Flood) -> None:
        """Run a flood in the background."""
        ...

    def start_click_burst(
        self,
        message: Any,
        custom_ids: list[str] | None = ...,
        *,
        members: int | list[Any] = ...,
        rate: float | None = ...,
        chunk: int = ...,
        roles: list[Any] | tuple[Any, ...] = ...,
    ) -> ClickBurst:
        """Fire clicks on a message's buttons from many members in the background."""
        ...

    async def drop_bot_connection(self, code: int = ...) -> None:
        """Close the bot's gateway connection(s)."""
        ...


def _ok(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


async def _json(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    return json.loads(raw) if raw else {}


def _summary(emu: ControlTarget, guild: Guild) -> dict[str, Any]:
    """Return what a caller needs of a new guild: its id, "general" and its members."""
    general = next((str(c.id) for c in guild.channels.values() if c.name == "general"), None)
    members = [str(u) for u in guild.members if u not in (emu.bot.id, guild.owner_id)]
    return {"id": str(guild.id), "general": general, "members": members}


def add_control_routes(app: web.Application, emu: ControlTarget) -> None:
    """Register the control routes on an aiohttp app."""

    async def state(request: web.Request) -> web.Response:
        """Summarize the emulator state."""
        return _ok(
            {
                "url": emu.url,
                "api_base": emu.api_base,
                "gateway_url": emu.gateway_url,
                "bot_id": str(emu.bot.id),
                "application_id": str(emu.application_id),
                "guilds": [
                    {"id": str(g.id), "name": g.name, "channels": [str(c) for c in g.channels]}
                    for g in emu.guilds.values()
                ],
                "connected_sessions": len(emu.gateway.connected_sessions()),
                "identifies": emu.gateway.identifies,
                "sessions": [
                    {"shard": list(s.shard), "connected": s.conn is not None, "seq": s.seq}
                    for s in emu.gateway.sessions.values()
                    if not s.invalid
                ],
                "resumes": emu.gateway.resumes,
                "requests": len(emu.requests),
                "rate_limited": len(emu.rate_limited),
                "violations": [v.__dict__ for v in emu.violations],
                "unknown_routes": emu.unknown_routes,
                "spec_skipped": emu.spec_skipped,
                "frames_sent": sum(c.sent for c in emu.gateway.connections),
                "frames_queued": sum(len(c.queue) for c in emu.gateway.connections),
            }
        )

    async def create_guild(request: web.Request) -> web.Response:
        """Create a guild: ``{"name": str, "channels": [str]}``."""
        body = await _json(request)
        g = emu.create_guild(body.get("name", "Guild"), channels=body.get("channels", ["general"]))
        return _ok(
            {
                "id": str(g.id),
                "owner_id": str(g.owner_id),  # an admin for commands run over this API
                "channels": {c.name: str(c.id) for c in g.channels.values()},
            }
        )

    async def bulk_guilds(request: web.Request) -> web.Response:
        """Create many realistic guilds: ``{"count", "channels", "roles", "emojis", "members",
        "member_count"}`` (all optional); answer each guild's id, "general" and members."""
        body = await _json(request)
        count = body.get("member_count")
        shape = bulk.Shape(
            channels=int(body.get("channels", 25)),
            roles=int(body.get("roles", 15)),
            emojis=int(body.get("emojis", 10)),
            members=int(body.get("members", 0)),
            member_count=None if count is None else int(count),
        )
        made = bulk.create_guilds(emu, int(body.get("count", 1)), shape)
        return _ok({"guilds": [_summary(emu, g) for g in made]})

    async def create_channel(request: web.Request) -> web.Response:
        """Create a channel: ``{"name": str}``."""
        body = await _json(request)
        ch = emu.create_channel(int(request.match_info["guild_id"]), body.get("name", "channel"))
        return _ok({"id": str(ch.id)})

    async def create_members(request: web.Request) -> web.Response:
        """Create members: ``{"names": [str]}``, ``{"count": n, "prefix": str}`` or ``{"ids": [id]}``.

        With ``ids`` the users get those ids (named prefix + id), as a copied server's would.
        """
        body = await _json(request)
        gid = int(request.match_info["guild_id"])
        dispatch = bool(body.get("dispatch", False))
        prefix = body.get("prefix", "user")
        if body.get("ids"):
            made = [
                emu.add_member(gid, f"{prefix}{uid}", dispatch=dispatch, user_id=int(uid))
                for uid in body["ids"]
            ]
            return _ok({"ids": [str(actor.user.id) for actor in made]})
        names = body.get("names") or [f"{prefix}{i}" for i in range(int(body.get("count", 1)))]
        ids = [str(emu.add_member(gid, n, dispatch=dispatch).id) for n in names]
        return _ok({"ids": ids})

    async def post_message(request: web.Request) -> web.Response:
        """Post a message as a user (default: the guild owner): ``{"content", "author_id"}``."""
        body = await _json(request)
        ch = emu.channels[int(request.match_info["channel_id"])]
        author = int(body.get("author_id") or emu.guilds[ch.guild_id].owner_id)  # type: ignore[index]
        msg = await emu.post_message(ch, author, body.get("content", ""))
        return _ok({"id": str(msg.id)})

    async def burst(request: web.Request) -> web.Response:
        """Apply reaction ops ``{"ops": [[user_id, message_id, emoji, "add"|"remove"], ...]}``."""
        body = await _json(request)
        ops = [(int(u), int(m), e, op) for u, m, e, op in body.get("ops", [])]
        n = await emu.burst_reactions(ops)
        return _ok({"dispatched": n})

    async def flood(request: web.Request) -> web.Response:
        """Start a reaction flood made here (see flood.py); answer its id at once.

        ``{"message_ids", "member_ids", "cycles", "shift", "remove", "steps", "chunk", "probe":
        {"guild_id", "user_id", "channel_id", "command", "options", "every"}}``
        """
        body = await _json(request)
        probe = body.get("probe")
        steps = list(body.get("steps") or ())
        if not set(steps) <= {"add", "remove"} or steps[:1] == ["remove"]:
            raise web.HTTPBadRequest(text='flood steps are "add" or "remove", the first an "add"')
        started = Flood(
            id=len(emu.floods) + 1,
            message_ids=[int(m) for m in body["message_ids"]],
            member_ids=[int(m) for m in body["member_ids"]],
            cycles=int(body.get("cycles", 1)),
            shift=int(body.get("shift", 0)),
            remove=bool(body.get("remove", False)),
            steps=tuple(str(step) for step in body.get("steps") or ()),
            chunk=int(body.get("chunk", 500)),
            probe=Probe(
                guild_id=int(probe["guild_id"]),
                user_id=int(probe["user_id"]),
                channel_id=int(probe["channel_id"]),
                command=str(probe["command"]),
                options=dict(probe.get("options") or {}),
                every=float(probe.get("every", 0.25)),
            )
            if probe
            else None,
        )
        emu.start_flood(started)
        return _ok({"id": started.id})

    async def flood_report(request: web.Request) -> web.Response:
        """Return a flood's progress, send rate and probe answer times."""
        found = emu.floods.get(int(request.match_info["flood_id"]))
        if found is None:
            raise web.HTTPNotFound()
        return _ok(found.report())

    async def click_burst(request: web.Request) -> web.Response:
        """Start a click burst (see clicks.py); answer its id at once.

        ``{"message_id", "custom_ids" (default: every button), "member_ids" or "members": n,
        "rate": clicks per second (default: all at once), "chunk", "role_ids" (of members made)}``
        """
        body = await _json(request)
        members: int | list[Any] = (
            [int(m) for m in body["member_ids"]]
            if body.get("member_ids")
            else int(body.get("members", 10))
        )
        rate = body.get("rate")
        try:
            started = emu.start_click_burst(
                int(body["message_id"]),
                body.get("custom_ids"),
                members=members,
                rate=None if rate is None else float(rate),
                chunk=int(body.get("chunk", 250)),
                roles=[int(r) for r in body.get("role_ids") or []],
            )
        except DiscordError as err:
            return _ok(err.body(), err.status)
        return _ok({"id": started.id, "member_ids": [str(m) for m in started.member_ids]})

    async def click_burst_report(request: web.Request) -> web.Response:
        """Return a click burst's progress, per-click answer times and failures."""
        found = emu.click_bursts.get(int(request.match_info["burst_id"]))
        if found is None:
            raise web.HTTPNotFound()
        return _ok(found.report())

    async def reactions(request: web.Request) -> web.Response:
        """Return the true reaction state of a message."""
        state = emu.reactions(int(request.match_info["message_id"]))
        return _ok({k: sorted(str(u) for u in v) for k, v in state.items()})

    async def messages(request: web.Request) -> web.Response:
        """Return the messages the bot posted in a channel."""
        cid = int(request.match_info["channel_id"])
        return _ok([m.to_dict() for m in emu.messages(cid)])

    async def settings(request: web.Request) -> web.Response:
        """Change settings: rate limits, interaction timeout, intents, shards, upload limit."""
        body = await _json(request)
        if "ratelimits" in body:
            emu.ratelimiter.enabled = bool(body["ratelimits"])
        if "ratelimit_speed" in body:
            emu.ratelimiter.speed = float(body["ratelimit_speed"])
        if "interaction_timeout" in body:
            emu.interaction_timeout = float(body["interaction_timeout"])
        if "privileged_intents" in body:
            emu.privileged_intents = int(body["privileged_intents"])
        policy = emu.shard_policy
        if "shards" in body:
            policy.recommended = None if body["shards"] is None else int(body["shards"])
        if "max_concurrency" in body:
            policy.max_concurrency = int(body["max_concurrency"])
        if "identify_window" in body:
            policy.identify_window = float(body["identify_window"])
        if "guilds_per_shard" in body:
            policy.guilds_per_shard = int(body["guilds_per_shard"])
        if "gateway_send_buffer" in body:
            size = body["gateway_send_buffer"]
            emu.gateway.send_buffer = None if size is None else int(size)
        if "upload_limit" in body:
            emu.upload_limit = int(body["upload_limit"])
        return _ok({"ok": True})

    async def drop(request: web.Request) -> web.Response:
        """Drop the bot's gateway connection: ``{"code": 4000}``."""
        body = await _json(request)
        await emu.drop_bot_connection(int(body.get("code", 4000)))
        return _ok({"ok": True})

    async def expire_sessions(request: web.Request) -> web.Response:
        """End every gateway session that has no live connection (none can RESUME after)."""
        return _ok({"expired": emu.gateway.expire_disconnected()})

    async def run_command(request: web.Request) -> web.Response:
        """Run a slash command: ``{"guild_id", "user_id", "command", "options", "channel_id"}``."""
        body = await _json(request)
        actor = emu.actor(int(body["guild_id"]), int(body["user_id"]))
        result = await actor.run(
            body["command"], in_channel=body.get("channel_id"), options=body.get("options") or {}
        )
        msg = result.message
        return _ok(
            {
                "response_type": result.response_type,
                "message": msg.to_dict() if msg else None,
                "latency_ms": result.interaction.latency_ms(),
            }
        )

    async def clear(request: web.Request) -> web.Response:
        """Clear a message's reactions: ``{"emoji": optional, "by": optional user id}``."""
        body = await _json(request)
        by = int(body["by"]) if body.get("by") else None
        n = emu.clear_reactions(int(request.match_info["message_id"]), body.get("emoji"), by=by)
        return _ok({"removed": n})

    async def delete_channel(request: web.Request) -> web.Response:
        """Delete a channel or thread (dispatches CHANNEL_DELETE / THREAD_DELETE)."""
        ch = emu.delete_channel(int(request.match_info["channel_id"]))
        return _ok({"id": str(ch.id)})

    async def create_thread(request: web.Request) -> web.Response:
        """Start a thread on a message: ``{"name": str, "by": optional user id}``."""
        body = await _json(request)
        by = int(body["by"]) if body.get("by") else None
        th = emu.create_thread(
            int(request.match_info["message_id"]), body.get("name", "thread"), by=by
        )
        return _ok({"id": str(th.id)})

    async def thread_state(request: web.Request) -> web.Response:
        """Archive or lock a thread: ``{"archived": bool, "locked": bool}`` (either optional)."""
        body = await _json(request)
        th = emu.set_thread_state(
            int(request.match_info["channel_id"]),
            archived=body.get("archived"),
            locked=body.get("locked"),
        )
        return _ok(th.to_dict())

    app.router.add_post("/_emulator/messages/{message_id}/reactions/clear", clear)
    app.router.add_delete("/_emulator/channels/{channel_id}", delete_channel)
    app.router.add_post("/_emulator/messages/{message_id}/threads", create_thread)
    app.router.add_post("/_emulator/threads/{channel_id}/state", thread_state)
    app.router.add_get("/_emulator/state", state)
    app.router.add_post("/_emulator/guilds", create_guild)
    app.router.add_post("/_emulator/guilds/bulk", bulk_guilds)
    app.router.add_post("/_emulator/guilds/{guild_id}/channels", create_channel)
    app.router.add_post("/_emulator/guilds/{guild_id}/members", create_members)
    app.router.add_post("/_emulator/channels/{channel_id}/messages", post_message)
    app.router.add_get("/_emulator/channels/{channel_id}/messages", messages)
    app.router.add_post("/_emulator/reactions/burst", burst)
    app.router.add_post("/_emulator/reactions/flood", flood)
    app.router.add_get("/_emulator/reactions/flood/{flood_id}", flood_report)
    app.router.add_get("/_emulator/messages/{message_id}/reactions", reactions)
    app.router.add_post("/_emulator/clicks/burst", click_burst)
    app.router.add_get("/_emulator/clicks/burst/{burst_id}", click_burst_report)
    app.router.add_post("/_emulator/settings", settings)
    app.router.add_post("/_emulator/drop", drop)
    app.router.add_post("/_emulator/sessions/expire", expire_sessions)
    app.router.add_post("/_emulator/commands/run", run_command)
