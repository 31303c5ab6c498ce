"""Render and the value types it shows import no service, no SQLAlchemy and nothing of db."""

from __future__ import annotations

import json
import subprocess
import sys

# Imports every module of bot.render (cards included) in a fresh interpreter, then reports which
# modules of the database layer that pulled in, and which render modules it did load.
PROBE = """
import importlib, json, pkgutil, sys
import bot.render
names = [m.name for m in pkgutil.walk_packages(bot.render.__path__, "bot.render.")]
for name in [*names, *sys.argv[1:]]:
    importlib.import_module(name)
heavy = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("sqlalchemy", "aiosqlite", "asyncpg", "db")
    or m == "bot.services" or m.startswith("bot.services.")
)
print(json.dumps({"render": sorted(m for m in sys.modules if m.startswith("bot.render")),
                  "heavy": heavy}))
"""


def _probe(*extra: str) -> dict[str, list[str]]:
    """Run the probe in a fresh interpreter, importing extra modules after bot.render."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *extra], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_render_and_its_value_types_import_no_database_layer() -> None:
    seen = _probe("bot.snapshots", "bot.workflows.results")
    assert {"bot.render", "bot.render.cards", "bot.render.cards.leaderboard"} <= set(seen["render"])
    assert {"bot.render.polls", "bot.render.predictions", "bot.render.community"} <= set(
        seen["render"]
    )
    assert seen["heavy"] == []


def test_the_probe_sees_the_database_layer_when_it_is_imported() -> None:
    seen = _probe("bot.services.disputes")
    assert "sqlalchemy" in seen["heavy"]
    assert "bot.services" in seen["heavy"]
    assert "db.session" in seen["heavy"]
