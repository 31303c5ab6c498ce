"""Typed domain errors whose messages are fit to show a user."""

from __future__ import annotations


class CalledItError(Exception):
    """Base of every error whose message can be shown to a user as is."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(CalledItError):
    """Raise when a user supplied a value that breaks a rule."""

    exit_code = 2


class NotFound(CalledItError):
    """Raise when a referenced thing does not exist."""

    exit_code = 2


class Conflict(CalledItError):
    """Raise when the request clashes with the current state (e.g. a poll is already open)."""

    exit_code = 2


class PermissionDenied(CalledItError):
    """Raise when the caller may not do this."""

    exit_code = 2


class SeedFileError(InvalidInput):
    """Raise when a seed file is malformed; the message names the line."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class CannotPost(Conflict):
    """Raise when the bot can't post in a channel; callers stop trying that channel."""

    def __init__(self, channel_id: int, lacking: list[str] | None, reason: str = "") -> None:
        if not reason:
            reason = f"missing {', '.join(lacking)}." if lacking else "I can't see that channel."
        super().__init__(f"I can't post in <#{channel_id}>: {reason}")
        self.channel_id = channel_id
        self.lacking = lacking


class Unavailable(CalledItError):
    """Raise when the database can't take a command's writes for now: nothing was changed."""

    exit_code = 75  # EX_TEMPFAIL: try again later

    def __init__(self, state: str = "unreachable") -> None:
        super().__init__(
            f"The database is {state} right now: nothing was changed. Try again in a minute."
        )
        self.state = state
