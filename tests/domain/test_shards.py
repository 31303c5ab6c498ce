"""Which process serves which guild."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InvalidInput
from bot.domain.shards import ShardScope, parse_shard_ids, shard_of


def test_discords_rule() -> None:
    assert shard_of(41771983423143937, 1) == 0
    assert shard_of(41771983423143937, 2) == (41771983423143937 >> 22) % 2
    assert shard_of(5 << 22, 4) == 1


def test_shard_ids_parse_ranges_and_lists() -> None:
    assert parse_shard_ids("0-3", 8) == (0, 1, 2, 3)
    assert parse_shard_ids("4,5", 8) == (4, 5)
    assert parse_shard_ids(" 0-1, 6 ", 8) == (0, 1, 6)
    for bad, why in (("", "empty"), ("a", "not a shard"), ("3-1", "backwards"), ("8", "exist")):
        with pytest.raises(InvalidInput, match=why):
            parse_shard_ids(bad, 8)


@given(st.integers(1, 16), st.integers(0, 2**63 - 1))
def test_every_guild_has_exactly_one_owner(count: int, guild_id: int) -> None:
    owners = [i for i in range(count) if ShardScope.of(count, [i]).owns(guild_id)]
    assert owners == [shard_of(guild_id, count)]
    assert ShardScope.of(count).owns(guild_id)


def test_one_process_does_everything_and_shard_zero_syncs() -> None:
    assert ShardScope().everything and ShardScope().syncs_commands
    assert not ShardScope.of(2, [1]).syncs_commands and not ShardScope.of(2, [1]).everything
