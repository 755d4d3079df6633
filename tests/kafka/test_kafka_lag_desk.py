"""A slow consumer group's lag in the whole desk against Tansu: the desk's Kafka lag sampler
stores it, the dashboard's queue-depth data shows it rise and fall, and the real alert worker
fires "lag above N" and clears it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from confluent_kafka import TopicPartition
from pytestqt.qtbot import QtBot

from opsdesk.alerting.worker import AlertWorker
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.config.profiles import MonitorSettings
from opsdesk.config.tap_settings import TapSettings
from opsdesk.ingest.kafka_lag_samples import lag_queue
from opsdesk.store.alert_log import AlertLog
from opsdesk.store.errors import StoreError
from opsdesk.store.queue_sample_store import QueueSampleStore
from opsdesk.ui.dashboard.dashboard_panel import DashboardPanel
from opsdesk.ui.desk import Desk
from tests.conftest import BrokerObjects
from tests.kafka.conftest import Tansu
from tests.kafka.kafka_desk import kafka_settings, native_records, produce
from tests.kafka.test_kafka_desk import running_desk
from tests.kafka.test_kafka_lag import commit, produced_per_partition
from tests.operations.conftest import make_profile
from tests.ui.conftest import (  # noqa: F401  (the UI tests' Qt fixtures, found by name)
    _OFFSCREEN_LIMITS,
    _collect_on_the_ui_thread,
    _private_qsettings,
)

pytestmark = [pytest.mark.broker, pytest.mark.qt_log_ignore(_OFFSCREEN_LIMITS)]
WAIT_MS = 20_000
LAG_ABOVE = 10


def stored_lag(db: Path, queue: str) -> int | None:
    """The newest lag the history holds for `queue` (None before the first sample)."""
    try:
        with QueueSampleStore(db, readonly=True) as store:
            sample = store.latest().get(queue)
    except StoreError:  # not created yet
        return None
    return None if sample is None else sample.messages_ready


def alert_worker(desk: Desk) -> AlertWorker:
    (worker,) = [w for w in desk.workers.items if isinstance(w, AlertWorker)]
    return worker


def firing(desk: Desk) -> set[str]:
    worker = alert_worker(desk)
    worker.evaluate_soon()  # a round now rather than at its 5 s interval
    return {a.subject for a in worker.active}


def dashboard_lag(dashboard: DashboardPanel, queue: str) -> int | None:
    """The newest lag the dashboard's queue figures hold (live rounds, as the monitor's)."""
    sample = dashboard.queues.tracks.latest.get(queue)
    return None if sample is None else sample.messages_ready


def track_depths(dashboard: DashboardPanel, queue: str) -> list[int]:
    track = dashboard.queues.tracks.tracks.get(queue)
    return [] if track is None else [int(depth) for depth in track.ready]


def test_a_slow_groups_lag_rises_and_falls_on_the_dashboard_and_its_alert_fires_and_clears(
    qtbot: QtBot, tansu: Tansu, topic: str, broker: BrokerObjects, unique_name: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    group = f"svc-{topic}"
    first = produced_per_partition(produce(tansu.bootstrap, topic, native_records(0, 3)))
    commit(tansu.bootstrap, group, [TopicPartition(topic, p, n) for p, n in first.items()])
    queue = lag_queue(group, topic)
    profile = replace(
        make_profile(),
        tap=TapSettings(queue=broker.track_queue(f"{unique_name}.tap")),
        kafka=(kafka_settings(tansu.bootstrap, topic, consumer_groups=(group,)),),
        monitor=MonitorSettings(interval=1.0),
        alerts=(AlertRule("lag", RuleKind.QUEUE_DEPTH, queue=queue, threshold=LAG_ABOVE),),
    )
    db = tmp_path / "history.sqlite"
    with running_desk(qtbot, profile, tmp_path) as desk:
        dashboard = desk.window.findChild(DashboardPanel)
        assert dashboard is not None
        desk.window.show_panel(dashboard)
        qtbot.waitUntil(lambda: stored_lag(db, queue) == 0, timeout=WAIT_MS)
        assert firing(desk) == set()

        places = produce(tansu.bootstrap, topic, native_records(3, 30))  # the group lags
        qtbot.waitUntil(lambda: stored_lag(db, queue) == 30, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: dashboard_lag(dashboard, queue) == 30, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: firing(desk) == {queue}, timeout=WAIT_MS)

        ends = produced_per_partition(places)
        caught_up = [TopicPartition(topic, p, first.get(p, 0) + ends.get(p, 0)) for p in range(3)]
        commit(tansu.bootstrap, group, caught_up)  # the group's consumer catches up
        qtbot.waitUntil(lambda: stored_lag(db, queue) == 0, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: dashboard_lag(dashboard, queue) == 0, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: firing(desk) == set(), timeout=WAIT_MS)

        live = track_depths(dashboard, queue)  # the depth chart's points, as they came
        assert max(live) == 30 and live[0] == 0 and live[-1] == 0, live
        with qtbot.waitSignal(dashboard.queue_history_shown, timeout=WAIT_MS):
            dashboard.set_window(dashboard.window_choice)  # again, from the history file
        stored = track_depths(dashboard, queue)
        assert max(stored) == 30 and stored[0] == 0 and stored[-1] == 0, stored
    with AlertLog(db, readonly=True) as alerts:
        (record,) = [r for r in alerts.history() if r.subject == queue]
    assert record.rule == "lag" and record.ended_at is not None, "fired, then cleared"
    assert record.end_reason is None, "seen to clear"
