"""A real admin's first hour: `.env.example` as shipped, and one clear line for every mistake."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import COMMAND, calledit, clean_env

REPO = Path(__file__).resolve().parents[2]
#: A token-shaped value (its first part is an application id); never sent anywhere.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.abc.def"


def refused_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """Return the only line on stderr, failing on a traceback or more lines."""
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]


def test_env_example_as_shipped_with_only_the_token(tmp_path: Path) -> None:
    text = (REPO / ".env.example").read_text()
    assert "\nSHARD_COUNT=\n" in text  # shipped empty: must mean "not set"
    (tmp_path / ".env").write_text(text.replace("\nDISCORD_TOKEN=\n", f"\nDISCORD_TOKEN={TOKEN}\n"))
    invite = calledit(tmp_path, "invite-url")
    assert invite.returncode == 0, invite.stderr
    assert invite.stdout.startswith("https://discord.com/oauth2/authorize?client_id=1234567890")
    upgraded = calledit(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    check = calledit(tmp_path, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Settings OK." in check.stdout and "DISCORD_TOKEN is not set" not in check.stdout
    demo = calledit(tmp_path, "demo", "--members", "5", timeout=300)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "🏆 Leaderboard · December 2025" in demo.stdout


@pytest.mark.parametrize(
    "name", ["SHARD_COUNT", "SHARD_IDS", "SCHEDULER_INTERVAL", "LOG_LEVEL", "DATABASE_URL"]
)
def test_an_empty_setting_in_the_environment_means_not_set(tmp_path: Path, name: str) -> None:
    result = calledit(tmp_path, "invite-url", env={"DISCORD_TOKEN": TOKEN, name: " "})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_database_folder_that_cannot_be_created_names_database_url(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'taken' / 'data' / 'x.db'}"}
    for args in (["db", "upgrade"], ["seed", "--guild", "1"], ["run"]):
        result = calledit(tmp_path, *args, env={**env, "DISCORD_TOKEN": TOKEN})
        assert result.returncode == 1
        line = one_line(result)
        assert line.startswith(f"calledit: DATABASE_URL: can't create the folder {tmp_path}")


def test_a_folder_that_cannot_be_written_names_the_option(tmp_path: Path) -> None:
    assert calledit(tmp_path, "seed", "--guild", "123").returncode == 0
    (tmp_path / "taken").write_text("a file, not a folder")
    export = calledit(tmp_path, "export", "--guild", "123", "--out", "taken/out")
    assert export.returncode == 1
    assert one_line(export).startswith("calledit: --out: can't write taken/out (")
    demo = calledit(tmp_path, "demo", "--members", "5", "--cards", "taken/cards")
    assert demo.returncode == 1
    assert one_line(demo).startswith("calledit: --cards: can't create taken/cards (")


def test_a_refused_postgresql_is_one_line_for_one_shot_commands(tmp_path: Path) -> None:
    port = refused_port()
    env = {"DATABASE_URL": f"postgresql+asyncpg://u:secret@127.0.0.1:{port}/calledit"}
    for args in (["check"], ["db", "upgrade"], ["leaderboard", "--guild", "1"]):
        result = calledit(tmp_path, *args, env=env)
        assert result.returncode == 75  # EX_TEMPFAIL: the database is out, try again later
        line = one_line(result)
        assert line.startswith(f"calledit: DATABASE_URL: can't use PostgreSQL at 127.0.0.1:{port}")
        assert "secret" not in line
    demo = calledit(tmp_path, "demo", "--database-url", env["DATABASE_URL"])
    assert demo.returncode in (1, 75)
    assert one_line(demo).startswith(
        f"calledit: --database-url: can't use PostgreSQL at 127.0.0.1:{port}"
    )


def test_run_waits_for_a_refused_postgresql_and_says_where_and_how_often(tmp_path: Path) -> None:
    port = refused_port()
    env = {
        "DISCORD_TOKEN": TOKEN,
        "DATABASE_URL": f"postgresql+asyncpg://u:secret@127.0.0.1:{port}/calledit",
        "DATABASE_WAIT": "6",
    }
    result = calledit(tmp_path, "run", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "secret" not in result.stderr
    waiting, gave_up = result.stderr.strip().splitlines()
    assert waiting.endswith(
        f"Waiting for the database: can't use PostgreSQL at 127.0.0.1:{port} (Connect call "
        f"failed ('127.0.0.1', {port})); trying again every 5 s (DATABASE_URL, gives up after "
        "DATABASE_WAIT=6 s)"
    )
    assert gave_up.startswith(f"calledit: DATABASE_URL: can't use PostgreSQL at 127.0.0.1:{port}")
    assert gave_up.endswith("(DATABASE_WAIT)")


def test_discord_unreachable_is_one_line_naming_discord_api_base(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{refused_port()}/api/v10"
    env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": api, "LOG_LEVEL": "WARNING"}
    result = calledit(tmp_path, "run", env=env)
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(f"calledit: can't reach Discord at {api} (Cannot connect to host")
    assert line.endswith("check the network or DISCORD_API_BASE")


def test_check_creates_nothing_and_says_what_is_missing(tmp_path: Path) -> None:
    missing = calledit(tmp_path, "check")
    assert missing.returncode == 2
    assert one_line(missing) == (
        "calledit: DATABASE_URL: there is no database at data/calledit.db: "
        "run `calledit db upgrade` first."
    )
    assert not (tmp_path / "data").exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    never = calledit(tmp_path, "check", env={"DATABASE_URL": f"sqlite:///{empty}"})
    assert never.returncode == 1
    assert "The database was never migrated; the code expects 0" in never.stdout
    assert never.stdout.strip().endswith(": run `calledit db upgrade`.")
    with sqlite3.connect(empty) as db:
        assert db.execute("select count(*) from sqlite_master").fetchone() == (0,)
    assert calledit(tmp_path, "db", "upgrade").returncode == 0
    with sqlite3.connect(tmp_path / "data" / "calledit.db") as db:
        db.execute("update alembic_version set version_num = '9999'")  # from a newer release
    newer = calledit(tmp_path, "check")
    assert newer.returncode == 1
    assert newer.stdout.strip().endswith("it is newer than this code: install the newer calledit.")


def test_a_bad_month_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    result = calledit(tmp_path, "leaderboard", "--guild", "1", "--month", "2025-13")
    assert result.returncode == 2
    assert "'2025-13' is not a month" in one_line(result)
    assert not (tmp_path / "data").exists()


def test_an_unknown_guild_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    assert calledit(tmp_path, "seed", "--guild", "123", "456").returncode == 0
    for args in (
        ["predictions", "list", "--guild", "999"],
        ["leaderboard", "--guild", "999", "--json"],
        ["export", "--guild", "999", "--out", "out"],
    ):
        result = calledit(tmp_path, *args)
        assert result.returncode == 2
        assert result.stdout == ""
        assert one_line(result) == (
            "calledit: --guild: no guild 999 in the database; it knows 123, 456."
        )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("members", ["0", "4", "201", "5000", "many"])
def test_demo_refuses_members_out_of_range(tmp_path: Path, members: str) -> None:
    result = calledit(tmp_path, "demo", "--members", members)
    assert result.returncode == 2
    assert f"'{members}' is not a number from 5 to 200" in one_line(result)
    assert not (tmp_path / "demo-cards").exists()


@pytest.mark.parametrize(
    ("args", "code"),
    [(["predictions", "list", "--guild", "123"], 1), (["--help"], 0), (["export", "--help"], 0)],
)
def test_a_closed_pipe_ends_quietly(tmp_path: Path, args: list[str], code: int) -> None:
    assert calledit(tmp_path, "seed", "--guild", "123").returncode == 0
    read, write = os.pipe()
    os.close(read)  # like `| head` that has already gone
    try:
        result = subprocess.run(
            [*COMMAND, *args],
            cwd=tmp_path,
            env=clean_env(),
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert result.stderr == ""
    assert result.returncode == code  # 1 as in the Python docs' recipe; argparse's help: 0


def test_help_everywhere_version_and_calledit_alone(tmp_path: Path) -> None:
    alone = calledit(tmp_path)
    assert alone.returncode == 2
    assert alone.stdout.startswith("usage: calledit [-h] [--version] COMMAND ...")
    assert "calledit calledit" not in alone.stdout + alone.stderr
    version = calledit(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.strip() == "calledit 0.1.0"
    for command in ("run", "invite-url", "db upgrade", "db copy", "check", "demo", "export"):
        shown = calledit(tmp_path, *command.split(), "--help")
        assert shown.returncode == 0
        usage, description = shown.stdout.split("\n\n")[:2]
        assert usage.startswith(f"usage: calledit {command}")
        assert len(description) > 40, shown.stdout  # a sentence, not an empty help


def test_every_option_and_command_has_help() -> None:
    import argparse

    from bot.cli.parser import build_parser

    def walk(parser: argparse.ArgumentParser, path: str) -> list[str]:
        missing = [] if parser.description else [path]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    missing += [f"{path} {name}"] if not helps.get(name) else []
                    missing += walk(sub, f"{path} {name}")
            elif not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings)}")
        return missing

    assert walk(build_parser(), "calledit") == []


def test_sql_is_logged_only_when_log_sql_asks(tmp_path: Path) -> None:
    assert calledit(tmp_path, "seed", "--guild", "123").returncode == 0
    debug = calledit(tmp_path, "predictions", "list", "--guild", "123", env={"LOG_LEVEL": "DEBUG"})
    assert debug.returncode == 0 and "DEBUG" in debug.stderr
    assert "SELECT" not in debug.stderr and "Commoditization" not in debug.stderr
    env = {"LOG_LEVEL": "DEBUG", "LOG_SQL": "true"}
    logged = calledit(tmp_path, "predictions", "list", "--guild", "123", env=env)
    assert logged.returncode == 0
    assert "sqlalchemy.engine.Engine: SELECT" in logged.stderr


def find_spec() -> Path | None:
    """Return Discord's API spec: ../shared beside this checkout or a folder above it."""
    for folder in REPO.parents:
        candidate = folder / "shared" / "discord-api-spec" / "openapi.json"
        if candidate.is_file():
            return candidate
    return None


