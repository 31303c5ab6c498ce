"""The `calledit` command line: run the bot, the demo, migrations, seeds, boards and exports."""

from bot.cli.app import main

__all__ = ["main"]
