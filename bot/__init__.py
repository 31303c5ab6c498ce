"""Called It: a Discord bot that polls a community on predictions and ranks who called it."""

__version__ = "0.1.0"
