"""Static checks of the Dockerfile, .dockerignore and compose.yaml (no container engine here).

The install they describe is run for real in test_wheel_install.py; these read the files.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.cli.docker_context import REPO, build_context, copy_sources, ignore_rules, ignored

DOCKERFILE = (REPO / "Dockerfile").read_text()
COMPOSE = (REPO / "compose.yaml").read_text()


def instructions(name: str) -> list[str]:
    """Return the Dockerfile's instructions of one kind, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line for line in joined.splitlines() if line.split()[:1] == [name]]


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    rules = ignore_rules()
    for path in (
        ".env",
        ".env.local",
        ".venv/bin/python",
        ".venv/lib/python3.11/site-packages/discord/client.py",
        "data/calledit.db",
        ".git/HEAD",
        "bot/__pycache__/app.cpython-311.pyc",
        "bench/out/report.json",
        "demo-cards/01-leaderboard-2025-12.png",
        "tests/conftest.py",
        "emulator/tests/conftest.py",
        ".pytest_cache/v/cache/lastfailed",
        "build/lib/bot/app.py",
    ):
        assert ignored(path, rules), f"{path} would be sent to the docker daemon"


def test_the_copy_lines_name_files_that_exist_and_are_in_the_context(tmp_path: Path) -> None:
    rules = ignore_rules()
    sources = copy_sources()
    assert {"pyproject.toml", "README.md", "bot", "db", "seeds", "emulator"} <= set(sources)
    for source in sources:
        assert (REPO / source).exists(), source
        assert not ignored(source, rules), f"{source} is COPYed but .dockerignore excludes it"
    copied = build_context(tmp_path)
    assert "seeds/llm-predictions-2025.toml" in copied
    assert "bot/app.py" in copied and "db/migrations/script.py.mako" in copied
    # The emulator's distribution (a dependency: `calledit demo`), without its tests.
    assert {"emulator/pyproject.toml", "emulator/README.md"} <= set(copied)
    assert "emulator/src/discord_emulator/server.py" in copied
    assert not any(path.startswith("emulator/tests/") for path in copied)
    assert not any("__pycache__" in path for path in copied)


def test_the_image_installs_a_wheel_and_runs_unprivileged_with_a_healthcheck() -> None:
    (install,) = [run for run in instructions("RUN") if "pip install" in run]
    words = shlex.split(install)
    assert "-e" not in words and "--editable" not in words, install
    assert "/src/emulator" in words, "the emulator is a dependency: install its wheel too"
    assert "libfribidi0" in " ".join(instructions("RUN"))  # Pillow's right-to-left layout
    (user,) = instructions("USER")
    assert user.split()[1] not in ("root", "0")
    (health,) = instructions("HEALTHCHECK")
    assert '["calledit", "check"]' in health  # exec form: no shell in between
    (cmd,) = instructions("CMD")
    assert cmd.split(None, 1)[1].startswith("["), "exec form, so SIGTERM reaches python"


def test_compose_takes_the_postgres_password_from_env_and_passes_signals() -> None:
    required = "${POSTGRES_PASSWORD:?"
    assert re.search(r"POSTGRES_PASSWORD: \$\{POSTGRES_PASSWORD:\?", COMPOSE)
    assert f"postgresql+asyncpg://calledit:{required}" in COMPOSE
    assert "POSTGRES_PASSWORD: calledit" not in COMPOSE and ":calledit@" not in COMPOSE
    assert "env_file: .env" in COMPOSE
    assert "init: true" in COMPOSE


def test_compose_probes_readyz_with_python_on_the_web_port() -> None:
    bot = COMPOSE.split("\n  bot:\n", 1)[1]
    assert 'WEB_PORT: "8080"' in bot and "WEB_HOST: 0.0.0.0" in bot
    assert '"127.0.0.1:8080:8080"' in bot  # published to the host's loopback only
    health = bot.split("healthcheck:", 1)[1]
    assert "- python" in health and "http://127.0.0.1:8080/readyz" in health
    assert "curl" not in health  # the slim image has none
