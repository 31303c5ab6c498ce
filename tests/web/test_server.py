"""The HTTP server on a real socket: headers, plain errors, methods, the rate limit, binding."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.config import ConfigError, load_settings
from bot.domain.errors import InvalidInput
from bot.domain.token_bucket import TokenBuckets
from bot.metrics import Metrics
from bot.web.ops import Ops, web_servers
from bot.web.proxies import Proxies
from bot.web.server import SECURITY_HEADERS, WebServer
from db.session import Database


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("secret detail /home/user/bot.py line 12")


async def _cached(request: web.Request) -> web.Response:
    return web.Response(text="page", headers={"Cache-Control": "public, max-age=60"})


def _routes(app: web.Application) -> None:
    app.router.add_get("/boom", _boom)
    app.router.add_get("/cached", _cached)
    app.router.add_get("/item/{id:\\d+}", _cached)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'web.db'}")
    yield db
    await db.dispose()


async def get(url: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
    """Request a URL; return status, body and headers."""
    async with aiohttp.ClientSession() as session, session.request(method, url) as response:
        return response.status, await response.text(), dict(response.headers)


async def test_answers_carry_security_headers_and_plain_errors(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    ops = Ops(database, Metrics())
    async with WebServer("127.0.0.1", 0, [ops.install, _routes]) as server:
        base = f"http://127.0.0.1:{server.port}"
        status, body, headers = await get(f"{base}/healthz")
        assert (status, body) == (200, "ok\n")
        for name, value in SECURITY_HEADERS.items():
            assert headers[name] == value
        assert "script-src" not in headers["Content-Security-Policy"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["Cache-Control"] == "no-store"
        assert headers["Server"] == "calledit"  # not aiohttp's name and version
        assert (await get(f"{base}/cached"))[2]["Cache-Control"] == "public, max-age=60"
        for path in ("/nope", "/item/abc", "/item/1/x", "/%2e%2e/etc/passwd", "/healthz/"):
            status, body, headers = await get(base + path)
            assert (status, body) == (404, "Not found\n"), path
            assert headers["X-Content-Type-Options"] == "nosniff"
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status, body, headers = await get(f"{base}/healthz", method)
            assert (status, body) == (405, "Method not allowed\n"), method
            assert headers["Allow"] == "GET, HEAD"
        status, body, _ = await get(f"{base}/healthz", "HEAD")
        assert (status, body) == (200, "")
        status, body, headers = await get(f"{base}/boom")
        assert (status, body) == (500, "Internal error\n")
        assert "secret" not in body and "Traceback" not in body
        assert headers["Cache-Control"] == "no-store"
    assert any("HTTP GET /boom failed" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_an_address_past_its_rate_gets_429_with_retry_after(database: Database) -> None:
    clock = Clock()
    ops = Ops(database, Metrics())
    server = WebServer("127.0.0.1", 0, [ops.install], rate=2, burst=5, clock=clock)
    async with server, aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{server.port}/healthz"
        statuses = []
        for _ in range(7):
            async with session.get(url) as response:
                statuses.append(response.status)
                retry = response.headers.get("Retry-After")
        assert statuses == [200] * 5 + [429] * 2
        assert retry == "1"
        clock.now += 1.0  # two more tokens a second later
        for expected in (200, 200, 429):
            async with session.get(url) as response:
                assert response.status == expected


async def test_behind_a_trusted_proxy_each_client_has_its_own_rate(database: Database) -> None:
    clock = Clock()
    ops = Ops(database, Metrics())
    proxy = Proxies.parse("127.0.0.0/8")  # a network: the proxy's address may change
    server = WebServer("127.0.0.1", 0, [ops.install], rate=1, burst=2, proxies=proxy, clock=clock)
    async with server, aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{server.port}/healthz"

        async def status(forwarded: str | None) -> int:
            headers = {"X-Forwarded-For": forwarded} if forwarded else {}
            async with session.get(url, headers=headers) as response:
                return response.status

        # Two members behind the proxy: each has its own bucket, not the proxy's one.
        assert [await status("203.0.113.7") for _ in range(3)] == [200, 200, 429]
        assert [await status("198.51.100.2") for _ in range(2)] == [200, 200]
        # A client can prepend anything: only the hop the proxy added counts.
        assert await status("10.9.9.9, 203.0.113.7") == 429
    untrusted = WebServer("127.0.0.1", 0, [ops.install], rate=1, burst=2, clock=clock)
    async with untrusted, aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{untrusted.port}/healthz"
        statuses = []
        for n in range(3):  # not a trusted proxy: its X-Forwarded-For is not believed
            async with session.get(url, headers={"X-Forwarded-For": f"192.0.2.{n}"}) as r:
                statuses.append(r.status)
        assert statuses == [200, 200, 429]
    unlimited = WebServer("127.0.0.1", 0, [ops.install], rate=0, clock=clock)
    async with unlimited, aiohttp.ClientSession() as session:
        for _ in range(60):  # WEB_RATE=0: a proxy in front limits instead
            async with session.get(f"http://127.0.0.1:{unlimited.port}/healthz") as r:
                assert r.status == 200


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("198.51.100.9", ["203.0.113.7"], "198.51.100.9"),  # not a proxy: the peer
        ("10.0.0.2", ["203.0.113.7"], "203.0.113.7"),
        ("10.0.0.2", ["6.6.6.6, 203.0.113.7, 10.0.0.3"], "203.0.113.7"),  # two proxies
        ("10.0.0.2", ["6.6.6.6", "203.0.113.7"], "203.0.113.7"),  # the header twice
        ("10.0.0.2", [], "10.0.0.2"),  # a proxy that added nothing: itself
        ("10.0.0.2", ["10.0.0.3"], "10.0.0.2"),
        ("::ffff:10.0.0.2", ["203.0.113.7"], "203.0.113.7"),  # a dual-stack listener's peer
        ("10.0.0.2", ["203.0.113.7:5678"], "203.0.113.7"),  # a port: not a bucket per port
        ("10.0.0.2", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("172.20.4.9", ["203.0.113.7"], "203.0.113.7"),  # inside a trusted network
        ("10.0.0.2", ["not an address"], "10.0.0.2"),  # garbage: the proxy's own bucket
        (None, [], "?"),
    ],
)
def test_client_address(remote: str | None, forwarded: list[str], expected: str) -> None:
    proxies = Proxies.parse("10.0.0.2, 10.0.0.3, 172.20.0.0/16")
    assert proxies.client_of(remote, forwarded) == expected


def test_token_buckets_refill_cap_and_forget_idle_addresses() -> None:
    buckets = TokenBuckets(rate=20, burst=40, max_keys=3)
    assert all(buckets.take("a", 0.0) == 0 for _ in range(40))
    wait = buckets.take("a", 0.0)
    assert wait == pytest.approx(0.05)
    assert buckets.retry_after(wait) == 1
    assert buckets.take("a", 0.05) == 0  # one token back after 1/20 s
    assert buckets.take("a", 100.0) == 0  # never more than the burst
    assert sum(buckets.take("a", 100.0) == 0 for _ in range(60)) == 39
    buckets.take("b", 100.0)
    buckets.take("c", 100.0)
    buckets.take("d", 103.0)  # a fourth key: the idle ones (full again) are dropped
    assert len(buckets) <= 3
    with pytest.raises(ValueError):
        TokenBuckets(rate=0, burst=1)


def _listening(port: int) -> list[str]:
    """Return the local addresses listening on a TCP port (from /proc/net/tcp)."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # LISTEN
            found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_binds_to_loopback_by_default_and_metrics_get_their_own_port(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_port, metrics_port = _free_port(), _free_port()
    for name in ("WEB_HOST", "METRICS_HOST", "WEB_PORT", "METRICS_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.web_port is None and web_servers(settings, Ops(database, Metrics())) == []
    settings = load_settings(_env_file=None, web_port=web_port)
    assert settings.web_host == "127.0.0.1"
    ops = Ops(database, Metrics())
    (server,) = web_servers(settings, ops)
    async with server:
        assert _listening(web_port) == ["127.0.0.1"]
        assert (await get(f"http://127.0.0.1:{web_port}/metrics"))[0] == 200
    settings = load_settings(_env_file=None, web_port=web_port, metrics_port=metrics_port)
    main, metrics = web_servers(settings, ops)
    async with main, metrics:
        assert _listening(metrics_port) == ["127.0.0.1"]
        status, body, headers = await get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200 and "calledit_database_errors" in body
        assert headers["Content-Type"].startswith("text/plain; version=")
        assert (await get(f"http://127.0.0.1:{metrics_port}/healthz"))[0] == 404
        assert (await get(f"http://127.0.0.1:{web_port}/metrics"))[0] == 404
        assert (await get(f"http://127.0.0.1:{web_port}/readyz"))[:2] == (200, "ready\n")
        taken = WebServer("127.0.0.1", web_port, [], name="WEB_PORT")
        with pytest.raises(InvalidInput, match=f"WEB_PORT: can't listen on 127.0.0.1:{web_port}"):
            await taken.start()


def test_web_settings_refuse_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value, words in [
        ("WEB_PORT", "0", "WEB_PORT"),
        ("WEB_PORT", "70000", "WEB_PORT"),
        ("WEB_HOST", "a b", "WEB_HOST"),
        ("WEB_RATE", "-1", "WEB_RATE"),
        ("WEB_TRUSTED_PROXIES", "10.0.0.2, proxy.local", "'proxy.local' is not an IP address"),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match=words):
            load_settings(_env_file=None)
        monkeypatch.delenv(name)
    monkeypatch.setenv("WEB_PORT", "8080")
    monkeypatch.setenv("METRICS_PORT", "8080")
    with pytest.raises(ConfigError, match="METRICS_PORT: must differ from WEB_PORT"):
        load_settings(_env_file=None)
    monkeypatch.setenv("METRICS_HOST", "0.0.0.0")
    assert load_settings(_env_file=None).metrics_port == 8080  # another address: fine
    monkeypatch.setenv("WEB_TRUSTED_PROXIES", " 10.0.0.2 ,fd00::1,")
    proxies = load_settings(_env_file=None).trusted_proxies
    assert [str(n) for n in proxies.networks] == ["10.0.0.2/32", "fd00::1/128"]
