"""The broker_alarm rule in the evaluator, over node health values: fires while an alarm or a
partition is present, clears when gone; a read that failed neither fires nor clears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opsdesk.alerting.evaluator import (
    STALE_SECONDS,
    AlertEvaluator,
    AlertTransition,
    EndReason,
    StatsInputs,
    needs_health,
)
from opsdesk.broker.node_health import AlarmCheck, ClusterHealth
from opsdesk.config.alert_rules import AlertRule, RuleKind
from tests.broker.node_health_values import HEALTHY, cluster, node, over_memory, unreachable

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
BLOCKED = AlertRule("broker alarm", RuleKind.BROKER_ALARM)
MEMORY = "memory alarm on rabbit@pay-1: 1.2 GB used of a 800 MB limit; publishers are blocked"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def states(transitions: list[AlertTransition]) -> list[tuple[str, str]]:
    return [(t.state, t.subject) for t in transitions]


def judge(
    evaluator: AlertEvaluator, seconds: float, health: ClusterHealth
) -> list[AlertTransition]:
    return evaluator.evaluate(at(seconds), {}, StatsInputs(), None, health)


def test_fires_on_a_memory_alarm_and_clears_when_it_is_gone() -> None:
    evaluator = AlertEvaluator([BLOCKED])
    assert judge(evaluator, 0, cluster(at(0))) == []

    (fired,) = judge(evaluator, 5, cluster(at(5), over_memory()))
    assert states([fired]) == [("fired", "broker")]
    assert (fired.value, fired.threshold, fired.message) == (1.0, 0.0, MEMORY)
    (active,) = evaluator.active
    assert active.since == at(5) and active.stale_since is None

    (cleared,) = judge(evaluator, 10, cluster(at(10)))
    assert states([cleared]) == [("cleared", "broker")] and cleared.end_reason is None
    assert cleared.message.startswith("no broker alarm or partition any more")
    assert evaluator.active == ()


def test_one_alert_for_the_cluster_whose_message_follows_the_alarms() -> None:
    evaluator = AlertEvaluator([BLOCKED])
    unnamed = cluster(at(0), HEALTHY, check=AlarmCheck.RAISED)  # figures lag the live check
    assert states(judge(evaluator, 0, unnamed)) == [("fired", "broker")]
    assert evaluator.active[0].message.startswith("resource alarm in effect")

    split = (over_memory(), node(name="rabbit@pay-2", partitions=("rabbit@pay-1",)))
    assert judge(evaluator, 5, cluster(at(5), *split, check=AlarmCheck.RAISED)) == []
    (active,) = evaluator.active
    assert active.since == at(0) and active.value == 2.0
    assert active.message.startswith(MEMORY + " · network partition: rabbit@pay-2 cannot reach")


def test_a_partition_alone_fires_it() -> None:
    evaluator = AlertEvaluator([BLOCKED])
    split = cluster(at(0), node(partitions=("rabbit@pay-2",)), check=AlarmCheck.CLEAR)
    assert states(judge(evaluator, 0, split)) == [("fired", "broker")]


def test_a_hold_time_delays_firing() -> None:
    evaluator = AlertEvaluator([AlertRule("held", RuleKind.BROKER_ALARM, for_seconds=30)])
    assert judge(evaluator, 0, cluster(at(0), over_memory())) == []
    assert judge(evaluator, 20, cluster(at(20), over_memory())) == []
    assert states(judge(evaluator, 30, cluster(at(30), over_memory()))) == [("fired", "broker")]


def test_reads_that_failed_neither_fire_nor_clear_and_the_alert_says_since_when() -> None:
    evaluator = AlertEvaluator([BLOCKED])
    judge(evaluator, 0, cluster(at(0), over_memory()))
    # The API stops answering, for far longer than the time after which a subject no longer
    # reported is cleared: the alert stays, marked with the time of the last read that worked.
    for seconds in (5, 60, STALE_SECONDS + 100):
        assert judge(evaluator, seconds, unreachable(at(seconds))) == []
    (active,) = evaluator.active
    assert active.stale_since == at(0) and active.since == at(0)
    # Readable again and clear: it cleared while nobody could see.
    (cleared,) = judge(evaluator, 500, cluster(at(500)))
    assert cleared.end_reason is EndReason.UNWATCHED


def test_a_failed_read_does_not_fire_and_restarts_the_hold_time() -> None:
    evaluator = AlertEvaluator([AlertRule("held", RuleKind.BROKER_ALARM, for_seconds=30)])
    assert judge(evaluator, 0, cluster(at(0), over_memory())) == []
    assert judge(evaluator, 40, unreachable(at(40))) == []
    assert evaluator.active == ()
    assert judge(evaluator, 45, cluster(at(45), over_memory())) == []  # held from 45 again
    assert states(judge(evaluator, 75, cluster(at(75), over_memory()))) == [("fired", "broker")]


def test_health_is_read_only_for_enabled_broker_alarm_rules() -> None:
    assert needs_health([BLOCKED])
    assert not needs_health([AlertRule("off", RuleKind.BROKER_ALARM, enabled=False)])
    assert not needs_health([AlertRule("depth", RuleKind.QUEUE_DEPTH, threshold=5)])
