"""Prediction sets against a real SQLite file: seeds, additions, counts, and the migration."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.outcomes import Choice, Outcome
from bot.domain.seedfile import load, parse_bytes
from bot.services import Services
from db.migrate import upgrade
from db.models import Prediction, PredictionSet
from db.session import Database

GUILD = 111
SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"
MINE = b"Model: Ada\n2025-12-01\n\n1. **Open models lead**: An open model tops the arena.\n"


async def test_every_prediction_lands_in_a_set_with_its_counts(services: Services) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    await services.predictions.load_seed(GUILD, parse_bytes(MINE, "mine.md"))
    await services.predictions.add(GUILD, title="Rain", statement="It rains.")
    into = await services.predictions.add(
        GUILD, title="Snow", statement="It snows.", set_name="llm predictions for 2025"
    )
    await services.polls.open(GUILD, 2, channel_id=5)
    await services.polls.open(GUILD, 11, channel_id=5)
    await services.resolution.resolve(GUILD, 1, Outcome.CAME_TRUE)
    await services.resolution.resolve(GUILD, 12, Outcome.DID_NOT)

    sets = await services.sets.list(GUILD)
    assert [(s.name, s.source, s.count, s.resolved, s.open_polls) for s in sets] == [
        ("LLM Predictions For 2025", "GPT-4o", 11, 1, 1),
        ("mine", "Ada", 1, 0, 1),
        ("Added here", "this server", 1, 1, 0),
    ]
    async with services.db.read() as session:
        assert await session.scalar(select(Prediction).where(Prediction.set_id.is_(None))) is None
        home = await session.get(Prediction, into.id)
        assert home is not None and home.set_id == sets[0].id
    assert await services.sets.list(222) == ()


async def test_an_unknown_set_is_refused_and_nothing_is_added(services: Services) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    with pytest.raises(InvalidInput, match="There is no set named 'Nope' here"):
        await services.predictions.add(GUILD, title="T", statement="S", set_name="Nope")
    assert (await services.predictions.list(GUILD)).total == 10
    assert (await services.sets.find(GUILD, "LLM PREDICTIONS FOR 2025")).name == (
        "LLM Predictions For 2025"
    )


async def test_search_offers_sets_by_name_exact_first(services: Services) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    await services.predictions.add(GUILD, title="Rain", statement="It rains.")
    assert await services.sets.search(GUILD, "") == ["LLM Predictions For 2025", "Added here"]
    assert await services.sets.search(GUILD, "added") == ["Added here"]
    assert await services.sets.search(GUILD, "100%") == []


async def test_migration_gives_existing_predictions_their_sets(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(db, "0006")
        async with db.write() as session:
            for number, seed_key, source in [
                (1, "llm-predictions-for-2025/1", "GPT-4o"),
                (2, "llm-predictions-for-2025/2", "GPT-4o"),
                (3, None, "community"),
                (4, "other/1", "Ada"),
            ]:
                await session.execute(
                    text(
                        "INSERT INTO predictions (guild_id, number, title, statement, source, "
                        "made_on, due, archived, seed_key, created_at, updated_at) VALUES "
                        "(7, :n, 'T', 'S', :src, '2025-01-01', '2025-12-31', 0, :key, "
                        "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                    ),
                    {"n": number, "key": seed_key, "src": source},
                )
        await upgrade(db)
        async with db.read() as session:
            sets = {
                s.id: (s.key, s.name, s.source)
                for s in await session.scalars(select(PredictionSet))
            }
            placed = {
                p.number: sets[p.set_id]
                for p in await session.scalars(select(Prediction))
                if p.set_id is not None
            }
        assert placed == {
            1: ("llm-predictions-for-2025", "LLM Predictions For 2025", "GPT-4o"),
            2: ("llm-predictions-for-2025", "LLM Predictions For 2025", "GPT-4o"),
            3: ("added-here", "Added here", "this server"),
            4: ("other", "other", "Ada"),
        }
    finally:
        await db.dispose()


async def vote(services: Services, number: int, message_id: int, votes: dict[int, Choice]) -> None:
    poll, _ = await services.polls.open(GUILD, number, channel_id=5)
    await services.polls.attach_message(poll.id, message_id)
    for member, choice in votes.items():
        await services.votes.cast(message_id, member, choice)


async def test_boards_stats_and_scorecards_narrow_to_one_set(services: Services) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    await services.predictions.load_seed(GUILD, parse_bytes(MINE, "mine.md"))
    shipped, mine = (s.id for s in await services.sets.list(GUILD))
    await vote(services, 1, 901, {1: Choice.CAME_TRUE, 2: Choice.DID_NOT})
    await vote(services, 11, 911, {2: Choice.CAME_TRUE, 3: Choice.CAME_TRUE})
    await services.resolution.resolve(GUILD, 1, Outcome.CAME_TRUE)
    await services.resolution.resolve(GUILD, 11, Outcome.CAME_TRUE)

    every = await services.boards.month(GUILD, "2025-03")
    assert {r.member_id for r in every.rows} == {1, 2, 3}
    assert [i.number for i in every.resolved] == [1, 11]
    in_mine = await services.boards.month(GUILD, "2025-03", set_id=mine)
    assert {r.member_id for r in in_mine.rows} == {2, 3}
    assert [i.number for i in in_mine.resolved] == [11]
    in_shipped = await services.boards.all_time(GUILD, set_id=shipped)
    assert [(r.member_id, r.scored, r.exact) for r in in_shipped.rows] == [(1, 1, 1), (2, 1, 0)]
    # The set's totals add up to the ledger's across sets.
    for member in (1, 2, 3):
        total = every.row_of(member)
        parts = [b.row_of(member) for b in (in_mine, in_shipped)]
        assert total is not None
        assert total.points == pytest.approx(sum(p.points for p in parts if p is not None))

    two = await services.boards.member(GUILD, 2, set_id=mine)
    assert (two.votes, two.row is not None and two.row.exact, two.ranked_members) == (1, 1, 2)
    assert dict(two.months)["2025-03"] == pytest.approx(two.row.points if two.row else 0)
    assert (await services.boards.member(GUILD, 2)).votes == 2

    cards = await services.scorecard.cards(GUILD, set_id=mine)
    assert [(c.source, c.total, c.came_true) for c in cards] == [("Ada", 1, 1)]
    with pytest.raises(NotFound, match="No predictions from the source 'GPT-4o'"):
        await services.scorecard.require_source(GUILD, "GPT-4o", set_id=mine)


async def test_breakdown_lists_each_scored_prediction_with_vote_outcome_and_points(
    services: Services,
) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    await services.predictions.load_seed(GUILD, parse_bytes(MINE, "mine.md"))
    mine = (await services.sets.list(GUILD))[1].id
    for number in range(1, 12):
        await vote(services, number, 900 + number, {7: Choice.PARTLY, 8: Choice.CAME_TRUE})
        await services.resolution.resolve(
            GUILD, number, Outcome.VOID if number == 5 else Outcome.CAME_TRUE
        )
    first = await services.breakdown.page(GUILD, 7)
    assert (first.page, first.pages, first.total) == (1, 1, 10)  # the void #5 is not scored
    assert [i.number for i in first.items] == [11, 10, 9, 8, 7, 6, 4, 3, 2, 1]
    item = first.items[0]
    assert (item.vote, item.outcome, item.points) == (Choice.PARTLY, Outcome.CAME_TRUE, 0.5)
    board = await services.boards.all_time(GUILD)
    row = board.row_of(7)
    assert row is not None and row.points == pytest.approx(sum(i.points for i in first.items))
    in_mine = await services.breakdown.page(GUILD, 7, set_id=mine)
    assert [i.number for i in in_mine.items] == [11]
    assert (await services.breakdown.page(GUILD, 99)).total == 0


async def test_breakdown_pages_hold_ten(services: Services) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    for number in range(1, 12):
        await services.predictions.add(GUILD, title=f"Extra {number}", statement="S.")
    for number in range(1, 22):
        await vote(services, number, 900 + number, {7: Choice.DID_NOT})
        await services.resolution.resolve(GUILD, number, Outcome.DID_NOT)
    last = await services.breakdown.page(GUILD, 7, 3)
    assert (last.page, last.pages, last.total, len(last.items)) == (3, 3, 21, 1)
    assert (await services.breakdown.page(GUILD, 7, 9)).page == 3
