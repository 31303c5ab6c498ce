"""The package's walls: every route handler is in the table, and nothing of any bot is imported."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import discord_emulator
from discord_emulator import (
    routes,
    routes_channels,
    routes_guilds,
    routes_interactions,
    routes_messages,
    routes_reactions,
)
from discord_emulator.route_table import ROUTES

PACKAGE = Path(discord_emulator.__file__).parent
ROUTE_MODULES = (
    routes,
    routes_channels,
    routes_guilds,
    routes_interactions,
    routes_messages,
    routes_reactions,
)


def test_every_route_handler_is_in_the_route_table() -> None:
    handlers = {
        fn
        for module in ROUTE_MODULES
        for _, fn in inspect.getmembers(module, inspect.iscoroutinefunction)
        if fn.__module__ == module.__name__
        and list(inspect.signature(fn).parameters)[:2] == ["emu", "api"]
    }
    assert len(handlers) > 40
    assert handlers - {r.handler for r in ROUTES} == set(), "add them to route_table.py"
    keys = [(r.method, r.template) for r in ROUTES]
    assert len(keys) == len(set(keys)), "a method and template listed twice"


def test_the_emulator_imports_nothing_of_the_bots_it_tests() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"bot", "db", "tests"}, (path, name)
