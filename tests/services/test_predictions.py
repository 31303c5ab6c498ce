"""Predictions and seeds against a real SQLite file: stored state is asserted after each action."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.edits import PredictionEdit
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.outcomes import Choice
from bot.domain.seedfile import load, parse_toml
from bot.services import Services
from db.models import Prediction, Vote

GUILD = 111
SEED = Path(__file__).resolve().parents[2] / "seeds" / "llm-predictions-2025.toml"


async def count(services: Services, model: type) -> int:
    async with services.db.read() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_seed_is_idempotent_and_updates_in_place_keeping_votes(services: Services) -> None:
    report = await services.predictions.load_seed(GUILD, load(SEED))
    assert (report.added, report.updated, report.unchanged) == (10, 0, 0)
    again = await services.predictions.load_seed(GUILD, load(SEED))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 10)
    assert await count(services, Prediction) == 10

    poll, _ = await services.polls.open(GUILD, 3, channel_id=5)
    await services.polls.attach_message(poll.id, 900)
    await services.votes.cast(900, 42, Choice.PARTLY)

    changed = SEED.read_text(encoding="utf-8").replace(
        "Integration of Multimodal Capabilities", "Integration of Multimodal Capabilities (edited)"
    )
    report = await services.predictions.load_seed(GUILD, parse_toml(changed))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 9)
    view = await services.predictions.get(GUILD, 3)
    assert view.title.endswith("(edited)")
    assert view.tally.partly == 1
    assert await count(services, Vote) == 1


async def test_seed_into_two_guilds_numbers_each_from_one(services: Services) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    await services.predictions.load_seed(222, load(SEED))
    assert (await services.predictions.get(222, 10)).title == "Wider Adoption Across Industries"


async def test_new_guilds_seeded_in_bulk_equal_one_by_one(services: Services) -> None:
    seed = load(SEED)
    await services.predictions.load_seed(GUILD, seed)  # one by one, as a later join is
    await services.guilds.set_polls_channel(333, 7)  # known to the database, never seeded
    new = list(range(1000, 1450))  # more than one chunk
    seeded = await services.predictions.seed_new([*new, GUILD, 333, *new], seed)
    assert seeded == set(new)  # a known server is left to load_seed, which merges
    assert await services.predictions.seeded([*new, GUILD, 333]) == {*new, GUILD}
    assert await count(services, Prediction) == 10 * (len(new) + 1)
    bulk, single = await services.predictions.get(1449, 3), await services.predictions.get(GUILD, 3)
    assert (bulk.number, bulk.title, bulk.statement, bulk.source, bulk.due, bulk.criteria) == (
        single.number,
        single.title,
        single.statement,
        single.source,
        single.due,
        single.criteria,
    )
    assert [s.name for s in await services.sets.list(1449)] == [
        s.name for s in await services.sets.list(GUILD)
    ]
    again = await services.predictions.load_seed(1449, seed)  # the same rows as a merge finds
    assert (again.added, again.updated, again.unchanged) == (0, 0, 10)
    assert (await services.guilds.get(1449)).ballot_style is not None  # defaults filled in
    assert await services.predictions.seed_new(new, seed) == set()  # never twice


async def test_add_numbers_predictions_and_validates(services: Services) -> None:
    first = await services.predictions.add(GUILD, title="  Rain   tomorrow ", statement="It rains.")
    second = await services.predictions.add(
        GUILD,
        title="Snow",
        statement="It snows.",
        source="Me",
        made_on=date(2025, 1, 1),
        due=date(2025, 2, 1),
        criteria="Any snow.",
    )
    assert (first.number, first.title, first.source) == (1, "Rain tomorrow", "community")
    assert first.due == date(2025, 12, 31)
    assert (second.number, second.criteria) == (2, "Any snow.")

    with pytest.raises(InvalidInput, match="limit is 100"):
        await services.predictions.add(GUILD, title="x" * 101, statement="s")
    with pytest.raises(InvalidInput, match="before the date it was made"):
        await services.predictions.add(
            GUILD, title="t", statement="s", made_on=date(2025, 2, 1), due=date(2025, 1, 1)
        )
    assert await count(services, Prediction) == 2


async def test_edit_archive_and_unknown_numbers(services: Services) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    edited = await services.predictions.edit(
        GUILD, 2, PredictionEdit(criteria="A named vertical model ships.")
    )
    assert edited.criteria == "A named vertical model ships."
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await services.predictions.edit(GUILD, 2, PredictionEdit())
    with pytest.raises(NotFound, match="no prediction #99"):
        await services.predictions.edit(GUILD, 99, PredictionEdit(title="x"))
    with pytest.raises(InvalidInput, match="before the date"):
        await services.predictions.edit(GUILD, 2, PredictionEdit(due=date(2020, 1, 1)))
    assert (await services.predictions.get(GUILD, 2)).due == date(2025, 12, 31)

    archived = await services.predictions.archive(GUILD, 2)
    assert archived.status == "archived"
    page = await services.predictions.list(GUILD)
    assert page.total == 9 and 2 not in [p.number for p in page.items]
    assert [p.number for p in (await services.predictions.list(GUILD, "archived")).items] == [2]
    with pytest.raises(InvalidInput, match="Unknown status"):
        await services.predictions.list(GUILD, "bogus")


async def test_list_pages_by_ten(services: Services) -> None:
    for n in range(23):
        await services.predictions.add(GUILD, title=f"P{n}", statement="s")
    first = await services.predictions.list(GUILD, page=1)
    last = await services.predictions.list(GUILD, page=9)
    assert (first.pages, first.total, len(first.items)) == (3, 23, 10)
    assert (last.page, [p.number for p in last.items]) == (3, [21, 22, 23])


async def test_search_by_number_and_title(services: Services) -> None:
    await services.predictions.load_seed(GUILD, load(SEED))
    assert (await services.predictions.search(GUILD, "1"))[0] == (
        1,
        "Commoditization of Base-Level LLMs",
    )
    assert [n for n, _ in await services.predictions.search(GUILD, "llm")] == [1, 2]
    assert [n for n, _ in await services.predictions.search(GUILD, "#7")] == [7]
    assert await services.predictions.search(GUILD, "100%_") == []
    assert len(await services.predictions.search(GUILD, "")) == 10
