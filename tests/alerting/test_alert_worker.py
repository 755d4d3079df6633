"""The alert worker on a real history file: reads samples and statistics, logs and reports."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsdesk.alerting.worker import AlertWorker
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.events.timestamps import utc_iso
from opsdesk.store import database
from opsdesk.store.alert_log import AlertLog
from opsdesk.store.queue_sample_store import QueueSampleStore
from tests.alerting.recorder import AlertRecorder
from tests.store.history_factory import event, write

BACKLOG = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=5)
RATE = AlertRule("rate", RuleKind.SUCCESS_RATE, threshold=90, window_seconds=600, min_samples=4)


def add_sample(path: Path, ready: int) -> None:
    with QueueSampleStore(path) as store:
        now = utc_iso(datetime.now(UTC))
        store.add([QueueSample(now, "/", "orders", ready, 0, 1, None, None, None, False, "amqp")])


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite"
    recent = datetime.now(UTC) - timedelta(minutes=1)
    write(path, [event(recent), *(event(recent, "payment.failed") for _ in range(3))])
    return path


@pytest.fixture
def start_worker(history: Path) -> Iterator:
    workers: list[AlertWorker] = []

    def start(rules: list[AlertRule], recorder: AlertRecorder) -> AlertWorker:
        worker = AlertWorker(history, rules, recorder, interval=60.0)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop(timeout=5.0)
        assert not worker.is_alive()


def test_worker_fires_logs_and_clears(history: Path, start_worker) -> None:
    add_sample(history, 9)
    recorder = AlertRecorder()
    worker = start_worker([BACKLOG, RATE], recorder)
    recorder.wait_for(lambda: len(recorder.transitions) == 2)
    assert sorted(recorder.states()) == [
        ("fired", "backlog", "orders"),
        ("fired", "rate", "overall"),
    ]
    assert {a.rule.name for a in recorder.active[-1]} == {"backlog", "rate"}
    rate = next(t for t in recorder.transitions if t.rule == RATE)
    assert rate.value == 25.0  # 1 of 4 succeeded

    add_sample(history, 2)
    worker.evaluate_soon()
    recorder.wait_for(lambda: len(recorder.transitions) == 3)
    assert recorder.states()[-1] == ("cleared", "backlog", "orders")
    assert [a.rule.name for a in worker.active] == ["rate"]

    worker.set_rules([BACKLOG])  # the rate rule is gone: its alert ends
    recorder.wait_for(lambda: len(recorder.transitions) == 4)
    assert recorder.states()[-1] == ("cleared", "rate", "overall")

    with AlertLog(history, readonly=True) as log:
        rows = {row.rule: row for row in log.history()}
    assert set(rows) == {"backlog", "rate"}
    assert rows["backlog"].ended_at is not None and rows["rate"].ended_at is not None
    assert (rows["backlog"].kind, rows["backlog"].subject, rows["backlog"].value) == (
        "queue_depth",
        "orders",
        9.0,
    )


def test_worker_waits_for_a_history_file_that_does_not_exist_yet(tmp_path: Path) -> None:
    recorder = AlertRecorder()
    worker = AlertWorker(tmp_path / "later.sqlite", [BACKLOG], recorder, interval=60.0)
    worker.start()
    try:
        add_sample(tmp_path / "later.sqlite", 9)  # the collector creates the file
        worker.evaluate_soon()
        recorder.wait_for(lambda: len(recorder.transitions) == 1)
        assert recorder.states() == [("fired", "backlog", "orders")]
    finally:
        worker.stop(timeout=5.0)


def test_samples_older_than_a_few_sampling_intervals_do_not_fire(
    history: Path, start_worker
) -> None:
    minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    sample = QueueSample(utc_iso(minute_ago), "/", "orders", 9, 0, 1, None, None, None, False,
                         "amqp")  # fmt: skip
    with QueueSampleStore(history) as store:
        store.add([sample])
    recorder = AlertRecorder()
    start_worker([BACKLOG], recorder)  # the monitor samples every 5 s: 15 s is stale
    recorder.wait_for(lambda: bool(recorder.figures))
    stale = recorder.figures[-1]
    assert stale is not None and stale.queues == ("orders",)
    assert 55 <= stale.age_seconds() <= 120
    assert f"newest sample is {stale.age_seconds():.0f} s old" in stale.sentence()
    assert recorder.transitions == [] and recorder.active == []


def test_an_alert_firing_while_the_history_is_locked_reaches_the_window_and_is_logged_later(
    history: Path, start_worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tap draining a backlog holds the write lock past the busy timeout, again and again.
    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    add_sample(history, 9)
    lock = sqlite3.connect(history, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        recorder = AlertRecorder()
        worker = start_worker([BACKLOG], recorder)
        recorder.wait_for(lambda: len(recorder.transitions) == 1)
        assert recorder.states() == [("fired", "backlog", "orders")]
        assert [a.rule.name for a in worker.active] == ["backlog"]
        with AlertLog(history, readonly=True) as alert_log:
            assert alert_log.history() == []  # not written yet: the lock is held
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    # A rule added after the lock is gone: the round that reports it has written the log,
    # what the earlier round could not first.
    worker.set_rules([BACKLOG, RATE])
    recorder.wait_for(lambda: len(recorder.transitions) == 2)
    with AlertLog(history, readonly=True) as alert_log:
        logged = sorted(row.rule for row in alert_log.history())
    assert logged == ["backlog", "rate"]
    assert recorder.states() == [  # the backlog alert reported once
        ("fired", "backlog", "orders"),
        ("fired", "rate", "overall"),
    ]
