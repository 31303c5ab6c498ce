"""Folding reaction events into writes gives the same result as applying them one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.lifecycle import READ_BACK_GRACE, may_read_back
from bot.domain.outcomes import Choice
from bot.domain.votes import (
    EventKind,
    Upsert,
    VoteEvent,
    apply_to_state,
    fold,
    plan_read_back,
    superseded,
    votes_from_reactions,
)

AT = datetime(2025, 3, 1, tzinfo=UTC)

events_strategy = st.lists(
    st.builds(
        VoteEvent,
        kind=st.sampled_from(list(EventKind)),
        message_id=st.integers(1, 3),
        member_id=st.integers(1, 4),
        choice=st.sampled_from(list(Choice)),
        at=st.just(AT),
    ),
    max_size=40,
)
state_strategy = st.dictionaries(
    st.tuples(st.integers(1, 3), st.integers(1, 4)), st.sampled_from(list(Choice))
)


def one_by_one(state: dict[tuple[int, int], Choice], events: list[VoteEvent]) -> None:
    """Apply events in order with the plain rule (the specification)."""
    for e in events:
        key = (e.message_id, e.member_id)
        if e.kind is EventKind.CAST:
            state[key] = e.choice
        elif state.get(key) is e.choice:
            del state[key]


@given(state_strategy, events_strategy)
def test_fold_then_apply_equals_sequential_application(
    start: dict[tuple[int, int], Choice], events: list[VoteEvent]
) -> None:
    expected = dict(start)
    one_by_one(expected, events)
    folded = dict(start)
    apply_to_state(folded, fold(events))
    assert folded == expected


def test_stale_retraction_never_deletes_a_newer_vote() -> None:
    events = [
        VoteEvent(EventKind.CAST, 1, 7, Choice.CAME_TRUE, AT),
        VoteEvent(EventKind.CAST, 1, 7, Choice.DID_NOT, AT),
        VoteEvent(EventKind.RETRACT, 1, 7, Choice.CAME_TRUE, AT),
    ]
    state: dict[tuple[int, int], Choice] = {}
    apply_to_state(state, fold(events))
    assert state == {(1, 7): Choice.DID_NOT}


def still_held(
    known: dict[int, dict[int, Choice]], events: list[VoteEvent]
) -> list[tuple[int, int, Choice]]:
    """Apply events one by one, tracking each member's reactions: the options besides their vote."""
    vote = {(m, member): c for m, votes in known.items() for member, c in votes.items()}
    holding: dict[tuple[int, int], set[Choice]] = {}
    for e in events:
        key = (e.message_id, e.member_id)
        options = holding.setdefault(key, {vote[key]} if key in vote else set())
        assert e.choice is not None
        if e.kind is EventKind.CAST:
            options.add(e.choice)
            vote[key] = e.choice
        else:
            options.discard(e.choice)
            if vote.get(key) is e.choice:
                del vote[key]
    return sorted(
        (k[0], k[1], c) for k, options in holding.items() for c in options if c is not vote.get(k)
    )


votes_strategy = st.lists(
    st.builds(
        VoteEvent,
        kind=st.sampled_from([EventKind.CAST, EventKind.RETRACT]),
        message_id=st.integers(1, 3),
        member_id=st.integers(1, 4),
        choice=st.sampled_from(list(Choice)),
        at=st.just(AT),
    ),
    max_size=40,
)
known_strategy = st.dictionaries(
    st.integers(1, 3), st.dictionaries(st.integers(1, 4), st.sampled_from(list(Choice)))
)


@given(known_strategy, votes_strategy, st.sets(st.integers(1, 3)), st.sets(st.integers(0, 39)))
def test_superseded_options_are_those_held_besides_the_vote_as_if_one_by_one(
    known: dict[int, dict[int, Choice]],
    events: list[VoteEvent],
    closed: set[int],
    refused: set[int],
) -> None:
    set_aside = [e for i, e in enumerate(events) if i in refused]
    applied = [e for i, e in enumerate(events) if i not in refused and e.message_id not in closed]
    # As the votes service reports it: writes folded from the events it applied, none for
    # a closed poll's, the refused ones set aside.
    found = superseded(events, fold(applied), known, set_aside=set_aside)
    assert sorted(found) == still_held(known, applied)
    assert len(found) == len(set(found))
    assert not any(message_id in closed for message_id, _, _ in found)


