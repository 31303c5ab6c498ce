"""/setup web: admins turn the server's public pages on and off; the answer gives their link."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.web.pages import install
from tests.bot.conftest import World


async def fetch(world: World, path: str) -> tuple[int, str]:
    """Serve the running bot's pages (with its services and guild cache) and GET one path."""
    app = web.Application()
    bot = world.bot
    install(
        app,
        database=world.services.db,
        clock=world.clock,
        services=world.services,
        guild_name=lambda g: guild.name if (guild := bot.get_guild(g)) else None,
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}{path}") as response,
        ):
            return response.status, await response.text()
    finally:
        await runner.cleanup()


async def test_web_on_answers_with_the_link_and_off_hides_every_page(world: World) -> None:
    path = f"/s/{world.guild.id}"
    async with world.running(web_public_url="https://calledit.example.org"):
        assert (await fetch(world, path))[0] == 404  # off by default
        denied = await world.run(world.members[0], "/setup web", mode="on")
        assert denied.ephemeral and "Only admins" in denied.content
        assert (await fetch(world, path))[0] == 404
        on = await world.run(world.admin, "/setup web", mode="on")
        assert on.ephemeral
        assert on.content.startswith(f"Public pages on: <https://calledit.example.org{path}>.")
        fields = {f["name"]: f["value"] for f in on.embeds[0]["fields"]}
        assert fields["Public pages"] == "on (/setup web)"
        status, body = await fetch(world, path)
        assert status == 200 and "<h1><bdi>Forecasters</bdi></h1>" in body
        off = await world.run(world.admin, "/setup web", mode="off")
        assert off.content.startswith("Public pages off: every page of this server is a plain 404")
        assert await fetch(world, path) == (404, "404: Not Found")


async def test_without_a_public_address_the_answer_shows_the_path(world: World) -> None:
    async with world.running():
        on = await world.run(world.admin, "/setup web", mode="on")
        assert on.content.startswith(
            f"Public pages on: `/s/{world.guild.id}` (the operator hasn't set a public address"
        )
        assert (await world.services.guilds.get(world.guild.id)).web_enabled
