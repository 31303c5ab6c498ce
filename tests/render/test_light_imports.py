"""Render and the value types it shows import no service, no SQLAlchemy and nothing of db."""

from __future__ import annotations

import json
import subprocess
import sys

# Imports every module of bot.render (cards included) and of bot.snapshots in a fresh interpreter,
# then reports which modules of the database layer that pulled in, and which modules it loaded.
PROBE = """
import importlib, json, pkgutil, sys
import bot.render, bot.snapshots
names = [
    m.name
    for package in (bot.render, bot.snapshots)
    for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
]
for name in [*names, *sys.argv[1:]]:
    importlib.import_module(name)
heavy = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("sqlalchemy", "aiosqlite", "asyncpg", "db")
    or m == "bot.services" or m.startswith("bot.services.")
)
print(json.dumps({"loaded": sorted(m for m in sys.modules if m.startswith("bot.")),
                  "heavy": heavy}))
"""


def _probe(*extra: str) -> dict[str, list[str]]:
    """Run the probe in a fresh interpreter, importing extra modules after bot.render."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *extra], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_render_and_its_value_types_import_no_database_layer() -> None:
    seen = _probe("bot.workflows.results")
    loaded = set(seen["loaded"])
    assert {"bot.render", "bot.render.cards", "bot.render.cards.leaderboard"} <= loaded
    assert {"bot.render.polls", "bot.render.predictions", "bot.render.community"} <= loaded
    assert {"bot.snapshots.predictions", "bot.snapshots.ops", "bot.workflows.results"} <= loaded
    assert seen["heavy"] == []


def test_the_probe_sees_the_database_layer_when_it_is_imported() -> None:
    seen = _probe("bot.services.disputes")
    assert "sqlalchemy" in seen["heavy"]
    assert "bot.services" in seen["heavy"]
    assert "db.session" in seen["heavy"]
