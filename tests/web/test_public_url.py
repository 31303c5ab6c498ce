"""WEB_PUBLIC_URL: an http(s) address, kept without its trailing slash; the link built from it."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.pages import parse_id, server_link


def test_public_url_is_checked_and_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_PUBLIC_URL", raising=False)
    assert load_settings(_env_file=None).web_public_url is None
    shown = load_settings(_env_file=None, web_public_url=" https://calledit.example.org/ ")
    assert shown.web_public_url == "https://calledit.example.org"
    for bad in ("calledit.example.org", "ftp://calledit.example.org", "javascript:alert(1)"):
        with pytest.raises(ConfigError, match="Bad setting WEB_PUBLIC_URL: must be an http"):
            load_settings(_env_file=None, web_public_url=bad)


def test_links_and_ids() -> None:
    assert server_link("https://a.example/x", 42) == "https://a.example/x/s/42"
    assert server_link(None, 42) is None and server_link("", 42) is None
    assert [parse_id(t) for t in ("1", "9223372036854775807", "007")] == [1, 2**63 - 1, 7]
    bad = ("0", "-1", "9223372036854775808", "1e3", "١", "１", "", " 1", "+1")
    assert [parse_id(t) for t in bad] == [None] * len(bad)
