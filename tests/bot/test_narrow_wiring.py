"""Each workflow gets only what it uses: no workflow constructor takes the whole Services."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import typing
from pathlib import Path

import pytest

import bot.exts
import bot.workflows
from bot.services import Services
from bot.wiring import Workflows

#: Workflows another change narrows (the outbox's posting jobs); each still takes Services.
NOT_YET: set[str] = set()
#: Fields of Workflows that are not workflows: the vote path (bot/votes), its writer and remover
#: (which workflows share), the sealed ballots' buttons, and the scheduled jobs.
VOTE_PATH = {"votes", "intake", "writer", "remover", "buttons", "jobs"}


def workflow_classes() -> list[tuple[str, type]]:
    """Return (module, class) for every class defined in a bot.workflows module."""
    found = []
    for info in pkgutil.iter_modules(bot.workflows.__path__):
        module = importlib.import_module(f"bot.workflows.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "__init__" in vars(cls):
                found.append((info.name, cls))
    return found


def takes_services(cls: type) -> bool:
    """Return whether a class's constructor takes the whole Services."""
    hints = typing.get_type_hints(cls.__init__)
    return any(hint is Services for hint in hints.values())


def test_the_workflows_are_found() -> None:
    names = {module for module, _ in workflow_classes()}
    assert {"access_check", "boards", "opening", "read_back", "settings", "startup"} <= names


@pytest.mark.parametrize(
    "cls", [cls for _, cls in workflow_classes()], ids=lambda cls: cls.__qualname__
)
def test_no_workflow_takes_all_services(cls: type) -> None:
    module = cls.__module__.rsplit(".", 1)[-1]
    if module in NOT_YET:  # narrowed elsewhere: when it is, drop it from NOT_YET
        assert takes_services(cls), f"{module} is narrow now: remove it from NOT_YET"
    else:
        assert not takes_services(cls), f"{cls.__qualname__} takes the whole Services"


def test_workflows_holds_only_workflows() -> None:
    for field in dataclasses.fields(Workflows):
        if field.name in VOTE_PATH:
            continue
        hint = typing.get_type_hints(Workflows)[field.name]
        assert hint.__module__.startswith("bot.workflows."), f"{field.name}: {hint.__module__}"


#: Extensions that still read from the whole bot: the vote intake (another change moves it),
#: and the option transformers, which discord.py builds bare from annotations.
REACHES_THE_BOT = {"votes.py", "options.py"}


def test_cogs_get_their_collaborators_in_their_constructors() -> None:
    exts = Path(bot.exts.__file__).parent
    for path in sorted(exts.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        if path.name in REACHES_THE_BOT:
            continue
        handlers = source.split("\nasync def setup(")[0]  # setup(bot) builds the cog: allowed
        handlers = "\n".join(
            line
            for line in handlers.splitlines()
            if not line.lstrip().startswith(("from ", "import "))
        )
        assert "interaction.client" not in handlers, path.name
        assert "bot_of(" not in handlers, path.name
        assert ".workflows." not in handlers and ".services." not in handlers, path.name
