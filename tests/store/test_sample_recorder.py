"""The monitor's samples are kept even when a busy history refuses a round."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from opsdesk.events.timestamps import utc_iso
from opsdesk.store import database
from opsdesk.store.queue_sample_store import QueueSampleStore
from opsdesk.store.sample_recorder import SampleRecorder
from tests.store.history_factory import at, write
from tests.store.test_queue_sample_store import sample


def test_a_round_refused_by_a_locked_history_is_kept_with_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tap draining a backlog holds the write lock past the busy timeout.
    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "history.sqlite"
    write(path, [])
    recorder = SampleRecorder(path, retention_days=100_000)  # the samples are from 2025
    lock = sqlite3.connect(path, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        recorder.on_samples([sample("orders", 0, 9)])  # refused: the history is locked
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    recorder.on_samples([sample("orders", 5, 12)])
    recorder.close()
    with QueueSampleStore(path, readonly=True) as store:
        kept = store.series("orders", utc_iso(at(-60)), utc_iso(at(60)))
    assert [(s.taken_at, s.messages_ready) for s in kept] == [
        (utc_iso(at(0)), 9),
        (utc_iso(at(5)), 12),
    ]
