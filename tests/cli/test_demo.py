"""`calledit demo`, the README's main command, as a smoke test of the whole bot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def test_demo_plays_a_season_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--members", "12"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "[ada] /poll open-all hours:720" in out
    assert "Opened 10 polls in #polls." in out
    assert "12 members vote on the ten polls: 120 reactions arrive in one burst." in out
    assert "bot posts in #leaderboard:" in out
    assert "🏆 Leaderboard · December 2025" in out
    assert "(permissions, limits, rate limits): 0 violations, 0 unknown routes." in out
    # The last act: a sealed poll, its count only while open, the close with its commitment.
    sealed = out[out.index("== A sealed poll") :]
    assert "buttons: [✅ came true] [🌓 partly] [❌ did not] [🧾 My vote] [Retract]" in sealed
    assert "Voted so far: 5 members" in sealed
    assert "🔒 5 sealed votes · the tally shows when the poll closes" in sealed
    assert "✅ 3 · 🌓 1 · ❌ 1 (5 votes)\n    Commitment: `" in sealed
    assert "(verified)" in sealed and "[attachment receipt.json," in sealed
    assert result.stderr == ""  # a missing API spec is said in the transcript, not logged
    assert not (tmp_path / "data").exists()  # the demo's database is a throwaway
    folder = tmp_path / "demo-cards"
    saved = sorted(p.name for p in folder.glob("*.png"))
    assert f"cards the bot posted are saved in {folder.resolve()}/" in out
    assert "01-leaderboard-2025-12.png" in saved and "leaderboard-2025-12.png" in " ".join(
        saved[-1:]
    )
    assert any("stats" in name for name in saved) and any("scorecard" in name for name in saved)
    for path in folder.glob("*.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_demo_names_the_missing_extra_when_the_spec_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from discord_emulator import Emulator

    from bot.demo import checks_report

    spec = tmp_path / "openapi.json"
    spec.write_text('{"paths": {}}')
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # installed without [spec]
    last = checks_report(Emulator(spec_path=str(spec), validate_spec=True), spec)[-1]
    assert f"spec at {spec} was NOT used" in last and "discord-emulator[spec]" in last