@pytest.mark.parametrize("with_spec", [True, False])
def test_demo_says_which_checks_ran(tmp_path: Path, with_spec: bool) -> None:
    spec = find_spec() if with_spec else tmp_path / "nowhere" / "openapi.json"
    if spec is None:
        pytest.skip("Discord's API spec is not on this machine")
    env = {"DISCORD_API_SPEC": str(spec)}
    result = calledit(tmp_path, "demo", "--members", "5", env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stderr == ""
    last = result.stdout.strip().splitlines()[-2:]
    assert last[0].endswith(
        "checked them against the Discord rules it models (permissions, limits, rate limits): "
        "0 violations, 0 unknown routes."
    )
    if with_spec:
        assert last[1] == f"Every request body was validated against Discord's API spec ({spec})."
    else:
        assert last[1] == (
            f"Discord's API spec was not found at {spec}: requests were NOT validated against it "
            "(set DISCORD_API_SPEC to its openapi.json to add that check)."
        )
    assert "0 Discord rule violations" not in result.stdout


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_stop_signal_while_run_waits_for_postgresql_exits_0(tmp_path: Path, sig: str) -> None:
    """`docker stop` while the database is not up yet: a clean exit 0, not a kill."""
    import signal
    import time

    port = refused_port()
    env = {
        "DISCORD_TOKEN": TOKEN,
        "DATABASE_URL": f"postgresql+asyncpg://u:secret@127.0.0.1:{port}/calledit",
    }
    process = subprocess.Popen(
        [*COMMAND, "run"], cwd=tmp_path, env=clean_env(env), stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # the bot is in the wait once it says so
        assert "Waiting for the database" in line, line
        sent = time.monotonic()
        process.send_signal(getattr(signal, sig))
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - sent < 5
        rest = process.stderr.read()
        assert f"Stopping ({sig}) while waiting for the database." in rest
        assert "Traceback" not in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


#: Loaded by a child Python through PYTHONPATH: every SQLite connection refuses json_each, as
#: one without its JSON functions would (only the error's wording differs).
NO_JSON = """
import sqlite3

_connect = sqlite3.connect


def _without_json(action, arg1, *_):
    return sqlite3.SQLITE_DENY if arg1 == "json_each" else sqlite3.SQLITE_OK


def connect(*args, **kwargs):
    connection = _connect(*args, **kwargs)
    connection.set_authorizer(_without_json)
    return connection


sqlite3.connect = connect
"""


def test_a_sqlite_without_json_functions_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_JSON)
    upgraded = calledit(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    env = {"PYTHONPATH": str(hook), "DISCORD_TOKEN": TOKEN}
    for args in (["leaderboard", "--guild", "1"], ["run"]):
        result = calledit(tmp_path, *args, env=env)
        assert result.returncode == 1, result.stdout + result.stderr
        line = one_line(result)
        assert line.startswith("calledit: failed: SQLiteLacksJSON: this Python's SQLite ("), line
        assert "has no JSON functions" in line and "SQLite 3.38 or later, or PostgreSQL" in line
