"""The calledit command line, run as a user would (a subprocess in a scratch folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: The installed `calledit` script, as a user runs it (`python -m bot` where it is absent).
SCRIPT = Path(sys.executable).with_name("calledit")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot"]


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Return this environment without Called It's settings, plus the ones given."""
    settings = (
        "DISCORD_",
        "DATABASE_",
        "DEV_GUILD",
        "SHARD_",
        "LOG_",
        "SCHEDULER_",
        "WEB_",
        "METRICS_",
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(settings)}
    environment.update(env or {})
    return environment


def calledit(
    cwd: Path, *args: str, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*COMMAND, *args],
        cwd=cwd,
        env=clean_env(env),
        **{"capture_output": True, "text": True, "timeout": 120, **kwargs},
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def test_seed_list_leaderboard_export_check(workdir: Path) -> None:
    first = calledit(workdir, "seed", "--guild", "123")
    assert first.returncode == 0, first.stderr
    assert "10 added, 0 updated, 0 unchanged" in first.stdout
    assert (workdir / "data" / "calledit.db").exists()
    second = calledit(workdir, "seed", "--guild", "123")
    assert "0 added, 0 updated, 10 unchanged" in second.stdout

    listing = calledit(workdir, "predictions", "list", "--guild", "123")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[0].startswith(
        "#1   open      Commoditization of Base-Level LLMs"
    )
    assert len(listing.stdout.splitlines()) == 10

    board = calledit(workdir, "leaderboard", "--guild", "123", "--month", "2025-03", "--json")
    assert board.returncode == 0
    assert json.loads(board.stdout) == {
        "guild_id": "123",
        "period": "2025-03",
        "rows": [],
        "resolved": [],
    }

    export = calledit(workdir, "export", "--guild", "123", "--out", "out")
    assert export.returncode == 0
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [
        "calledit.json",
        "predictions.csv",
        "resolutions.csv",
        "scores.csv",
        "votes.csv",
    ]
    check = calledit(workdir, "check")
    assert check.returncode == 0 and "Database reachable" in check.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["leaderboard", "--guild", "1", "--month", "2025-13"], {}, "'2025-13' is not a month"),
        (["seed", "--guild", "abc"], {}, "is not a Discord id"),
        (["check"], {"DATABASE_URL": "mysql://x/y"}, "Bad setting DATABASE_URL"),
        (["check"], {"LOG_LEVEL": "LOUD"}, "Bad setting LOG_LEVEL"),
        (["check"], {"DEV_GUILD_ID": "-5"}, "Bad setting DEV_GUILD_ID"),
        (["seed", "--guild", "1", "--file", "missing.md"], {}, "can't read the file"),
        (["seed", "--guild", "1", "--made-on", "20-11-2024"], {}, "is not a date: use YYYY"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    workdir: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    result = calledit(workdir, *args, env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_database_is_one_line_and_exit_75(workdir: Path) -> None:
    """No server behind the URL: one line saying so, no traceback, EX_TEMPFAIL."""
    url = f"postgresql+asyncpg://postgres@/calledit?host={workdir / 'no-server'}"
    result = calledit(workdir, "seed", "--guild", "123", env={"DATABASE_URL": url})
    assert result.returncode == 75, result.stderr
    assert result.stderr.startswith("calledit: DATABASE_URL: can't use PostgreSQL ("), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_malformed_seed_writes_nothing(workdir: Path) -> None:
    bad = workdir / "next.md"
    bad.write_text("Model: X\n20-Nov-25\n\n## 1. **One**\nText.\n\n## 3. **Three**\nText.\n")
    result = calledit(workdir, "seed", "--guild", "5", "--file", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == f"calledit: {bad}:7: expected prediction 2, found 3"
    assert not (workdir / "data").exists()


def test_csv_seed_file_loads_and_a_malformed_one_writes_nothing(workdir: Path) -> None:
    header = "title,statement,source,made_on,due,criteria\n"
    good = workdir / "extra.csv"
    good.write_text(header + 'One,"Text, with a comma.",Ada,2025-01-01,2025-12-31,\n')
    first = calledit(workdir, "seed", "--guild", "7", "--file", str(good))
    assert first.returncode == 0, first.stderr
    assert "Seeded 'extra' into guild 7: 1 added, 0 updated, 0 unchanged." in first.stdout
    bad = workdir / "bad.csv"
    bad.write_text(header + "Two,Text.,Ada,2025-01-01,2025-12-31,\nThree,Text.,Ada,2025-01-01\n")
    result = calledit(workdir, "seed", "--guild", "7", "--file", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == f"calledit: {bad}:3: 4 cells; the header has 6 columns"
    listing = calledit(workdir, "predictions", "list", "--guild", "7")
    assert len(listing.stdout.splitlines()) == 1 and "One" in listing.stdout


def test_seed_takes_source_made_on_and_due_for_a_file_lacking_them(workdir: Path) -> None:
    plain = workdir / "plain.md"
    plain.write_text("1. **Open models lead**: An open-weights model tops the arena.\n")
    lacking = calledit(workdir, "seed", "--guild", "8", "--file", str(plain))
    assert lacking.returncode == 2
    assert lacking.stderr.strip() == (
        f"calledit: {plain}:1: missing source, made_on: add lines like 'Model: NAME' and "
        "'20-Nov-24', or give the source and made_on options"
    )
    given = calledit(
        workdir,
        *("seed", "--guild", "8", "--file", str(plain), "--source", "Ada"),
        *("--made-on", "2025-12-01", "--due", "2026-06-30"),
    )
    assert given.returncode == 0, given.stderr
    assert "1 added" in given.stdout
    listing = calledit(workdir, "predictions", "list", "--guild", "8")
    assert "Open models lead" in listing.stdout


def test_token_is_never_printed(workdir: Path) -> None:
    assert calledit(workdir, "db", "upgrade").returncode == 0
    result = calledit(
        workdir, "check", env={"DISCORD_TOKEN": "super-secret-token-value", "LOG_LEVEL": "DEBUG"}
    )
    assert result.returncode == 0
    assert "super-secret-token-value" not in result.stdout + result.stderr


def test_run_without_token_says_how_to_get_one(workdir: Path) -> None:
    result = calledit(workdir, "run")
    assert result.returncode == 2
    assert result.stderr.startswith("calledit: DISCORD_TOKEN is not set: create an application at")
    assert len(result.stderr.strip().splitlines()) == 1
    bare = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")},
    )
    assert bare.returncode == 2 and "DISCORD_TOKEN is not set" in bare.stderr


def test_invite_url_has_both_scopes_and_exactly_the_permissions_used(workdir: Path) -> None:
    import base64

    token = base64.b64encode(b"123456789012345678").decode().rstrip("=") + ".abc.def"
    result = calledit(workdir, "invite-url", env={"DISCORD_TOKEN": token})
    assert result.returncode == 0
    url = result.stdout.strip()
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=123456789012345678")
    assert "scope=bot+applications.commands" in url
    # View Channel, Send Messages, Manage Messages, Embed Links, Attach Files,
    # Read Message History, Add Reactions; Manage Threads, Create Public Threads and Send
    # Messages in Threads for poll threads.
    expected = (1 << 10) | (1 << 11) | (1 << 13) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 6)
    expected |= (1 << 34) | (1 << 35) | (1 << 38) | (1 << 28)  # and Manage Roles
    assert url.endswith(f"permissions={expected}")
    assert token not in result.stdout + result.stderr
