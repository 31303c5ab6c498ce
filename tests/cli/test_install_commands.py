"""The README's install commands install both distributions, and CI runs its test command."""

from __future__ import annotations

import re

from tests.cli.docker_context import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CI = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def commands(readme: str = README) -> list[str]:
    """Return the README's one-line set-up commands (those that make a fresh venv)."""
    return [m.strip() for m in re.findall(r"^\s*(python3 -m venv .*)$", readme, re.M)]


def test_every_install_command_installs_the_emulator_first() -> None:
    found = commands()
    assert any(c.endswith("calledit demo") for c in found), found
    assert any(c.endswith("python -m pytest -q") for c in found), found
    for command in found:
        # calledit depends on discord-emulator, which pip can only find in ./emulator.
        assert re.search(r"pip install -q -e (\./emulator|'\./emulator\[spec\]') -e ", command), (
            command
        )


def test_the_demo_installs_the_spec_checks() -> None:
    # With Discord's OpenAPI spec beside the clone, the demo checks every request against it;
    # its checks need the emulator's [spec] extra (jsonschema), which `calledit run` never needs.
    (demo,) = {c for c in commands() if c.endswith("calledit demo")}
    assert "-e './emulator[spec]' -e ." in demo, demo


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    (test,) = {c for c in commands() if c.endswith("python -m pytest -q")}
    assert test in CI.splitlines(), f"{test!r} is not a line of .ci/run"