def test_a_clear_in_the_batch_takes_its_options_off_what_members_held() -> None:
    known = {1: {7: Choice.CAME_TRUE, 8: Choice.PARTLY}}
    events = [
        VoteEvent(EventKind.CAST, 1, 7, Choice.DID_NOT, AT),
        VoteEvent(EventKind.CLEAR, 1, 0, Choice.CAME_TRUE, AT),
        VoteEvent(EventKind.CAST, 1, 8, Choice.DID_NOT, AT),
    ]
    writes = {(1, 7): Upsert(Choice.DID_NOT, AT), (1, 8): Upsert(Choice.DID_NOT, AT)}
    found = superseded(events, writes, known, cleared=[(1, Choice.CAME_TRUE, 0)])
    # Member 7's older option went with the clear; member 8's is still on the message.
    assert found == [(1, 8, Choice.PARTLY)]
    # A clear before a member's first event in the batch takes their known vote's reaction too.
    events = [
        VoteEvent(EventKind.CLEAR, 1, 0, None, AT),
        VoteEvent(EventKind.CAST, 1, 7, Choice.DID_NOT, AT),
    ]
    writes = {(1, 7): Upsert(Choice.DID_NOT, AT)}
    assert superseded(events, writes, known, cleared=[(1, None, 2)]) == []


def test_votes_from_reactions() -> None:
    reactions = {Choice.CAME_TRUE: {1, 2}, Choice.PARTLY: {2, 3}, Choice.DID_NOT: {3}}
    result = votes_from_reactions(reactions, {2: Choice.PARTLY})
    assert result == {1: Choice.CAME_TRUE, 2: Choice.PARTLY, 3: Choice.DID_NOT}


reactions_strategy = st.fixed_dictionaries(
    {choice: st.sets(st.integers(1, 6)) for choice in Choice}
)
current_strategy = st.dictionaries(st.integers(1, 8), st.sampled_from(list(Choice)))


@given(reactions_strategy, current_strategy)
def test_a_read_back_plan_leaves_exactly_one_vote_per_reacting_member(
    reactions: dict[Choice, set[int]], current: dict[int, Choice]
) -> None:
    plan = plan_read_back(reactions, current)
    after = {m: c for m, c in current.items() if m not in plan.removed} | plan.upserts
    holders = {m for members in reactions.values() for m in members}
    assert set(after) == holders  # every reacting member votes; nobody else does
    for member, choice in after.items():
        assert member in reactions[choice]
        held = {c for c, members in reactions.items() if member in members}
        if current.get(member) in held:
            assert choice is current[member]  # their stored choice wins when they still hold it
    # The extra reactions are exactly those beyond each member's one vote.
    assert sorted(plan.extras) == sorted(
        (m, c) for c, members in reactions.items() for m in members if after[m] is not c
    )
    assert plan.added == len(set(plan.upserts) - set(current))
    assert after == votes_from_reactions(reactions, current)


def test_reactions_replace_votes_until_just_after_the_deadline() -> None:
    closes = AT + timedelta(hours=2)
    assert may_read_back(None, closes, AT)
    assert may_read_back(None, closes, closes + READ_BACK_GRACE - timedelta(seconds=1))
    assert not may_read_back(None, closes, closes + READ_BACK_GRACE)
    assert not may_read_back(AT, closes, AT)  # closed early: its votes are final


button_events_strategy = st.lists(
    st.one_of(
        st.builds(
            VoteEvent,
            kind=st.just(EventKind.CAST),
            message_id=st.integers(1, 3),
            member_id=st.integers(1, 4),
            choice=st.sampled_from(list(Choice)),
            at=st.just(AT),
            salt=st.sampled_from(["a" * 32, "b" * 32]),
        ),
        st.builds(
            VoteEvent,
            kind=st.just(EventKind.RETRACT),
            message_id=st.integers(1, 3),
            member_id=st.integers(1, 4),
            choice=st.sampled_from([*Choice, None]),
            at=st.just(AT),
        ),
    ),
    max_size=40,
)


@given(state_strategy, button_events_strategy)
def test_retract_whatever_it_is_folds_like_one_by_one(
    start: dict[tuple[int, int], Choice], events: list[VoteEvent]
) -> None:
    """A sealed ballot's Retract (choice None) removes the vote whatever it is, in order."""
    expected = dict(start)
    for e in events:
        key = (e.message_id, e.member_id)
        if e.kind is EventKind.CAST:
            expected[key] = e.choice  # type: ignore[assignment]
        elif e.choice is None or expected.get(key) is e.choice:
            expected.pop(key, None)
    folded = dict(start)
    writes = fold(events)
    apply_to_state(folded, writes)
    assert folded == expected
    for key, write in writes.items():  # the last cast's salt goes with its upsert
        if isinstance(write, Upsert):
            casts = [e for e in events if (e.message_id, e.member_id) == key]
            last = [e for e in casts if e.kind is EventKind.CAST][-1]
            assert write.salt == last.salt


def test_a_ballot_keeps_its_salt_only_for_the_same_choice() -> None:
    from bot.domain.ballots import salt_kept

    assert salt_kept(Choice.PARTLY, Choice.PARTLY)
    assert not salt_kept(Choice.PARTLY, Choice.DID_NOT)
    assert not salt_kept(None, Choice.DID_NOT)
