"""Ballot styles: how a poll takes votes, and what of its tally may be shown while it runs."""

from __future__ import annotations

from enum import StrEnum


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
