"""A sealed ballot's private answers: the member's vote, until when, and the receipt code.

Pure: each answer is a line or two, shown only to the member who pressed the button.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.ballots import Action, Button, Refusal
from bot.domain.outcomes import Choice
from bot.render.texts import ts
from bot.snapshots.votes import BallotState

REFUSALS = {
    Refusal.NOT_OURS: "That button isn't one of mine.",
    Refusal.NO_POLL: "That poll doesn't exist.",
    Refusal.OTHER_SERVER: "That button belongs to a poll of another server.",
    Refusal.NOT_SEALED: "That poll takes votes by reaction, not by button.",
    Refusal.FROZEN: "This poll has closed: votes are frozen.",
    Refusal.NOT_VOTER: "Only members with the voter role vote on this server's polls.",
    Refusal.NOT_READY: "This poll isn't taking votes here yet; try again in a minute.",
}
NOT_CONFIRMED = (
    "I couldn't confirm your vote yet (the database is slow); press **My vote** in a minute "
    "to see what is stored."
)


def refusal(reason: Refusal, role: int | None = None) -> str:
    """Say in one line why a press stored nothing."""
    if reason is Refusal.NOT_VOTER and role is not None:
        return f"Only members with <@&{role}> vote on this server's polls."
    return REFUSALS[reason]


def choice_text(choice: Choice) -> str:
    """Return '✅ **came true**'."""
    return f"{choice.emoji} **{choice.label}**"


def _until(closes_at: datetime) -> str:
    return f"{ts(closes_at)} ({ts(closes_at, 'R')})"


def ballot_reply(button: Button, state: BallotState, code: str | None) -> str:
    """Answer a press once its vote is committed: what is stored now, and until when."""
    closed = state.closed_at is not None
    stored = state.choice
    mine = (
        f"Your vote: {choice_text(stored)}. Receipt code: `{code}`" if stored is not None else None
    )
    if closed:
        head = REFUSALS[Refusal.FROZEN]  # a press after the close changes nothing
        if mine is None:
            return f"{head} You had no vote on it."
        return f"{head}\n{mine}"
    if mine is None:
        head = (
            "Your vote is retracted."
            if button.action is Action.RETRACT
            else "You have no vote on this poll."
        )
        return f"{head} You can vote until {_until(state.closes_at)}."
    return f"{mine}\nYou can change it until {_until(state.closes_at)}."
