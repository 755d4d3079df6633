"""An alert firing when the desk closes is not ended then: the next run resumes or ends it.

"Ended" is when the condition cleared. Closing the window is not that: the row stays open
with the time the alert was last seen firing; the next worker on the file goes on with it
if it still holds, or ends it as having cleared while nobody watched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsdesk.alerting.evaluator import EndReason
from opsdesk.alerting.worker import AlertWorker
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.alert_log import AlertLog, AlertRecord
from opsdesk.store.queue_sample_store import QueueSampleStore
from tests.alerting.recorder import AlertRecorder

BACKLOG = AlertRule("backlog", RuleKind.QUEUE_DEPTH, "orders", threshold=5)


class Clock:
    """The workers' time: real time plus however far a test moved it on."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite"
    AlertLog(path).close()  # creates the schema
    return path


@pytest.fixture
def run(history: Path, clock: Clock) -> Iterator:
    workers: list[AlertWorker] = []

    def start(rules: list[AlertRule]) -> tuple[AlertWorker, AlertRecorder]:
        recorder = AlertRecorder()
        worker = AlertWorker(history, rules, recorder, interval=60.0, clock=clock)
        workers.append(worker)
        worker.start()
        return worker, recorder

    yield start
    for worker in workers:
        worker.stop(timeout=5.0)
        assert not worker.is_alive()


def add_sample(path: Path, ready: int, at: datetime) -> None:
    with QueueSampleStore(path) as store:
        store.add([QueueSample(utc_iso(at), "/", "orders", ready, 0, 1, None, None, None, False,
                               "amqp")])  # fmt: skip


def rows(path: Path) -> list[AlertRecord]:
    with AlertLog(path, readonly=True) as log:
        return log.history()


def fire_then_close(run, history: Path, clock: Clock) -> AlertRecord:
    add_sample(history, 9, clock())
    worker, recorder = run([BACKLOG])
    recorder.wait_for(lambda: len(recorder.transitions) == 1)
    worker.stop(timeout=5.0)  # what closing the window does
    (row,) = rows(history)
    return row


def test_closing_the_desk_leaves_a_firing_alert_open_with_when_it_was_last_seen(
    run, history: Path, clock: Clock
) -> None:
    row = fire_then_close(run, history, clock)
    assert row.ended_at is None and row.end_reason is None
    assert row.last_seen_at is not None and row.last_seen_at >= row.started_at


def test_the_next_run_goes_on_with_an_alert_that_still_holds(
    run, history: Path, clock: Clock
) -> None:
    first = fire_then_close(run, history, clock)
    clock.offset = timedelta(minutes=20)  # the desk was closed for 20 minutes
    add_sample(history, 12, clock())
    _, recorder = run([BACKLOG])
    recorder.wait_for(lambda: bool(recorder.active))
    (active,) = recorder.active[-1]
    assert active.since.isoformat(timespec="milliseconds").startswith(first.started_at[:19])
    assert active.value == 12 and active.stale_since is None
    assert recorder.transitions == []  # the same alert, not a new one
    (row,) = rows(history)
    assert row.id == first.id and row.ended_at is None
    assert row.last_seen_at is not None and row.last_seen_at > first.last_seen_at


def test_an_alert_that_cleared_while_the_desk_was_closed_says_so(
    run, history: Path, clock: Clock
) -> None:
    first = fire_then_close(run, history, clock)
    clock.offset = timedelta(minutes=20)
    add_sample(history, 1, clock())
    reopened = utc_iso(clock())
    _, recorder = run([BACKLOG])
    recorder.wait_for(lambda: len(recorder.transitions) == 1)
    assert recorder.transitions[0].end_reason is EndReason.UNWATCHED
    (row,) = rows(history)
    # Not "ended when the window closed": somewhere between last seen and the next look.
    assert row.end_reason == "unwatched"
    assert row.ended_at is not None and row.ended_at >= reopened
    assert row.last_seen_at == first.last_seen_at


def test_an_alert_whose_rule_was_removed_meanwhile_ends_as_rule_changed(
    run, history: Path, clock: Clock
) -> None:
    fire_then_close(run, history, clock)
    quiet = AlertRule("quiet", RuleKind.SILENCE, for_seconds=3600)
    _, recorder = run([quiet])
    recorder.wait_for(lambda: len(recorder.transitions) == 1)
    (row,) = rows(history)
    assert row.ended_at is not None and row.end_reason == "rule_changed"


def test_an_alert_on_figures_that_went_stale_neither_clears_nor_pretends_to_be_current(
    run, history: Path, clock: Clock
) -> None:
    """The broker became unreachable: no new samples. Old code cleared after 5 min."""
    add_sample(history, 9, clock())
    worker, recorder = run([BACKLOG])
    recorder.wait_for(lambda: len(recorder.transitions) == 1)
    fired_at = recorder.transitions[0].at
    clock.offset = timedelta(minutes=10)
    worker.evaluate_soon()
    recorder.wait_for(lambda: bool(recorder.figures) and recorder.figures[-1] is not None)
    stale = recorder.figures[-1]
    assert stale is not None and 590 <= stale.age_seconds() <= 610
    assert "newest sample is 10 min old" in stale.sentence()
    recorder.wait_for(lambda: recorder.active[-1][0].stale_since is not None)
    assert recorder.transitions[1:] == []  # not cleared
    (row,) = rows(history)
    assert row.ended_at is None and row.last_seen_at is not None
    assert row.last_seen_at <= utc_iso(fired_at + timedelta(seconds=1))  # not seen since

    add_sample(history, 2, clock())  # sampling resumes; the backlog is gone
    worker.evaluate_soon()
    recorder.wait_for(lambda: len(recorder.transitions) == 2)
    assert recorder.transitions[1].end_reason is EndReason.UNWATCHED
    recorder.wait_for(lambda: recorder.figures[-1] is None)  # current again
    (row,) = rows(history)
    assert row.end_reason == "unwatched" and row.ended_at is not None
