"""Against the real broker: a queue-depth rule fires on the monitor's samples and clears."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from opsdesk.alerting.evaluator import AlertEvaluator, StatsInputs
from opsdesk.alerting.worker import AlertWorker
from opsdesk.broker.queue_monitor import QueueMonitor
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.store.alert_log import AlertLog
from opsdesk.store.sample_recorder import SampleRecorder
from opsdesk.store.statistics.windows import as_utc
from tests.alerting.recorder import AlertRecorder
from tests.conftest import BrokerObjects
from tests.monitor_profile import monitor_profile

pytestmark = pytest.mark.broker

N = 20
STATS_DEADLINE = 20.0  # the management plugin refreshes its figures every 5 s


def rule(queue: str) -> AlertRule:
    return AlertRule("backlog", RuleKind.QUEUE_DEPTH, queue, threshold=N - 1)


def test_sampled_depth_fires_a_rule_and_a_purge_clears_it(
    broker: BrokerObjects, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    for i in range(N):
        broker.publish("", queue, f"payment {i}".encode())
    monitor = QueueMonitor(monitor_profile((queue,), api=False))
    evaluator = AlertEvaluator([rule(queue)])

    def evaluate() -> list[tuple[str, float | None]]:
        sampled = monitor.sample_once()
        samples = {s.queue: s for s in sampled.samples}
        now = as_utc(sampled_at(sampled.taken_at))
        return [(t.state, t.value) for t in evaluator.evaluate(now, samples, StatsInputs())]

    assert evaluate() == [("fired", float(N))]
    assert evaluate() == []  # still firing: no new transition
    broker.channel.queue_purge(queue)
    assert evaluate() == [("cleared", 0.0)]


def test_alert_worker_on_the_running_monitor_through_the_management_api(
    broker: BrokerObjects, unique_name: str, tmp_path: Path
) -> None:
    history = tmp_path / "history.sqlite"
    queue = broker.queue(unique_name)
    for i in range(N):
        broker.publish("", queue, f"payment {i}".encode())
    monitor = QueueMonitor(monitor_profile((queue,)), SampleRecorder(history))
    recorder = AlertRecorder()
    worker = AlertWorker(history, [rule(queue)], recorder, interval=0.2)
    monitor.start()
    worker.start()
    try:
        recorder.wait_for(lambda: len(recorder.transitions) >= 1, STATS_DEADLINE)
        fired = recorder.transitions[0]
        assert (fired.state, fired.subject, fired.value) == ("fired", queue, float(N))
        broker.channel.queue_purge(queue)
        recorder.wait_for(lambda: len(recorder.transitions) >= 2, STATS_DEADLINE)
        assert recorder.states()[1] == ("cleared", "backlog", queue)
    finally:
        worker.stop(timeout=5.0)
        monitor.stop(timeout=5.0)
    with AlertLog(history, readonly=True) as log:
        (row,) = log.history()
    assert (row.rule, row.subject, row.value) == ("backlog", queue, float(N))
    assert row.ended_at is not None and row.ended_at >= row.started_at


def sampled_at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
