"""The scheduler runs its named jobs in order, each under its own guard: one failing job is
logged by name and the others (the monthly post here) still run in the same tick."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.scheduler import Job
from tests.bot.conftest import World

BOUNDARY = datetime(2025, 12, 1, 0, 5, tzinfo=UTC)


async def test_every_scheduled_job_has_a_name_and_runs_in_the_list_order(live: World) -> None:
    names = [job.name for job in live.bot.scheduler.jobs]
    assert len(names) == len(set(names)) and all(names)
    assert names.index("polls due to close") < names.index("missing poll results")
    assert names.index("monthly post") < names.index("champion role")  # the role follows it


async def test_a_failing_job_does_not_keep_the_monthly_post_from_going_out(
    live: World, caplog: pytest.LogCaptureFixture
) -> None:
    await live.services.guilds.set_leaderboard_channel(live.guild.id, live.leaderboard.id)
    ran: list[str] = []

    async def broken() -> None:
        ran.append("broken")
        raise RuntimeError("the database went away mid-close")

    scheduler = live.bot.scheduler
    jobs = list(scheduler.jobs)
    first = [job.name for job in jobs].index("polls due to close")
    jobs.insert(first + 1, Job("broken close", broken))
    scheduler.jobs = tuple(jobs)
    live.clock.set(BOUNDARY)
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        await scheduler.tick()
    assert ran == ["broken"]
    boards = [
        m
        for m in live.emu.messages(live.leaderboard.id)
        if m.embeds and str(m.embeds[0].get("title", "")).startswith("🏆 Leaderboard")
    ]
    assert len(boards) == 1  # the jobs after the failing one ran in the same tick
    failures = [r for r in caplog.records if r.name == "bot.scheduler"]
    assert len(failures) == 1 and "'broken close'" in failures[0].getMessage()
