"""The Metrics object alone: a registry of its own, late interactions, driver errors."""

from __future__ import annotations

import asyncio
import sqlite3

from prometheus_client import REGISTRY

from bot.metrics import Metrics


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    """Return one sample's value from a Metrics registry (0 when absent)."""
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def test_a_command_not_acknowledged_in_3_s_counts_as_late() -> None:
    metrics = Metrics()
    acknowledged = {"slow": False, "quick": True}
    slow = metrics.interaction("slow", lambda: acknowledged["slow"])
    quick = metrics.interaction("quick", lambda: acknowledged["quick"])
    await asyncio.sleep(0.1)
    quick()
    quick()  # once only
    await asyncio.sleep(3.0)
    slow()
    assert sample(metrics, "calledit_late_interactions_total", command="slow") == 1
    assert sample(metrics, "calledit_late_interactions_total", command="quick") == 0
    assert sample(metrics, "calledit_interaction_answer_seconds_count", command="quick") == 1
    assert sample(metrics, "calledit_interaction_answer_seconds_count", command="slow") == 1
    assert sample(metrics, "calledit_interaction_answer_seconds_sum", command="slow") >= 3.0


def test_each_bot_has_its_own_registry_and_errors_count_by_kind() -> None:
    one, two = Metrics(), Metrics()
    one.database_error(sqlite3.OperationalError("database is locked"))
    one.database_error(sqlite3.IntegrityError("UNIQUE constraint failed"))
    one.event("MESSAGE_REACTION_ADD")
    assert sample(one, "calledit_database_errors_total", kind="busy") == 1
    assert sample(one, "calledit_database_errors_total", kind="other") == 1
    assert sample(two, "calledit_database_errors_total", kind="busy") == 0
    assert b'calledit_gateway_events_total{type="MESSAGE_REACTION_ADD"} 1.0' in one.render()
    assert b"calledit_gateway_events_total{" not in two.render()
    assert REGISTRY.get_sample_value("calledit_database_errors_total", {"kind": "busy"}) is None
