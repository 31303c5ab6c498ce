"""How an ordered stream of reaction events becomes vote writes.

A member has one vote per poll. A cast sets it (changing any earlier one). A retraction removes
it only if it still has the retracted choice, so a stale reaction removed late never deletes a
newer vote. Events for the same poll and member are folded in arrival order into one final
write, so a batch reaches the database as one statement per kind.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import NamedTuple

from bot.domain.outcomes import Choice


class EventKind(Enum):
    """Whether a reaction was added or removed, or a moderator cleared reactions."""

    CAST = "cast"
    RETRACT = "retract"
    #: Every reaction of one option (choice set), or of all (choice None), was removed at once.
    CLEAR = "clear"


class VoteEvent(NamedTuple):
    """One reaction event on a poll message, in arrival order (a tuple: cheap to make).

    A CLEAR has member_id 0 and the cleared choice, or None when every reaction went. A
    RETRACT with choice None (a sealed ballot's "Retract" button) removes the vote whatever it is.
    A CAST by button carries a fresh salt for the ballot's receipt (None for reactions).
    """

    kind: EventKind
    message_id: int
    member_id: int
    choice: Choice | None
    at: datetime
    #: The member's display name in that guild, as the event carried it (reaction adds do).
    name: str | None = None
    guild_id: int | None = None
    salt: str | None = None


def cleared_choices(event: VoteEvent) -> frozenset[Choice]:
    """Return the options a CLEAR event removed from its message."""
    return frozenset(Choice) if event.choice is None else frozenset({event.choice})


def vote_choice(emoji_id: int | None, emoji_name: str | None, *, by_bot: bool) -> Choice | None:
    """Return the choice a reaction casts, None when it is no vote.

    The one rule, for live reaction events and for reactions read back alike: only the three
    option emoji count (a server's custom emoji never does, even one named like them), and
    never a bot's reaction (the bot's own option reactions included).
    """
    if emoji_id is not None or by_bot:
        return None
    return Choice.from_emoji(emoji_name or "")


class Upsert(NamedTuple):
    """Set the member's vote to this choice (a tuple: made for nearly every vote, and cheap)."""

    choice: Choice
    at: datetime
    #: A sealed ballot's salt (kept instead when the stored vote has the same choice).
    salt: str | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    """Remove the member's vote whatever it is (it was cast in this same batch)."""


@dataclass(frozen=True, slots=True)
class DeleteIf:
    """Remove the member's vote only if it still has one of these choices."""

    choices: frozenset[Choice]


Write = Upsert | Delete | DeleteIf
#: Every choice: what a retraction of "whatever the vote is" removes.
ALL: frozenset[Choice] = frozenset(Choice)


def fold(events: Iterable[VoteEvent]) -> dict[tuple[int, int], Write]:
    """Fold ordered cast and retract events into one final write per (message, member).

    A batch holding CLEAR events is folded in the segments between them (see
    VoteService), since a clear touches every member of its message.
    """
    final: dict[tuple[int, int], Write | None] = {}
    cast = EventKind.CAST
    for event in events:
        key = (event.message_id, event.member_id)
        if event.kind is cast:
            final[key] = Upsert(event.choice, event.at, event.salt)  # type: ignore[arg-type]
            continue
        state = final.get(key)
        # A retraction of one choice, or (choice None) of whatever the vote is.
        retracted = ALL if event.choice is None else frozenset({event.choice})
        if isinstance(state, Upsert):
            # Known state: the retraction matters only if it removes the current choice.
            if state.choice in retracted:
                final[key] = Delete()
        elif isinstance(state, Delete):
            pass  # the vote is known to be gone already
        elif isinstance(state, DeleteIf):
            # State unknown and no cast since: the vote goes if it had any retracted choice.
            final[key] = DeleteIf(state.choices | retracted)
        else:
            final[key] = DeleteIf(retracted)
    return {key: write for key, write in final.items() if write is not None}


def superseded(
    batch: Sequence[VoteEvent],
    writes: Mapping[tuple[int, int], Write],
    known: Mapping[int, Mapping[int, Choice]],
    *,
    set_aside: Collection[VoteEvent] = (),
    cleared: Iterable[tuple[int, Choice | None, int]] = (),
) -> list[tuple[int, int, Choice]]:
    """Return the (message, member, option) reactions a committed batch leaves superseded.

    As if the batch's events were applied one by one: each option a member still holds besides
    their vote after the batch comes off the message (one cast and then replaced, even by a
    retraction of the newer one). `known` is each member's vote before the batch, by message;
    `writes` what the batch committed (members missing from it were ignored: a closed or
    unknown poll); `set_aside` the events the database refused (by identity: left to a
    read-back); `cleared` the clears it applied (message, option or None for all, votes).
    """
    held: dict[tuple[int, int], set[Choice]] = {}
    gone: dict[int, set[Choice]] = {}
    refused = {id(event) for event in set_aside}
    cast, clear = EventKind.CAST, EventKind.CLEAR
    for event in batch:
        kind = event.kind
        if kind is clear:
            removed = cleared_choices(event)
            gone.setdefault(event.message_id, set()).update(removed)
            for key, options in held.items():
                if key[0] == event.message_id:
                    options.difference_update(removed)
            continue
        key = (event.message_id, event.member_id)
        options = held.get(key)
        if options is None:
            if key not in writes or (refused and id(event) in refused):
                continue  # ignored (closed or unknown poll) or refused (left to a read-back)
            old = known.get(key[0], {}).get(key[1])
            options = held[key] = {old} if old is not None else set()
            if gone and key[0] in gone:
                options -= gone[key[0]]
        elif refused and id(event) in refused:
            continue
        if kind is cast:
            options.add(event.choice)  # type: ignore[arg-type]
        elif event.choice is None:
            options.clear()
        else:
            options.discard(event.choice)
    if not held:
        return []
    wiped: dict[int, frozenset[Choice]] = {}
    for message_id, choice, _ in cleared:
        wiped[message_id] = wiped.get(message_id, frozenset()) | (
            frozenset(Choice) if choice is None else frozenset({choice})
        )
    result: list[tuple[int, int, Choice]] = []
    for key, write in writes.items():
        options = held.get(key)
        if not options:
            continue
        vote: Choice | None
        if isinstance(write, Upsert):
            vote = write.choice
        elif isinstance(write, Delete):
            vote = None
        else:
            vote = known.get(key[0], {}).get(key[1])
            if vote is not None and (vote in wiped.get(key[0], ()) or vote in write.choices):
                vote = None
        if len(options) > 1 or vote not in options:
            result.extend(
                (key[0], key[1], option) for option in sorted(options) if option is not vote
            )
    return result


def apply_to_state(
    state: dict[tuple[int, int], Choice], writes: dict[tuple[int, int], Write]
) -> None:
    """Apply folded writes to an in-memory vote map (the reference semantics for tests)."""
    for key, write in writes.items():
        if isinstance(write, Upsert):
            state[key] = write.choice
        elif isinstance(write, Delete):
            state.pop(key, None)
        elif state.get(key) in write.choices:
            del state[key]


def votes_from_reactions(
    reactions: dict[Choice, set[int]], current: dict[int, Choice]
) -> dict[int, Choice]:
    """Return each member's vote as the poll message's reactions say.

    A member with one option reaction votes that option. A member with several (possible when
    the bot can't remove older reactions) keeps their recorded vote if it is among them, and
    otherwise the option nearest "did not" is taken, so the result never depends on order.
    """
    options: dict[int, set[Choice]] = {}
    for choice, members in reactions.items():
        for member in members:
            options.setdefault(member, set()).add(choice)
    result: dict[int, Choice] = {}
    for member, chosen in options.items():
        if len(chosen) == 1:
            result[member] = next(iter(chosen))
        elif current.get(member) in chosen:
            result[member] = current[member]
        else:
            result[member] = min(chosen, key=lambda c: c.ordinal)
    return result


@dataclass(frozen=True, slots=True)
class ReadBackPlan:
    """What to change so a poll's votes equal its message's reactions."""

    #: Members whose vote is set (added or changed) to this choice.
    upserts: dict[int, Choice]
    #: Members whose vote is removed (they hold no option reaction any more).
    removed: frozenset[int]
    #: (member, choice) reactions beyond each member's one vote, to take off the message.
    extras: tuple[tuple[int, Choice], ...]
    #: How many of the upserts are new votes (the rest are changes).
    added: int


def plan_read_back(reactions: dict[Choice, set[int]], current: dict[int, Choice]) -> ReadBackPlan:
    """Plan the writes that make recorded votes equal the reactions, one vote per member."""
    wanted = votes_from_reactions(reactions, current)
    upserts = {m: c for m, c in wanted.items() if current.get(m) is not c}
    extras = tuple(
        sorted(
            (member, choice)
            for choice, members in reactions.items()
            for member in members
            if wanted.get(member) is not choice
        )
    )
    return ReadBackPlan(
        upserts=upserts,
        removed=frozenset(m for m in current if m not in wanted),
        extras=extras,
        added=sum(1 for m in upserts if m not in current),
    )
