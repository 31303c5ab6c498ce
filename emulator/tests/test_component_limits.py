"""Discord's component limits: each broken one answers 400 50035 with the field's path."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from discord_emulator import Emulator, Guild
from discord_emulator.spec import load_spec

AUTH = {"Authorization": "Bot emulator.bot.token"}
MESSAGES = "/channels/{channel_id}/messages"


def button(custom_id: str | None = "b", **extra: Any) -> dict[str, Any]:
    """Return a primary button (or whatever `extra` makes of it)."""
    out: dict[str, Any] = {"type": 2, "style": 1, "label": "B"} | extra
    if custom_id is not None:
        out["custom_id"] = custom_id
    return out


def row(*items: dict[str, Any]) -> dict[str, Any]:
    """Return an action row."""
    return {"type": 1, "components": list(items)}


def buttons(n: int, prefix: str = "b") -> list[dict[str, Any]]:
    """Return `n` buttons with distinct custom ids."""
    return [button(f"{prefix}{i}") for i in range(n)]


def flat(errors: dict[str, Any], path: str = "") -> list[tuple[str, str]]:
    """Flatten Discord's nested form errors to ``(path, code)`` pairs."""
    out: list[tuple[str, str]] = []
    for key, value in errors.items():
        if key == "_errors":
            out.extend((path, e["code"]) for e in value)
        else:
            out.extend(flat(value, f"{path}.{key}" if path else key))
    return out


