"""A plain wheel install, as from PyPI or in the image, runs from any folder.

The wheels (calledit and its dependency discord-emulator, emulator/) are built from exactly
the files the Dockerfile COPYs (through .dockerignore) and installed without ``-e`` into a
fresh venv, away from the repository. Its dependencies are not
downloaded again: a ``.pth`` file puts this interpreter's site-packages on the fresh venv's
path. Python adds such a folder without running the ``.pth`` files inside it, so this checkout's
editable installs stay out and ``bot`` and ``discord_emulator`` can only come from the wheels.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from tests.cli.docker_context import REPO, build_context


def run(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "DATABASE_", "DEV_GUILD", "PYTHONPATH"))
    }
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_a_wheel_install_finds_the_default_predictions_from_any_folder(tmp_path: Path) -> None:
    context, wheels, venv, elsewhere = (tmp_path / n for n in ("ctx", "whl", "venv", "away"))
    build_context(context)
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(context)], tmp_path, timeout=180)
    run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(context / "emulator")], tmp_path)
    (wheel,) = wheels.glob("calledit-*.whl")
    (emulator_wheel,) = wheels.glob("discord_emulator-*.whl")

    # Every module of the checkout is in the wheel (the package list in pyproject is explicit).
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "bot/seeds/llm-predictions-2025.toml" in names
    assert {"bot/web/pages/templates/base.html", "bot/web/pages/static/calledit.css"} <= names
    modules = {
        p.relative_to(REPO).as_posix() for top in ("bot", "db") for p in (REPO / top).rglob("*.py")
    }
    assert modules - names == set(), "add the missing packages to [tool.setuptools] packages"
    assert not any(name.startswith("bot/emulator/") for name in names)
    source = REPO / "emulator" / "src"
    shipped = set(zipfile.ZipFile(emulator_wheel).namelist())
    emulated = {p.relative_to(source).as_posix() for p in source.rglob("*.py")}
    assert emulated - shipped == set(), "the emulator's wheel lacks modules"
    entry_points = next(n for n in shipped if n.endswith(".dist-info/entry_points.txt"))
    declared = zipfile.ZipFile(emulator_wheel).read(entry_points).decode()
    assert "[pytest11]" in declared and "discord-emulator =" in declared

    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    install = [*pip, "--python", str(python), "install", "--no-deps", "--no-index"]
    run([*install, str(emulator_wheel), str(wheel)], tmp_path)
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path
        ).stdout.strip()
    )
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "calledit-deps.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))

    where = run([str(python), "-c", "import bot.shipped as s; print(s.DEFAULT_SEED)"], elsewhere)
    assert Path(where.stdout.strip()) == site / "bot" / "seeds" / "llm-predictions-2025.toml"
    emulator = run(
        [str(python), "-c", "import discord_emulator as e; print(e.__file__)"], elsewhere
    )
    assert Path(emulator.stdout.strip()) == site / "discord_emulator" / "__init__.py"

    calledit = str(venv / "bin" / "calledit")
    assert "demo" in run([calledit, "--help"], elsewhere).stdout
    demo = run([calledit, "demo", "--members", "12"], elsewhere, timeout=300).stdout
    assert "Opened 10 polls in #polls." in demo  # the ten shipped predictions were seeded
    assert "(permissions, limits, rate limits): 0 violations, 0 unknown routes." in demo
    run([calledit, "db", "upgrade"], elsewhere)  # the migrations are package data too
    seeded = run([calledit, "seed", "--guild", "123"], elsewhere).stdout
    assert "Seeded 'LLM Predictions For 2025' into guild 123: 10 added" in seeded
