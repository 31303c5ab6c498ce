"""Ballot styles: how a poll takes votes, and what of its tally may be shown while it runs.

A sealed poll's message carries buttons whose ``custom_id``s are fixed here, persistent across
restarts (no per-message state): ``calledit:vote:<poll_id>:<choice>`` (choice: came_true,
partly, did_not), ``calledit:mine:<poll_id>`` and ``calledit:retract:<poll_id>``.
"""

from __future__ import annotations

import re
from enum import Enum, StrEnum
from typing import NamedTuple

from bot.domain.outcomes import Choice


class BallotStyle(StrEnum):
    """How a poll takes votes."""

    #: Members add a reaction to the poll message; the tally is public while it runs.
    REACTIONS = "reactions"
    #: Members press a button; the bot holds the ballot, shows only a count until close,
    #: and publishes a commitment (Merkle root) that each member's receipt can be checked against.
    SEALED = "sealed"


def parse_ballot_style(value: str | None) -> BallotStyle:
    """Return the stored style, reactions for anything unknown or missing."""
    try:
        return BallotStyle(value or BallotStyle.REACTIONS)
    except ValueError:
        return BallotStyle.REACTIONS


class Action(StrEnum):
    """What a sealed poll's button does."""

    VOTE = "vote"
    MINE = "mine"
    RETRACT = "retract"


class Refusal(Enum):
    """Why a button press stores nothing (each is answered privately in one line)."""

    NOT_OURS = "not ours"
    NO_POLL = "no such poll"
    OTHER_SERVER = "another server's poll"
    NOT_SEALED = "a reaction poll"
    FROZEN = "closed"
    NOT_VOTER = "not a voter"
    NOT_READY = "not taking votes here yet"


#: Every custom_id of ours starts with this (the pattern the bot's buttons are routed by).
PREFIX = "calledit:"
#: Discord's limit on a component's custom_id.
CUSTOM_ID_MAX = 100
#: The largest poll id a custom_id may carry (a database integer).
POLL_ID_MAX = 2**63 - 1
_ID = re.compile(
    r"calledit:(?:(?P<vote>vote):(?P<poll>[1-9][0-9]{0,18}):(?P<choice>came_true|partly|did_not)"
    r"|(?P<other>mine|retract):(?P<poll2>[1-9][0-9]{0,18}))"
)


class Button(NamedTuple):
    """A sealed poll's button as its custom_id says: the action, the poll, the choice (votes)."""

    action: Action
    poll_id: int
    choice: Choice | None = None


def custom_id(action: Action, poll_id: int, choice: Choice | None = None) -> str:
    """Return the custom_id of a sealed poll's button (a choice for votes only)."""
    if (action is Action.VOTE) != (choice is not None):
        raise ValueError("a vote button has a choice, and only a vote button")
    if not 0 < poll_id <= POLL_ID_MAX:
        raise ValueError(f"not a poll id: {poll_id}")
    tail = f":{choice.value}" if choice is not None else ""
    return f"{PREFIX}{action.value}:{poll_id}{tail}"


def parse_custom_id(value: str) -> Button | None:
    """Return what a custom_id asks, None for anything that is not one of ours."""
    if not isinstance(value, str) or len(value) > CUSTOM_ID_MAX:
        return None
    found = _ID.fullmatch(value)
    if found is None:
        return None
    if found["vote"]:
        poll_id = int(found["poll"])
        button = Button(Action.VOTE, poll_id, Choice(found["choice"]))
    else:
        poll_id = int(found["poll2"])
        button = Button(Action(found["other"]), poll_id)
    return button if poll_id <= POLL_ID_MAX else None


def salt_kept(stored: Choice | None, cast: Choice) -> bool:
    """Tell whether casting `cast` keeps the stored ballot's salt (and so its receipt).

    The same choice again (a double click, a retried interaction) keeps the ballot as it was;
    a changed or new vote is a new ballot with a fresh salt. The votes service's upserts
    apply this rule in SQL.
    """
    return stored is cast
