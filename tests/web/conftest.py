"""The emulator world of tests/bot, for the web endpoints of a running bot."""

from tests.bot.conftest import live, world

__all__ = ["live", "world"]
