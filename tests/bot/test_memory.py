"""The scheduler's memory release: what a logged traceback left behind goes."""

from __future__ import annotations

import linecache
import logging
import sqlite3

import pytest

from bot.memory import release_free_memory


async def test_the_release_forgets_the_source_lines_of_a_logged_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        sqlite3.connect(":memory:").execute("SELECT * FROM nowhere")
    except sqlite3.OperationalError:
        logging.getLogger("calledit.test").exception("a scheduled job failed")
    assert "no such table: nowhere" in caplog.text
    assert __file__ in linecache.cache  # formatting the traceback read this file's lines

    await release_free_memory()

    assert __file__ not in linecache.cache


async def test_the_release_keeps_generated_source_that_has_no_file() -> None:
    generated = "<attrs generated init calledit.Example>"
    lines = ["def __init__(self, x):\n", "    self.x = x\n"]
    linecache.cache[generated] = (sum(map(len, lines)), None, lines, generated)
    try:
        await release_free_memory()
        assert linecache.getlines(generated) == lines  # nowhere to read it again from
    finally:
        linecache.cache.pop(generated, None)
