"""The gateway: WebSocket sessions, intents, dispatch, RESUME replay and disconnect controls."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from .connection import Connection, Session
from .models import Guild, User, dumps
from .rules import DiscordError
from .shards import INVALID_SHARD, SHARDING_REQUIRED, ShardPolicy, parse_shard, shard_for

log = logging.getLogger(__name__)

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MODERATION = 1 << 2
GUILD_EXPRESSIONS = 1 << 3
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
MESSAGE_CONTENT = 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": GUILDS,
    "GUILD_UPDATE": GUILDS,
    "GUILD_DELETE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "GUILD_ROLE_DELETE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "THREAD_CREATE": GUILDS,
    "THREAD_UPDATE": GUILDS,
    "THREAD_DELETE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
    "MESSAGE_CREATE": GUILD_MESSAGES,
    "MESSAGE_UPDATE": GUILD_MESSAGES,
    "MESSAGE_DELETE": GUILD_MESSAGES,
    "MESSAGE_DELETE_BULK": GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": GUILD_MESSAGE_REACTIONS,
}

#: Events outside guilds (DMs) need the direct-message intents instead.
DM_EVENT_INTENTS: dict[str, int] = {
    "MESSAGE_CREATE": DIRECT_MESSAGES,
    "MESSAGE_UPDATE": DIRECT_MESSAGES,
    "MESSAGE_DELETE": DIRECT_MESSAGES,
    "MESSAGE_REACTION_ADD": DIRECT_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": DIRECT_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": DIRECT_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": DIRECT_MESSAGE_REACTIONS,
}


def intent_for(event: str, guild_id: int | None) -> int:
    """Return the intent an event needs (a DM event needs a direct-message intent)."""
    if guild_id is None and event in DM_EVENT_INTENTS:
        return DM_EVENT_INTENTS[event]
    return EVENT_INTENTS.get(event, 0)


HEARTBEAT_INTERVAL_MS = 41250


class GatewayHost(Protocol):
    """What the gateway reads of the emulator: the bot, its guilds, intents and shard rules."""

    bot: User
    application_id: int
    privileged_intents: int
    guilds: dict[int, Guild]
    shard_policy: ShardPolicy

    @property
    def gateway_url(self) -> str:
        """Return the gateway WebSocket URL (READY's resume URL)."""
        ...

    def violate(
        self, kind: str, method: str, route: str, err: DiscordError, detail: Any = None
    ) -> None:
        """Record a rule violation."""
        ...


class Gateway:
    """Serve the gateway WebSocket and dispatch events to sessions."""

    def __init__(self, emu: GatewayHost) -> None:
        self.emu = emu
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.released = asyncio.Event()
        self.released.set()
        self.ready_event = asyncio.Event()
        self.identifies = 0
        self.resumes = 0
        self.closes: list[int] = []
        #: The kernel send buffer of each gateway socket, in bytes (None: the kernel's own
        #: autotuning, up to several MB). A gateway keeps a bounded buffer per connection;
        #: with a small one, what waits between the emulator and a slow reader stays small.
        self.send_buffer: int | None = None

    # -- connection lifecycle -------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Handle one gateway WebSocket connection."""
        await self.released.wait()
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True, compress=False)
        await ws.prepare(request)
        sock = request.transport.get_extra_info("socket") if request.transport else None
        if self.send_buffer and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer)
        conn = Connection(ws)
        self.connections.add(conn)
        conn.send(
            dumps(
                {"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}
            )
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    if msg.type == WSMsgType.BINARY:
                        await conn.close(4002)
                    continue
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await conn.close(4002)
                    break
                await self._on_payload(conn, payload)
                if conn.closed:
                    break
        finally:
            server_closed = conn.closed
            conn.closed = True
            conn.wake.set()
            conn.writer.cancel()
            self.connections.discard(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                if not server_closed and ws.close_code in (1000, 1001):
                    # A clean client-side close ends the session, as on Discord.
                    session.invalid = True
                    self.sessions.pop(session.id, None)
        return ws

    async def _on_payload(self, conn: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == 1:
            if conn.session is not None and isinstance(data, int):
                conn.session.acked = data
            conn.send('{"op":11,"s":null,"t":null,"d":null}')
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.close(4003)
        elif op == 8:
            self._request_members(conn, data or {})
        elif op in (3, 4, 31):
            return
        else:
            await conn.close(4001)

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(4005)
            return
        intents = int(data.get("intents", 0))
        missing = intents & PRIVILEGED & ~self.emu.privileged_intents
        if missing:
            log.info("IDENTIFY asked for privileged intents %s not enabled: closing 4014", missing)
            self.closes.append(4014)
            await conn.close(4014)
            return
        shard = await self._check_shard(conn, data.get("shard"))
        if shard is None:
            return
        session = Session(id=secrets.token_hex(16), intents=intents, shard=shard)
        self.sessions[session.id] = session
        session.conn = conn
        conn.session = session
        self.identifies += 1
        emu = self.emu
        guilds = [g for g in emu.guilds.values() if session.sees_guild(g.id)]
        me = emu.bot.to_dict() | {"verified": True, "mfa_enabled": False, "email": None}
        ready = {
            "v": 10,
            "user": me,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": emu.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(emu.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
        }
        self._send_event(session, "READY", dumps(ready))
        for g in guilds:
            self._send_event(session, "GUILD_CREATE", dumps(self._guild_payload(session, g)))
        self.ready_event.set()

    async def _check_shard(self, conn: Connection, value: Any) -> tuple[int, int] | None:
        """Validate IDENTIFY's shard and the identify rate limit; close or refuse if broken."""
        policy = self.emu.shard_policy
        shard = parse_shard(value)
        counts = {s.shard[1] for s in self.connected_sessions()}
        if shard is None or (counts and counts != {shard[1]}):
            log.info("IDENTIFY with invalid shard %r (live counts %s): closing 4010", value, counts)
            self.closes.append(INVALID_SHARD)
            await conn.close(INVALID_SHARD)
            return None
        owned = sum(1 for gid in self.emu.guilds if shard_for(gid, shard[1]) == shard[0])
        if owned > policy.guilds_per_shard:
            log.info("shard %s would hold %s guilds: closing 4011", shard, owned)
            self.closes.append(SHARDING_REQUIRED)
            await conn.close(SHARDING_REQUIRED)
            return None
        early = policy.too_soon(shard[0])
        if early > 0:
            err = DiscordError(429, 0, "IDENTIFY sent faster than max_concurrency per window")
            detail = {"shard": list(shard), "bucket": policy.bucket(shard[0]), "early_s": early}
            self.emu.violate("identify", "GATEWAY", "IDENTIFY", err, detail)
            conn.send('{"op":9,"s":null,"t":null,"d":false}')
            return None
        policy.record(shard[0])
        return shard

    def _guild_payload(self, session: Session, guild: Any) -> dict[str, Any]:
        data = guild.to_dict()
        if not session.intents & GUILD_MEMBERS:
            bot_member = guild.members.get(self.emu.bot.id)
            data["members"] = [bot_member.to_dict()] if bot_member else []
        return data

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        oldest = session.buffer[0][0] if session and session.buffer else None
        if session is None or session.invalid or (oldest is not None and seq + 1 < oldest):
            conn.send('{"op":9,"s":null,"t":null,"d":false}')
            return
        if session.conn is not None and session.conn is not conn:
            old = session.conn
            session.conn = None
            await old.close(4000)
        session.conn = conn
        conn.session = session
        session.resumed_count += 1
        self.resumes += 1
        for s, frame in session.buffer:
            if s > seq:
                conn.send(frame)
        self._send_event(session, "RESUMED", "{}")
        self.ready_event.set()

    def _request_members(self, conn: Connection, data: dict[str, Any]) -> None:
        session = conn.session
        assert session is not None
        gid = int(data.get("guild_id", 0))
        guild = self.emu.guilds.get(gid)
        if guild is None:
            return
        members = list(guild.members.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.user.id in wanted]
        elif data.get("query"):
            q = str(data["query"]).lower()
            members = [m for m in members if m.user.username.lower().startswith(q)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(gid),
            "members": [m.to_dict() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        self._send_event(session, "GUILD_MEMBERS_CHUNK", dumps(chunk))

    # -- dispatch -------------------------------------------------------------

    def _send_event(self, session: Session, event: str, djson: str) -> None:
        session.seq += 1
        frame = f'{{"op":0,"s":{session.seq},"t":"{event}","d":{djson}}}'
        session.buffer.append((session.seq, frame))
        if session.conn is not None:
            session.conn.send(frame)

    def _live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if not s.invalid]

    def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        redacted: Callable[[], dict[str, Any]] | None = None,
    ) -> int:
        """Dispatch an event to every session that requested its intent; return deliveries."""
        need = intent_for(event, guild_id)
        djson: str | None = None
        rjson: str | None = None
        n = 0
        for session in self._live_sessions():
            if need and not session.intents & need:
                continue
            if not session.sees_guild(guild_id):
                continue
            if redacted is not None and not session.intents & MESSAGE_CONTENT:
                if rjson is None:
                    rjson = dumps(redacted())
                self._send_event(session, event, rjson)
            else:
                if djson is None:
                    djson = dumps(data)
                self._send_event(session, event, djson)
            n += 1
        return n

    def dispatch_many(self, events: Iterable[tuple[str, str, int | None]]) -> int:
        """Dispatch pre-serialized ``(event, data_json, guild_id)`` triples as fast as possible."""
        sessions = self._live_sessions()
        n = 0
        for session in sessions:
            intents = session.intents
            buf = session.buffer
            conn = session.conn
            seq = session.seq
            out: list[str] = []
            for event, djson, guild_id in events:
                need = EVENT_INTENTS.get(event, 0) if guild_id else intent_for(event, guild_id)
                if (need and not intents & need) or not session.sees_guild(guild_id):
                    continue
                seq += 1
                frame = f'{{"op":0,"s":{seq},"t":"{event}","d":{djson}}}'
                buf.append((seq, frame))
                out.append(frame)
            session.seq = seq
            n += len(out)
            if conn is not None and not conn.closed and out:
                conn.queue.extend(out)
                conn.wake.set()
        return n

    # -- controls -------------------------------------------------------------

    def connected_sessions(self) -> list[Session]:
        """Return sessions with a live connection."""
        return [s for s in self.sessions.values() if s.conn is not None and not s.conn.closed]

    def expire_disconnected(self) -> int:
        """End every session whose connection is gone, as Discord does a while after; count them."""
        gone = [
            key
            for key, session in self.sessions.items()
            if session.conn is None or session.conn.closed
        ]
        ended = 0
        for key in gone:
            session = self.sessions.pop(key)
            ended += not session.invalid
            session.invalid = True
        return ended

    def _of_shard(self, sessions: list[Session], shard_id: int | None) -> list[Session]:
        return [s for s in sessions if shard_id is None or s.shard[0] == shard_id]

    async def drop(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        """Close live connections (of one shard, or all) with a close code; sessions stay."""
        for session in self._of_shard(self.connected_sessions(), shard_id):
            conn = session.conn
            session.conn = None
            self.ready_event.clear()
            if conn is not None:
                await conn.close(code)
        self.closes.append(code)

    def request_reconnect(self, *, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT (to one shard, or all): clients reconnect and RESUME."""
        for session in self._of_shard(self.connected_sessions(), shard_id):
            if session.conn is not None:
                session.conn.send('{"op":7,"s":null,"t":null,"d":null}')

    async def invalidate(self, *, shard_id: int | None = None) -> None:
        """Send op 9 (d: false) to every session (of one shard, or all) and forget them."""
        self.ready_event.clear()
        for session in self._of_shard(list(self.sessions.values()), shard_id):
            session.invalid = True
            if session.conn is not None:
                session.conn.send('{"op":9,"s":null,"t":null,"d":false}')
            self.sessions.pop(session.id, None)

    def sessions_of_shard(self, shard_id: int) -> list[Session]:
        """Return the live (not invalidated) sessions identified as a shard."""
        return [s for s in self._live_sessions() if s.shard[0] == shard_id]

    def hold(self) -> None:
        """Hold new gateway connections until `release` is called."""
        self.released.clear()

    def release(self) -> None:
        """Let held gateway connections proceed."""
        self.released.set()

    async def close_all(self) -> None:
        """Close every connection with 1001 (server going away)."""
        self.released.set()
        for conn in list(self.connections):
            await conn.close(1001)
