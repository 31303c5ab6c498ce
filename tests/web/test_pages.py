"""The public pages: what each shows, opt-in and opt-out, other servers' ids, escaping, paging."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select, text, update

from bot.domain.errors import NotFound
from bot.domain.votes import EventKind, VoteEvent
from bot.services.public_pages import PublicPages
from db.models import Poll, Prediction
from tests.bot.conftest import ON_BOTH_BACKENDS
from tests.services.test_polls_votes import YES, open_poll
from tests.web.conftest import GUILD, NAMES, OTHER, Site, play, seal, show_pages

UNKNOWN = "/no/such/page"


@ON_BOTH_BACKENDS
async def test_server_page_shows_name_open_polls_board_and_sets(site: Site) -> None:
    status, body, headers = await site.get(f"/s/{GUILD}")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'self'")
    assert headers["X-Content-Type-Options"] == "nosniff"
    # The server's name, escaped (it comes from Discord, like any member's text).
    assert "<h1><bdi>Forecasters &lt;b&gt;&amp;amp;&lt;/b&gt;</bdi></h1>" in body
    assert body.count("<h1") == 1
    # The open poll (#3), with its tally; the resolved ones are not open any more.
    assert f'href="/s/{GUILD}/p/3"' in body and f'href="/s/{GUILD}/p/1"' not in body
    assert "came true: 1" in body and "did not: 2" in body and "(3 votes)" in body
    # This month's board, its card with alt text, and the members' names as the cards draw them.
    assert f'src="/s/{GUILD}/cards/board/2025-11.png" alt="Leaderboard card, November 2025.' in body
    assert f'href="/s/{GUILD}/m/1"' in body
    assert f'href="/s/{GUILD}/sets/' in body


@ON_BOTH_BACKENDS
async def test_pages_off_unknown_or_other_servers_ids_are_the_plain_404(site: Site) -> None:
    _, unknown, _ = await site.get(UNKNOWN)
    assert unknown == "404: Not Found"
    other_prediction = await site.services.predictions.get(OTHER, 1)
    sets = await site.services.sets.list(OTHER)
    paths = [
        f"/s/{OTHER}",  # seeded, pages off
        f"/s/{OTHER}/p/1",
        f"/s/{OTHER}/board/all-time",
        f"/s/{OTHER}/cards/board/all-time.png",
        "/s/999",  # unknown server
        "/s/999/p/1",
        f"/s/{GUILD}/p/{other_prediction.id + 1000}",  # no such number here
        f"/s/{GUILD}/p/0",
        f"/s/{GUILD}/p/-1",
        f"/s/{GUILD}/p/1e3",
        f"/s/{GUILD}/p/%EF%BC%91",  # a full-width digit one
        f"/s/{GUILD}/p/99999999999999999999999",
        f"/s/{GUILD}/m/6",  # a member with no scored vote
        f"/s/{GUILD}/m/{2**63}",
        f"/s/{GUILD}/cards/m/6.png",
        f"/s/{GUILD}/sets/{sets[0].id}/board/all-time",  # the other server's set
        f"/s/{GUILD}/sets/{sets[0].id}/cards/board/all-time.png",
        f"/s/{GUILD}/board/2025-13",
        f"/s/{GUILD}/board/2025-1",
        f"/s/{GUILD}/board/%202025-11",
        f"/s/{GUILD}/board/all-time?page=2",  # one page only
        f"/s/{GUILD}/board/all-time?page=x",
        f"/s/{GUILD}/board/all-time?page=0",
        f"/s/{GUILD}/m/1?page=9",
        "/s/abc",
        "/s/",
    ]
    for path in paths:
        status, body, headers = await site.get(path)
        assert (status, body) == (404, unknown), path
        assert "Cache-Control" not in headers, path
    await show_pages(site.services, GUILD, on=False)
    for path in (f"/s/{GUILD}", f"/s/{GUILD}/p/1", f"/s/{GUILD}/m/1", f"/s/{GUILD}/cards/m/1.png"):
        assert await site.get(path) == (404, unknown, (await site.get(path))[2]), path
    await show_pages(site.services, OTHER)
    assert (await site.get(f"/s/{OTHER}/p/1"))[0] == 200


@ON_BOTH_BACKENDS
async def test_read_only_get_and_head(site: Site) -> None:
    status, body, headers = await site.get(f"/s/{GUILD}/p/1", "HEAD")
    assert (status, body) == (200, "") and headers["Cache-Control"] == "public, max-age=60"
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert (await site.get(f"/s/{GUILD}/p/1", method))[0] == 405, method


@ON_BOTH_BACKENDS
async def test_prediction_page_history_evidence_and_disputes(site: Site) -> None:
    status, body, _ = await site.get(f"/s/{GUILD}/p/2")
    assert status == 200
    assert "Nope." in body and "came true → " not in body
    # The open dispute with its member's stored name and reason, both escaped.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Bo&#34;" in body
    assert "It did! &lt;b&gt;&#34;really&#34;&lt;/b&gt;" in body
    assert "<script" not in body and "<b>" not in body
    _, first, _ = await site.get(f"/s/{GUILD}/p/1")
    link = '<a rel="nofollow noopener" href="https://example.org/a?b=1&amp;c=2">'
    assert link in first and "It did." in first
    assert "came true: 3" in first  # closed by the resolution: the split stays shown
    # A change of outcome is kept in the history, with both notes.
    await site.services.resolution.resolve(GUILD, 1, "partly", note="Only half.")
    _, again, _ = await site.get(f"/s/{GUILD}/p/1")
    assert "came true → partly" in again and "open → came true" in again
    history = again.split("<h3>History</h3>")[1]
    assert history.index("It did.") < history.index("Only half.")


@ON_BOTH_BACKENDS
async def test_sealed_poll_shows_only_the_count(site: Site) -> None:
    await seal(site.services, 3)
    _, page, _ = await site.get(f"/s/{GUILD}/p/3")
    _, server, _ = await site.get(f"/s/{GUILD}")
    for body in (page, server):
        assert "3 votes so far; the split is sealed until the poll closes." in body
        assert "came true: " not in body.split("Open polls")[-1].split("Leaderboard")[0]
        assert not re.search(r"did not: \d", body.split("Open polls")[-1].split("Leaderboard")[0])
    await site.services.polls.close(GUILD, 3)
    _, closed, _ = await site.get(f"/s/{GUILD}/p/3")
    assert "sealed" not in closed and "came true: 1" in closed and "did not: 2" in closed


@ON_BOTH_BACKENDS
async def test_member_page_keeps_sealed_ballots_private(site: Site) -> None:
    async with site.services.db.write() as session:  # #1 was polled with sealed ballots
        first = await session.scalar(
            select(Prediction.id).where(Prediction.guild_id == GUILD, Prediction.number == 1)
        )
        await session.execute(
            update(Poll).where(Poll.prediction_id == first).values(ballot_style="sealed")
        )
    status, body, _ = await site.get(f"/s/{GUILD}/m/4")  # voted partly on #1, came true on #2
    assert status == 200
    rows = {n: row for n in (1, 2) for row in body.split("<tr>") if f'/p/{n}">' in row}
    assert "🔒 sealed ballot" in rows[1] and "partly" not in rows[1] and "0.5" not in rows[1]
    assert "came true" in rows[2] and "sealed" not in rows[2]


@ON_BOTH_BACKENDS
async def test_member_page_and_cards(site: Site) -> None:
    status, body, _ = await site.get(f"/s/{GUILD}/m/4")
    assert status == 200
    assert body.count("<h1") == 1
    # The zalgo name as the cards draw it (at most two marks per letter), in its own isolate.
    assert "<h1><bdi>Z" in body
    assert f'src="/s/{GUILD}/cards/m/4.png" alt="Member card of Z' in body
    assert "Rank</dt><dd>" in body and f'href="/s/{GUILD}/p/1"' in body
    status, _, headers = await site.get(f"/s/{GUILD}/cards/m/4.png")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert headers["Cache-Control"] == "public, max-age=60"
    for period in ("2025-11", "all-time"):
        async with site.http.get(f"{site.url}/s/{GUILD}/cards/board/{period}.png") as r:
            data = await r.read()
            assert r.status == 200 and data.startswith(b"\x89PNG"), period
    sets = await site.services.sets.list(GUILD)
    async with site.http.get(
        f"{site.url}/s/{GUILD}/sets/{sets[0].id}/cards/board/all-time.png"
    ) as r:
        assert r.status == 200 and (await r.read()).startswith(b"\x89PNG")
    _, rtl, _ = await site.get(f"/s/{GUILD}/m/3")
    assert "<h1><bdi>מרים العربية</bdi></h1>" in rtl


@ON_BOTH_BACKENDS
async def test_boards_are_paged(
    services,
    clock,
    serve: Callable[..., Awaitable[Site]],  # type: ignore[no-untyped-def]
) -> None:
    await play(services, clock)
    await open_poll(services, 4, 1004, hours=720)
    events = [
        VoteEvent(EventKind.CAST, 1004, m, YES, clock.now(), f"member {m}", GUILD)
        for m in range(100, 220)
    ]
    await services.votes.apply(events)
    await services.resolution.resolve(GUILD, 4, "came_true")
    site = await serve()
    _, first, _ = await site.get(f"/s/{GUILD}/board/all-time")
    assert "Ranks, page 1 of 3" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert first.count("<tr>") == 1 + 50
    _, last, _ = await site.get(f"/s/{GUILD}/board/all-time?page=3")
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert last.count("<tr>") == 1 + (120 + 5) - 100
    assert (await site.get(f"/s/{GUILD}/board/all-time?page=4"))[0] == 404
    _, month, _ = await site.get(f"/s/{GUILD}/board/2025-11?page=2")
    assert "Leaderboard · November 2025" in month and "page 2 of 3" in month
    # Beside a month: the one before it, and the one after it only up to this month.
    assert f'href="/s/{GUILD}/board/2025-10">Previous month' in month
    assert "Next month" not in month
    _, earlier, _ = await site.get(f"/s/{GUILD}/board/2025-09")
    assert f'href="/s/{GUILD}/board/2025-10">Next month' in earlier
    assert "Previous month" not in first


@ON_BOTH_BACKENDS
async def test_long_and_hostile_statement_is_escaped_whole(
    services,
    clock,
    serve: Callable[..., Awaitable[Site]],  # type: ignore[no-untyped-def]
) -> None:
    await play(services, clock)
    statement = ("<img src=x onerror=alert(1)> \"quoted\" 'single' ‮RTL‬ " * 40)[:2000]
    added = await services.predictions.add(
        GUILD, title='<script>alert("t")</script>', statement="short", source="<i>src</i>"
    )
    async with services.db.write() as session:  # longer than /prediction add takes: a seed's
        await session.execute(
            update(Prediction).where(Prediction.id == added.id).values(statement=statement)
        )
    site = await serve()
    status, body, _ = await site.get(f"/s/{GUILD}/p/{added.number}")
    assert status == 200
    assert "<img src=x" not in body and "<script>alert" not in body and "<i>src" not in body
    assert "&lt;img src=x onerror=alert(1)&gt; &#34;quoted&#34; &#39;single&#39;" in body
    assert body.count("&lt;img src=x") == statement.count("<img src=x")
    assert f"<title>#{added.number} &lt;script&gt;" in body


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_failing_page_is_a_plain_500(site: Site) -> None:
    await site.services.db.dispose()
    async with site.services.db.write() as session:  # a broken table: every read fails
        await session.execute(text("DROP TABLE resolution_events"))
    status, body, _ = await site.get(f"/s/{GUILD}/p/1")
    assert (status, body) == (500, "500: Internal Server Error")
    assert NAMES[1] not in body


@ON_BOTH_BACKENDS
@pytest.mark.parametrize("ttl", [60.0, 0.0])
async def test_pages_are_kept_until_what_they_show_changes(
    services,
    clock,
    serve: Callable[..., Awaitable[Site]],
    ttl: float,  # type: ignore[no-untyped-def]
) -> None:
    await play(services, clock)
    site = await serve(ttl)
    path = f"/s/{GUILD}/p/3"
    before = await site.get(path)
    assert "(3 votes)" in before[1]
    # A vote: kept pages show it once they expire (as their Cache-Control says), else at once.
    await services.votes.apply([VoteEvent(EventKind.CAST, 1003, 7, YES, clock.now(), "Gil", GUILD)])
    after_vote = await site.get(path)
    assert ("(3 votes)" in after_vote[1]) is (ttl > 0)
    # Any other query string is the same kept page: it can't force a render per request.
    assert ("(3 votes)" in (await site.get(path + "?nocache=1"))[1]) is (ttl > 0)
    # A resolution shows at once, and turning the pages off hides the kept ones at once.
    await services.resolution.resolve(GUILD, 3, "did_not", note="Resolved now.")
    assert "Resolved now." in (await site.get(path))[1]
    await show_pages(services, GUILD, on=False)
    assert (await site.get(path))[0] == 404


@ON_BOTH_BACKENDS
async def test_the_pages_read_a_prediction_as_the_bot_does(services, clock) -> None:  # type: ignore[no-untyped-def]
    await play(services, clock)
    # #3 gets a second poll where one member changes their vote and another votes anew.
    await services.polls.close(GUILD, 3)
    await open_poll(services, 3, 2003, hours=720)
    await services.votes.apply(
        [
            VoteEvent(EventKind.CAST, 2003, 2, YES, clock.now(), NAMES[2], GUILD),
            VoteEvent(EventKind.CAST, 2003, 4, YES, clock.now(), NAMES[4], GUILD),
        ]
    )
    pages = PublicPages(services.db, clock)
    for number in (1, 2, 3, 4):
        shown, disputes, names = await pages.prediction(GUILD, number)
        assert shown == await services.predictions.get(GUILD, number), number
        assert disputes == await services.disputes.open_of(GUILD, number), number
        assert names == await services.names.of(GUILD, [d.member_id for d in disputes])
    assert (await pages.prediction(GUILD, 3))[0].tally.total == 4
    with pytest.raises(NotFound):
        await pages.prediction(OTHER + 1, 1)
