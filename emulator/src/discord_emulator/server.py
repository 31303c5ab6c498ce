"""The Emulator: state, setup helpers, recording and the aiohttp server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .clicks import ClickBurst, ClickBurstMixin
from .control import add_control_routes
from .flood import Flood, FloodMixin
from .gateway import Gateway
from .interaction import Interaction
from .messages import MessagesMixin
from .models import Attachment, Channel, Guild, Member, Message, User, id_of, new_token, snowflake
from .people import Actor
from .ratelimit import RateLimiter
from .records import RequestRecord, Violation
from .rest import handle_api
from .route_table import ROUTES
from .rules import DiscordError
from .sessions import SessionsMixin
from .shards import GUILDS_PER_SHARD, IDENTIFY_WINDOW, ShardPolicy
from .spec import Spec, load_spec
from .uploads import UPLOAD_LIMIT
from .world import WorldMixin

log = logging.getLogger(__name__)

__all__ = ["Emulator", "RequestRecord", "Violation"]


class Emulator(WorldMixin, MessagesMixin, SessionsMixin, FloodMixin, ClickBurstMixin):
    """A local Discord (REST + gateway) on 127.0.0.1 for tests, demos and benchmarks."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "Bot",
        interaction_timeout: float = 3.0,
        interaction_token_ttl: float = 15 * 60.0,
        ratelimits: bool = True,
        ratelimit_speed: float = 1.0,
        spec_path: str | None = None,
        validate_spec: bool = True,
        validate_responses: bool = False,
        shards: int | None = None,
        max_concurrency: int = 1,
        identify_window: float | None = None,
        guilds_per_shard: int = GUILDS_PER_SHARD,
        upload_limit: int = UPLOAD_LIMIT,
    ) -> None:
        self.host = host
        self.port = port
        self.interaction_timeout = interaction_timeout
        #: How long an interaction token takes follow-ups and edits (Discord: 15 minutes).
        self.interaction_token_ttl = interaction_token_ttl
        self.bot = User(snowflake(), bot_name, bot=True)
        self.application_id = self.bot.id
        self.owner = User(snowflake(), "app_owner")
        self.privileged_intents = 0
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        #: Channels deleted (by an admin or the bot): kept for inspection, gone from the API.
        self.deleted_channels: dict[int, Channel] = {}
        self.users: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.messages_by_id: dict[int, Message] = {}
        self.channel_messages: dict[int, list[Message]] = defaultdict(list)
        self.interactions: dict[int, Interaction] = {}
        self.floods: dict[int, Flood] = {}
        self.click_bursts: dict[int, ClickBurst] = {}
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
        #: Shard advice, identify limits (window default: 5 s / ratelimit_speed) and history.
        self.shard_policy = ShardPolicy(
            recommended=shards,
            max_concurrency=max_concurrency,
            identify_window=(
                IDENTIFY_WINDOW / max(ratelimit_speed, 1e-9)
                if identify_window is None
                else identify_window
            ),
            guilds_per_shard=guilds_per_shard,
        )
        #: Most bytes of files one message may carry (Discord: 10 MiB in an unboosted guild).
        self.upload_limit = upload_limit
        self.gateway = Gateway(self)
        self._waiters: list[asyncio.Future[None]] = []
        self._runner: web.AppRunner | None = None
        self.tokens: list[str] = []
        #: When set, REST requests with any other bot token are refused with 401 (a bad token).
        self.valid_tokens: set[str] | None = None
        #: (method, route template, async hook) run after a matching request is handled.
        self.request_hooks: list[tuple[str, str, Callable[[Any], Awaitable[None]]]] = []
        #: Files people attached to slash-command options, served like message attachments.
        self.uploads: dict[int, Attachment] = {}
        self._emoji_json: dict[str, str] = {}
        self._member_cache: dict[tuple[int, int], tuple[tuple[int, ...], Member, str]] = {}

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
        app = web.Application(client_max_size=max(64 * 1024 * 1024, 4 * self.upload_limit))
        app.router.add_route("*", "/api/v{version:\\d+}/{tail:.*}", self._serve_api)
        app.router.add_route("*", "/api/{tail:.*}", self._serve_api)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        add_control_routes(app, self)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/{tail:.*}", self._gateway_or_404)
        return app

    async def _serve_api(self, request: web.Request) -> web.StreamResponse:
        return await handle_api(self, request, ROUTES)

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
        upload = self.uploads.get(aid)
        if upload is not None:
            return web.Response(
                body=upload.data, content_type=upload.content_type or "application/octet-stream"
            )
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

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy (re-checked after each request); return it."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = end - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout:.1f}s")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fut, min(remaining, 0.25))

    def upload(
        self, filename: str, data: bytes, *, channel: Any = 0, content_type: str | None = None
    ) -> Attachment:
        """Store a file a person attaches to a command option; return it (its URL serves it)."""
        aid = snowflake()
        att = Attachment(aid, filename, data, content_type)
        att.url = f"{self.url}/attachments/{id_of(channel)}/{aid}/{filename}"
        self.uploads[aid] = att
        return att

    def dispatch_event(
        self, event: str, data: dict[str, Any], *, guild_id: int | None = None
    ) -> int:
        """Send any gateway event as is (e.g. a reaction on an unknown message); return deliveries."""
        delivered = self.gateway.dispatch(event, data, guild_id=guild_id)
        self.notify()
        return delivered

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
        inter = self.make_interaction(actor, itype, data, channel, message)
        inter.connected = bool(self.gateway.connected_sessions())
        self.gateway.dispatch("INTERACTION_CREATE", inter.payload, guild_id=channel.guild_id)
        return inter

    def make_interaction(
        self,
        actor: Any,
        itype: int,
        data: dict[str, Any],
        channel: Channel,
        message: Message | None = None,
        *,
        message_dict: dict[str, Any] | None = None,
    ) -> Interaction:
        """Create and register an interaction from a person, without dispatching it."""
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
            "attachment_size_limit": self.upload_limit,
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
            payload["message"] = message_dict or message.to_dict(me=self.bot.id)
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
        return inter

    def after_request(
        self, method: str, template: str, hook: Callable[[Any], Awaitable[None]]
    ) -> Callable[[], None]:
        """Run `hook(request)` each time a matching request is handled, before it is answered.

        Lets a test make people act at an exact point of the bot's work (say, between two
        pages of a reaction read). Returns a function that removes the hook.
        """
        entry = (method, template, hook)
        self.request_hooks.append(entry)
        return lambda: self.request_hooks.remove(entry)

    def registered_commands(self, guild: Any | None = None) -> list[dict[str, Any]]:
        """Return the application commands the bot registered (guild ones first)."""
        out: list[dict[str, Any]] = []
        if guild is not None:
            out.extend(self.guild_commands.get(id_of(guild), {}).values())
        out.extend(self.global_commands.values())
        return out

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

    def delay_requests(self, pattern: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` requests matching ``"METHOD /route/{template}"`` for `seconds`.

        As when a request is slow on its way: one sent later may be served before it.
        """
        self.ratelimiter.delay(pattern, seconds, times)

    def inject_failure(
        self,
        pattern: str,
        status: int = 429,
        times: int = 1,
        *,
        retry_after: float = 0.05,
        after_processing: bool = False,
    ) -> None:
        """Answer the next `times` requests matching ``"METHOD /route/{template}"`` with `status`.

        With `after_processing` the request is carried out first (a message is created) and
        only its answer is replaced by `status`, as when Discord's reply is lost on the way back.
        """
        self.ratelimiter.inject(
            pattern, status, times, retry_after=retry_after, after_processing=after_processing
        )