SELECT = {"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}]}

BROKEN: dict[str, tuple[list[dict[str, Any]], str, str]] = {
    "six rows": (
        [row(button(f"r{i}")) for i in range(6)],
        "components",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "six buttons in a row": (
        [row(*buttons(6))],
        "components.0.components",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "empty custom_id": (
        [row(button(""))],
        "components.0.components.0.custom_id",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "custom_id of 101": (
        [row(button("x" * 101))],
        "components.0.components.0.custom_id",
        "BASE_TYPE_BAD_LENGTH",
    ),
    "label of 81": (
        [row(button("b", label="y" * 81))],
        "components.0.components.0.label",
        "BASE_TYPE_MAX_LENGTH",
    ),
    "custom_id twice": (
        [row(button("same")), row(button("other"), button("same"))],
        "components.1.components.1.custom_id",
        "COMPONENT_CUSTOM_ID_DUPLICATED",
    ),
    "link with custom_id": (
        [row(button("b", style=5, url="https://example.com"))],
        "components.0.components.0.custom_id",
        "BUTTON_COMPONENT_CUSTOM_ID_URL_EXCLUSIVE",
    ),
    "link without url": (
        [row(button(None, style=5))],
        "components.0.components.0.url",
        "BUTTON_COMPONENT_URL_REQUIRED",
    ),
    "button without custom_id": (
        [row(button(None))],
        "components.0.components.0.custom_id",
        "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
    ),
    "button with url": (
        [row(button("b", url="https://example.com"))],
        "components.0.components.0.url",
        "BUTTON_COMPONENT_CUSTOM_ID_URL_EXCLUSIVE",
    ),
    "select beside a button": (
        [row(SELECT, button("b"))],
        "components.0.components",
        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
    ),
    "button outside a row": (
        [button("b")],
        "components.0.type",
        "UNION_TYPE_CHOICES",
    ),
}


async def post(emu: Emulator, path: str, body: dict[str, Any], method: str = "POST") -> Any:
    """Send a raw REST request as the bot; return (status, JSON)."""
    async with (
        aiohttp.ClientSession() as s,
        s.request(method, f"{emu.api_base}{path}", json=body, headers=AUTH) as resp,
    ):
        return resp.status, await resp.json() if resp.status != 204 else None


@pytest.mark.parametrize("case", list(BROKEN))
async def test_a_broken_limit_is_a_400_with_its_path(
    emulator: Emulator, guild: Guild, case: str
) -> None:
    components, path, code = BROKEN[case]
    channel = next(iter(guild.channels))
    status, body = await post(
        emulator, f"/channels/{channel}/messages", {"content": "x", "components": components}
    )
    assert status == 400 and body["code"] == 50035 and body["message"] == "Invalid Form Body"
    assert flat(body["errors"]) == [(path, code)]
    assert [(v.kind, v.code) for v in emulator.violations] == [("rule", 50035)]
    assert not emulator.messages(channel)  # nothing half-written


async def test_the_largest_allowed_message_passes(emulator: Emulator, guild: Guild) -> None:
    channel = next(iter(guild.channels))
    rows = [
        row(*[button(f"{r}{i}".ljust(100, "x"), label="L" * 80) for i in range(5)])
        for r in range(5)
    ]
    status, body = await post(
        emulator, f"/channels/{channel}/messages", {"content": "x", "components": rows}
    )
    assert status == 200, body
    link = row(button(None, style=5, url="https://example.com"), button("ok"))
    status, body = await post(emulator, f"/channels/{channel}/messages", {"components": [link]})
    assert status == 200, body
    emulator.assert_clean()


async def test_edits_callbacks_and_follow_ups_are_checked_too(
    emulator: Emulator, guild: Guild
) -> None:
    channel = next(iter(guild.channels))
    status, sent = await post(
        emulator, f"/channels/{channel}/messages", {"components": [row(button("go"))]}
    )
    assert status == 200
    bad = [row(*buttons(6))]
    status, body = await post(
        emulator, f"/channels/{channel}/messages/{sent['id']}", {"components": bad}, "PATCH"
    )
    assert status == 400 and flat(body["errors"]) == [
        ("components.0.components", "BASE_TYPE_MAX_LENGTH")
    ]
    alice = emulator.add_member(guild, "alice")
    clicked = alice.start_click(sent["id"], "go")  # no bot connected: the test answers it
    inter = clicked.interaction
    callback = f"/interactions/{inter.id}/{inter.token}/callback"
    for rtype in (4, 7):
        status, body = await post(emulator, callback, {"type": rtype, "data": {"components": bad}})
        assert status == 400 and flat(body["errors"]) == [
            ("data.components.0.components", "BASE_TYPE_MAX_LENGTH")
        ]
    assert clicked.response_type is None  # a refused answer acknowledges nothing
    status, _ = await post(emulator, callback, {"type": 6})
    assert status == 200 or status == 204
    followup = f"/webhooks/{emulator.application_id}/{inter.token}"
    dup = [row(button("a"), button("a"))]
    status, body = await post(emulator, followup, {"content": "f", "components": dup})
    assert status == 400 and flat(body["errors"]) == [
        ("components.0.components.1.custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED")
    ]
    assert [v.code for v in emulator.violations] == [50035] * 4


@pytest.mark.skipif(load_spec() is None, reason="Discord API spec absent: spec check skipped")
def test_the_spec_agrees_on_the_limits() -> None:
    spec = load_spec()
    assert spec is not None
    for case in ("six buttons in a row", "custom_id of 101", "label of 81", "empty custom_id"):
        components, _path, _code = BROKEN[case]
        assert spec.request_errors(MESSAGES, "POST", {"components": components}), case
    assert not spec.request_errors(MESSAGES, "POST", {"components": [row(*buttons(5))]})


async def test_components_v2_limits(emulator: Emulator, guild: Guild) -> None:
    channel = next(iter(guild.channels))
    v2 = 1 << 15
    text = {"type": 10, "content": "t"}
    container = {"type": 17, "components": [text, row(button("a")), row(button("a"))]}
    status, body = await post(
        emulator, f"/channels/{channel}/messages", {"flags": v2, "components": [container]}
    )
    assert status == 400 and flat(body["errors"]) == [
        ("components.0.components.2.components.0.custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED")
    ]
    many = [text] * 41
    status, body = await post(
        emulator, f"/channels/{channel}/messages", {"flags": v2, "components": many}
    )
    assert status == 400 and body["code"] == 50035
    six_rows = [row(button(f"r{i}")) for i in range(6)]  # more than 5 rows is fine in v2
    status, body = await post(
        emulator, f"/channels/{channel}/messages", {"flags": v2, "components": six_rows}
    )
    assert status == 200, body
