"""The alert worker reads node health from the real broker's management API on its cadence:
a real memory alarm fires the broker_alarm rule and its end clears it; a management API that
cannot be read fires nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsdesk.alerting.worker import AlertWorker
from opsdesk.broker.node_health import ClusterHealth, NodeHealthReader
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.store.alert_log import AlertLog
from opsdesk.store.event_store import EventStore
from tests.alerting.recorder import AlertRecorder
from tests.broker.memory_alarm import memory_alarm
from tests.conftest import BROKER_URL, poll_until
from tests.monitor_profile import closed_port

pytestmark = pytest.mark.broker

BLOCKED = AlertRule("broker alarm", RuleKind.BROKER_ALARM)
DEADLINE = 10.0  # the live alarm check answers at once; a round every 0.1 s


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite"
    EventStore(path).close()
    return path


@pytest.mark.broker_alarm
def test_a_real_memory_alarm_fires_the_rule_and_its_end_clears_it(history: Path) -> None:
    reader = NodeHealthReader(BrokerEndpoint(url=BROKER_URL))
    recorder = AlertRecorder()
    worker = AlertWorker(history, [BLOCKED], recorder, interval=0.1, read_health=reader.read)
    worker.start()
    try:
        with memory_alarm():
            recorder.wait_for(lambda: len(recorder.transitions) >= 1, DEADLINE)
        recorder.wait_for(lambda: len(recorder.transitions) >= 2, DEADLINE)
    finally:
        worker.stop(timeout=5.0)
    fired, cleared = recorder.transitions[:2]
    assert recorder.states()[:2] == [
        ("fired", "broker alarm", "broker"),
        ("cleared", "broker alarm", "broker"),
    ]
    assert fired.value is not None and fired.value >= 1
    assert fired.message.endswith("publishers are blocked")
    assert cleared.end_reason is None
    with AlertLog(history, readonly=True) as log:
        (row,) = log.history()
    assert (row.rule, row.kind, row.subject) == ("broker alarm", "broker_alarm", "broker")
    assert row.ended_at is not None and row.ended_at >= row.started_at


def test_a_management_api_that_cannot_be_read_fires_nothing(history: Path) -> None:
    reader = NodeHealthReader(BrokerEndpoint(url=BROKER_URL), f"http://127.0.0.1:{closed_port()}")
    reads: list[ClusterHealth] = []

    def read() -> ClusterHealth:
        reads.append(reader.read())
        return reads[-1]

    recorder = AlertRecorder()
    worker = AlertWorker(history, [BLOCKED], recorder, interval=0.05, read_health=read)
    worker.start()
    try:
        poll_until(lambda: len(reads) >= 5, DEADLINE, "the worker did not read node health")
    finally:
        worker.stop(timeout=5.0)
    assert all(not r.reachable for r in reads)
    assert recorder.transitions == [] and worker.active == ()
