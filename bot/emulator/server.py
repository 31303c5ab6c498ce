"""The Emulator: state, setup helpers, recording and the aiohttp server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from . import permissions as P
from .gateway import GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT, Gateway, dumps
from .models import (
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    emoji_key,
    new_token,
    parse_emoji,
    snowflake,
)
from .ratelimit import RateLimiter
from .rules import MAX_REACTIONS, DiscordError
from .spec import Spec, load_spec

if TYPE_CHECKING:
    from .people import Actor

log = logging.getLogger(__name__)

ReactionOp = tuple[Any, Any, str, Literal["add", "remove"] | bool]


@dataclass
class Violation:
    """A request that broke one of Discord's rules."""

    kind: str
    method: str
    route: str
    status: int
    code: int
    message: str
    detail: Any = None


@dataclass
class RequestRecord:
    """One REST request the emulator served."""

    method: str
    route: str
    path: str
    status: int
    body: Any = None
    at: float = field(default_factory=time.monotonic)


def _id(obj: Any) -> int:
    """Return the integer id of a model, actor, discord.py object or raw id."""
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str):
        return int(obj)
    return int(obj.id)


class Emulator:
    """A local Discord (REST + gateway) on 127.0.0.1 for tests, demos and benchmarks."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "Bot",
        interaction_timeout: float = 3.0,
        ratelimits: bool = True,
        ratelimit_speed: float = 1.0,
        spec_path: str | None = None,
        validate_spec: bool = True,
        validate_responses: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.interaction_timeout = interaction_timeout
        self.bot = User(snowflake(), bot_name, bot=True)
        self.application_id = self.bot.id
        self.owner = User(snowflake(), "app_owner")
        self.privileged_intents = 0
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.users: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.messages_by_id: dict[int, Message] = {}
        self.channel_messages: dict[int, list[Message]] = defaultdict(list)
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.global_commands: dict[tuple[str, int], dict[str, Any]] = {}
        self.guild_commands: dict[int, dict[tuple[str, int], dict[str, Any]]] = defaultdict(dict)
        self.nonces: dict[tuple[int, str], Message] = {}
        self.requests: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.unknown_routes: list[tuple[str, str]] = []
        self.rate_limited: list[RequestRecord] = []
        self.ratelimiter = RateLimiter(enabled=ratelimits, speed=ratelimit_speed)
        self.validate_spec = validate_spec
        self.validate_responses = validate_responses
        self.spec_path = spec_path
        self._spec: Spec | None = None
        self._spec_loaded = False
        self.spec_skipped = False
        self.gateway = Gateway(self)
        self._waiters: list[asyncio.Future[None]] = []
        self._runner: web.AppRunner | None = None
        self.tokens: list[str] = []

    # -- lifecycle ------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the base HTTP URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Return the REST base to put in ``discord.http.Route.BASE``."""
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Return the gateway WebSocket URL."""
        return f"ws://{self.host}:{self.port}/"

    @property
    def spec(self) -> Spec | None:
        """Return the OpenAPI spec (loaded lazily, cached per process) or None if absent."""
        if not self._spec_loaded:
            self._spec_loaded = True
            self._spec = load_spec(self.spec_path)
            self.spec_skipped = self._spec is None
        return self._spec

    def make_app(self) -> web.Application:
        """Build the aiohttp application serving REST, gateway and control routes."""
        from .control import add_control_routes
        from .rest import handle_api

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/v{version:\\d+}/{tail:.*}", self._wrap(handle_api))
        app.router.add_route("*", "/api/{tail:.*}", self._wrap(handle_api))
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        add_control_routes(app, self)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/{tail:.*}", self._gateway_or_404)
        return app

    def _wrap(self, fn: Callable[..., Any]) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            return await fn(self, request)

        return handler

    async def _gateway_or_404(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.gateway.handle(request)
        self.unknown_routes.append((request.method, request.path))
        return web.Response(
            status=404,
            body=b'{"message": "404: Not Found", "code": 0}',
            headers={"Content-Type": "application/json"},
        )

    async def _attachment(self, request: web.Request) -> web.Response:
        aid = int(request.match_info["attachment_id"])
        for msg in self.channel_messages.get(int(request.match_info["channel_id"]), []):
            for att in msg.attachments:
                if att.id == aid:
                    return web.Response(
                        body=att.data, content_type=att.content_type or "application/octet-stream"
                    )
        raise web.HTTPNotFound()

    async def start(self) -> Emulator:
        """Start serving on host:port (port 0 picks a free port)."""
        _ = self.spec if self.validate_spec else None
        self._runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if server is not None and getattr(server, "sockets", None):
            self.port = server.sockets[0].getsockname()[1]
        log.info("Discord emulator listening on %s", self.url)
        return self

    async def stop(self) -> None:
        """Close gateway connections and stop the server."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- waiting --------------------------------------------------------------

    def notify(self) -> None:
        """Wake every `wait_for` waiter to re-check its predicate."""
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked after each request); return it."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = end - loop.time()
            if remaining <= 0:
                raise TimeoutError("condition not met within %.1fs" % timeout)
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fut, min(remaining, 0.25))

    async def wait_until_ready(self, timeout: float = 10.0) -> None:
        """Wait until a bot session has identified or resumed."""
        await asyncio.wait_for(self.gateway.ready_event.wait(), timeout)

    # -- setup helpers --------------------------------------------------------

    def enable_privileged_intents(
        self, *, members: bool = False, presences: bool = False, message_content: bool = False
    ) -> None:
        """Tick the privileged intents in the (emulated) developer portal."""
        self.privileged_intents = (
            (GUILD_MEMBERS if members else 0)
            | (GUILD_PRESENCES if presences else 0)
            | (MESSAGE_CONTENT if message_content else 0)
        )

    def create_user(self, name: str, *, bot: bool = False) -> User:
        """Create a user account."""
        user = User(snowflake(), name, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str = "Test Guild",
        *,
        bot_permissions: int = P.DEFAULT_BOT,
        everyone_permissions: int = P.DEFAULT_EVERYONE,
        channels: Iterable[str] = ("general",),
    ) -> Guild:
        """Create a guild with @everyone, an owner, the bot (with a managed role) and channels."""
        owner = self.create_user(f"{name.lower().replace(' ', '_')}_owner")
        gid = snowflake()
        guild = Guild(gid, name, owner.id)
        guild.roles[gid] = Role(gid, gid, "@everyone", everyone_permissions, 0)
        bot_role = Role(snowflake(), gid, self.bot.username, bot_permissions, 1, managed=True)
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(owner, gid)
        guild.members[self.bot.id] = Member(self.bot, gid, [bot_role.id])
        self.guilds[gid] = guild
        for ch in channels:
            self.create_channel(guild, ch, dispatch=False)
        self.gateway.dispatch("GUILD_CREATE", guild.to_dict(), guild_id=gid)
        return guild

    def bot_role(self, guild: Any) -> Role:
        """Return the bot's managed role in a guild."""
        g = self.guilds[_id(guild)]
        return next(r for r in g.roles.values() if r.managed and r.name == self.bot.username)

    def set_bot_permissions(self, guild: Any, permissions: int) -> None:
        """Set the permission bits of the bot's role in a guild."""
        role = self.bot_role(guild)
        role.permissions = permissions
        self.gateway.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role.to_dict()},
            guild_id=role.guild_id,
        )

    def create_channel(
        self, guild: Any, name: str, *, type: int = 0, dispatch: bool = True
    ) -> Channel:
        """Create a channel in a guild."""
        g = self.guilds[_id(guild)]
        ch = Channel(snowflake(), g.id, name, type=type, position=len(g.channels))
        g.channels[ch.id] = ch
        self.channels[ch.id] = ch
        if dispatch:
            self.gateway.dispatch("CHANNEL_CREATE", ch.to_dict(), guild_id=g.id)
        return ch

    def create_role(
        self, guild: Any, name: str, *, permissions: int = 0, position: int | None = None
    ) -> Role:
        """Create a role in a guild."""
        g = self.guilds[_id(guild)]
        pos = position if position is not None else 1
        role = Role(snowflake(), g.id, name, permissions, pos)
        g.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.to_dict()}, guild_id=g.id
        )
        return role

    def set_overwrite(self, channel: Any, target: Any, *, allow: int = 0, deny: int = 0) -> None:
        """Set a channel permission overwrite for a role or a member (Actor/User/Member/Role)."""
        ch = self.channels[_id(channel)]
        tid = _id(target)
        g = self.guilds[ch.guild_id] if ch.guild_id else None
        kind = 0 if g is not None and tid in g.roles else 1
        ch.overwrites[tid] = Overwrite(tid, kind, allow, deny)
        self.gateway.dispatch("CHANNEL_UPDATE", ch.to_dict(), guild_id=ch.guild_id)

    def add_member(
        self, guild: Any, name: str, *, roles: Iterable[Any] = (), dispatch: bool = True
    ) -> Actor:
        """Create a user, add them to the guild and return an Actor for them."""
        from .people import Actor

        g = self.guilds[_id(guild)]
        user = self.create_user(name)
        member = Member(user, g.id, [_id(r) for r in roles])
        g.members[user.id] = member
        if dispatch:
            self.gateway.dispatch(
                "GUILD_MEMBER_ADD", member.to_dict() | {"guild_id": str(g.id)}, guild_id=g.id
            )
        return Actor(self, g, user)

    def add_admin(self, guild: Any, name: str = "admin") -> Actor:
        """Add a member holding an Administrator role."""
        g = self.guilds[_id(guild)]
        role = next(
            (r for r in g.roles.values() if r.name == "Admin" and r.permissions & P.ADMINISTRATOR),
            None,
        ) or self.create_role(g, "Admin", permissions=P.ADMINISTRATOR, position=5)
        return self.add_member(g, name, roles=[role])

    def actor(self, guild: Any, user: Any) -> Actor:
        """Return an Actor for an existing member."""
        from .people import Actor

        return Actor(self, self.guilds[_id(guild)], self.users[_id(user)])

    def owner_of(self, guild: Any) -> Actor:
        """Return an Actor for the guild owner."""
        g = self.guilds[_id(guild)]
        return self.actor(g, g.owner_id)

    def permissions_for(self, channel: Any, user: Any) -> int:
        """Compute a member's permissions in a channel."""
        ch = self.channels[_id(channel)]
        if ch.guild_id is None:
            return P.ALL & ~P.ADMINISTRATOR
        return P.channel_permissions(self.guilds[ch.guild_id], ch, _id(user))

    # -- messages and reactions -----------------------------------------------

    def store_message(self, msg: Message, *, dispatch: bool = True) -> Message:
        """Store a new message and dispatch MESSAGE_CREATE unless ephemeral."""
        self.messages_by_id[msg.id] = msg
        self.channel_messages[msg.channel_id].append(msg)
        ch = self.channels.get(msg.channel_id)
        if ch is not None:
            ch.last_message_id = msg.id
        if dispatch and not msg.ephemeral:
            self.gateway.dispatch(
                "MESSAGE_CREATE",
                self.message_event(msg),
                guild_id=msg.guild_id,
                redacted=None if msg.author.bot else (lambda: self.message_event(msg, True)),
            )
        self.notify()
        return msg

    def message_event(self, msg: Message, redact: bool = False) -> dict[str, Any]:
        """Return the gateway payload of a message (content redacted without the intent)."""
        data = msg.to_dict(me=self.bot.id)
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
            member = self.guilds[msg.guild_id].members.get(msg.author.id)
            if member is not None:
                data["member"] = member.to_dict(with_user=False)
        if redact and f"<@{self.bot.id}>" not in msg.content:
            data.update(content="", embeds=[], attachments=[], components=[])
        return data

    async def post_message(self, channel: Any, author: Any, content: str, **extra: Any) -> Message:
        """Post a message as a user (not the bot) and dispatch MESSAGE_CREATE."""
        ch = self.channels[_id(channel)]
        user = self.users[_id(author.user if hasattr(author, "user") else author)]
        msg = Message(snowflake(), ch.id, ch.guild_id, user, content=content, **extra)
        return self.store_message(msg)

    def message(self, message_id: Any) -> Message:
        """Return a stored message by id."""
        return self.messages_by_id[_id(message_id)]

    def messages(self, channel_id: Any, *, include_deleted: bool = False) -> list[Message]:
        """Return the messages the bot posted in a channel (including interaction replies)."""
        return [
            m
            for m in self.channel_messages.get(_id(channel_id), [])
            if m.author.id == self.bot.id and (include_deleted or not m.deleted)
        ]

    def all_messages(self, channel_id: Any) -> list[Message]:
        """Return every stored message of a channel, by anyone, including deleted ones."""
        return list(self.channel_messages.get(_id(channel_id), []))

    def reactions(self, message_id: Any) -> dict[str, set[int]]:
        """Return the true reaction state ``{emoji: {user ids}}`` of a message."""
        return self.messages_by_id[_id(message_id)].reaction_state()

    def apply_reaction(
        self, user_id: int, msg: Message, emoji: dict[str, Any], add: bool
    ) -> str | None:
        """Update reaction state; return the gateway payload JSON if the state changed."""
        key = emoji_key(emoji)
        users = msg.reactions.get(key)
        if add:
            if users is None:
                if len([k for k, v in msg.reactions.items() if v]) >= MAX_REACTIONS:
                    raise DiscordError(400, 30010, "Maximum number of reactions reached (20)")
                users = msg.reactions[key] = {}
                msg.reaction_emojis[key] = {"id": emoji.get("id"), "name": emoji.get("name")}
            elif not users and len([k for k, v in msg.reactions.items() if v]) >= MAX_REACTIONS:
                raise DiscordError(400, 30010, "Maximum number of reactions reached (20)")
            if user_id in users:
                return None
            users[user_id] = None
        else:
            if users is None or user_id not in users:
                return None
            del users[user_id]
        d: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(msg.channel_id),
            "message_id": str(msg.id),
            "emoji": msg.reaction_emojis[key],
            "type": 0,
            "burst": False,
        }
        if msg.guild_id is not None:
            d["guild_id"] = str(msg.guild_id)
            if add:
                d["message_author_id"] = str(msg.author.id)
                d["burst_colors"] = []
                member = self.guilds[msg.guild_id].members.get(user_id)
                if member is not None:
                    d["member"] = member.to_dict()
        return dumps(d)

    def react(self, user: Any, message: Any, emoji: str, add: bool = True) -> bool:
        """Add/remove a reaction as a user and dispatch the event; return if state changed."""
        msg = self.messages_by_id[_id(message)]
        djson = self.apply_reaction(_id(user), msg, parse_emoji(emoji), add)
        if djson is None:
            return False
        event = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
        self.gateway.dispatch_many([(event, djson, msg.guild_id)])
        self.notify()
        return True

    async def burst_reactions(self, ops: Iterable[ReactionOp]) -> int:
        """Apply many ``(user, message, emoji, "add"|"remove")`` ops and dispatch them in bulk."""
        events: list[tuple[str, str, int | None]] = []
        msgs = self.messages_by_id
        emoji_cache: dict[str, dict[str, Any]] = {}
        for user, message, emoji, op in ops:
            add = op is True or op == "add"
            msg = msgs[_id(message)]
            em = emoji_cache.get(emoji)
            if em is None:
                em = emoji_cache[emoji] = parse_emoji(emoji)
            try:
                djson = self.apply_reaction(_id(user), msg, em, add)
            except DiscordError:
                continue
            if djson is not None:
                events.append(
                    (
                        "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE",
                        djson,
                        msg.guild_id,
                    )
                )
        n = self.gateway.dispatch_many(events)
        self.notify()
        await asyncio.sleep(0)
        return n

    # -- interactions ---------------------------------------------------------

    def new_interaction(
        self,
        actor: Actor,
        itype: int,
        data: dict[str, Any],
        channel: Channel,
        message: Message | None = None,
    ) -> Interaction:
        """Create an interaction from a person and dispatch INTERACTION_CREATE."""
        guild = self.guilds[channel.guild_id] if channel.guild_id else None
        iid = snowflake()
        token = new_token()
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(channel.id),
            "channel": channel.to_dict()
            | {"permissions": str(self.permissions_for(channel, actor.user))},
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(self.permissions_for(channel, self.bot)),
            "authorizing_integration_owners": {"0": str(guild.id) if guild else "0"},
            "context": 0 if guild else 1,
        }
        if guild is not None:
            member = guild.members[actor.user.id]
            payload["guild_id"] = str(guild.id)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["member"] = member.to_dict() | {
                "permissions": str(self.permissions_for(channel, actor.user))
            }
        else:
            payload["user"] = actor.user.to_dict()
        if message is not None:
            payload["message"] = message.to_dict(me=self.bot.id)
        inter = Interaction(
            iid,
            token,
            itype,
            channel.guild_id,
            channel.id,
            actor.user,
            payload,
            source_message=message,
        )
        self.interactions[iid] = inter
        self.interactions_by_token[token] = inter
        self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=channel.guild_id)
        return inter

    def registered_commands(self, guild: Any | None = None) -> list[dict[str, Any]]:
        """Return the application commands the bot registered (guild ones first)."""
        out: list[dict[str, Any]] = []
        if guild is not None:
            out.extend(self.guild_commands.get(_id(guild), {}).values())
        out.extend(self.global_commands.values())
        return out

    # -- disconnect controls --------------------------------------------------

    async def drop_bot_connection(self, code: int = 4000) -> None:
        """Close the bot's gateway connection; a resumable code makes it RESUME."""
        await self.gateway.drop(code)

    async def invalidate_session(self) -> None:
        """Send op 9 (d: false): the bot must IDENTIFY again and nothing is replayed."""
        await self.gateway.invalidate()

    def hold_connections(self) -> None:
        """Make new gateway connections wait until `release_connections`."""
        self.gateway.hold()

    def release_connections(self) -> None:
        """Let held gateway connections proceed."""
        self.gateway.release()

    @contextlib.asynccontextmanager
    async def bot_offline(
        self, *, invalidate: bool = False, code: int = 4000, wait_ready: float = 10.0
    ) -> AsyncIterator[None]:
        """Keep the bot disconnected inside the block; it RESUMEs (or re-IDENTIFYs) after."""
        self.hold_connections()
        try:
            if invalidate:
                await self.invalidate_session()
                await asyncio.sleep(0.05)
            await self.drop_bot_connection(code)
            yield
        finally:
            self.gateway.ready_event.clear()
            self.release_connections()
        if wait_ready:
            await self.wait_until_ready(wait_ready)

    # -- recording ------------------------------------------------------------

    def violate(
        self, kind: str, method: str, route: str, err: DiscordError, detail: Any = None
    ) -> None:
        """Record a rule violation."""
        log.warning(
            "Discord rule violated: %s %s -> %s %s %s",
            method,
            route,
            err.status,
            err.code,
            err.message,
        )
        self.violations.append(
            Violation(kind, method, route, err.status, err.code, err.message, detail or err.errors)
        )

    def clear_records(self) -> None:
        """Forget recorded requests, violations and unknown routes."""
        self.requests.clear()
        self.violations.clear()
        self.unknown_routes.clear()
        self.rate_limited.clear()

    def assert_clean(self) -> None:
        """Fail if any rule violation or unknown route was recorded."""
        problems = [f"violation: {v}" for v in self.violations]
        problems += [f"unknown route: {m} {p}" for m, p in self.unknown_routes]
        if problems:
            raise AssertionError("Discord emulator recorded problems:\n" + "\n".join(problems))

    def requests_to(self, method: str, route: str) -> list[RequestRecord]:
        """Return recorded requests for a method and route template."""
        return [r for r in self.requests if r.method == method and r.route == route]

    def inject_failure(
        self, pattern: str, status: int = 429, times: int = 1, *, retry_after: float = 0.05
    ) -> None:
        """Answer the next `times` requests matching ``"METHOD /route/{template}"`` with `status`."""
        self.ratelimiter.inject(pattern, status, times, retry_after=retry_after)
