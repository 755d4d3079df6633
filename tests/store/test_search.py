"""The background body index: batches in rowid order, progress in meta, the thread's lifecycle."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from opsdesk.store import database
from opsdesk.store.errors import StoreError, is_busy, store_failures
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery
from opsdesk.store.event_store import EventStore
from opsdesk.store.search import INDEXED_UPTO_KEY, SearchIndexer, SearchIndexerThread
from opsdesk.store.transaction import write_transaction
from tests.store import history_builder as hb


def _meta_upto(path: Path) -> int | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (INDEXED_UPTO_KEY,)).fetchone()
        return None if row is None else int(row[0])
    finally:
        conn.close()


def test_indexes_in_batches_and_remembers_progress(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    hb.write(path, list(hb.generate(1000)))
    with SearchIndexer(path, batch_rows=300) as indexer:
        assert indexer.index_some() == 300  # one batch by default
        assert _meta_upto(path) == 300
        assert indexer.index_some(500) == 500
        assert indexer.progress().behind == 200
    # A new indexer (e.g. after a restart) resumes where the last one stopped.
    with SearchIndexer(path, batch_rows=300) as indexer:
        assert indexer.index_some(10_000) == 200
        assert indexer.index_some(10_000) == 0
        assert indexer.progress().caught_up
    assert _meta_upto(path) == 1000
    hb.check_search_index(path)


def test_text_filter_sees_only_indexed_rows(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    events = list(hb.generate(10))
    rows = hb.write(path, [replace(e, body=f"marker{i % 2} text") for i, e in enumerate(events)])
    odd = EventFilter(text="marker1")
    with EventQuery(path) as query:
        assert list(query.ids(odd)) == []
        with SearchIndexer(path) as indexer:
            indexer.index_some(4)
        assert list(query.ids(odd)) == [4, 2]
        with SearchIndexer(path) as indexer:
            indexer.index_some()
        assert list(query.ids(odd)) == [row_id for row_id, _ in rows if row_id % 2 == 0][::-1]


def test_gaps_in_row_ids_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    hb.write(path, list(hb.generate(50)))
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM events WHERE id BETWEEN 10 AND 30")  # before indexing
    conn.close()
    with SearchIndexer(path, batch_rows=7) as indexer:
        assert indexer.index_some(1000) == 29
        assert indexer.progress().caught_up
    hb.check_search_index(path)


def _wait_caught_up(worker: SearchIndexerThread, path: Path, deadline: float) -> None:
    with EventQuery(path) as query:
        while query.search_progress().behind:
            assert time.monotonic() < deadline, "the indexer did not catch up"
            worker.caught_up.clear()
            worker.wake()
            worker.caught_up.wait(max(0.0, deadline - time.monotonic()))


def test_thread_follows_ingest_and_stops_promptly(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    hb.write(path, list(hb.generate(500)))
    worker = SearchIndexerThread(path, idle_interval=60.0, batch_rows=128)
    worker.start()
    try:
        assert worker.caught_up.wait(10.0)
        _wait_caught_up(worker, path, time.monotonic() + 10.0)
        with EventStore(path) as store:
            store.insert_batch(
                [
                    replace(e, event_id=f"new-{i}", body="freshword")
                    for i, e in enumerate(hb.generate(40))
                ]
            )
        _wait_caught_up(worker, path, time.monotonic() + 10.0)
        with EventQuery(path) as query:
            assert query.count(EventFilter(text="freshword")) == 40
    finally:
        started = time.monotonic()
        worker.stop()
    # Idle for 60 s between passes, yet stop() returns at once.
    assert time.monotonic() - started < 2.0
    assert not worker.running and worker.error is None
    with pytest.raises(RuntimeError):
        worker.start()


class _Heard(logging.Handler):
    """Sets `event` when a record containing `text` is logged, from whichever thread."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.INFO)
        self.text = text
        self.event = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


def test_thread_waits_out_a_write_lock_held_past_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tap draining a backlog holds the write lock nearly all the time: the indexer used to
    # stop for good at its first "database is locked", and search then missed every new row.
    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "h.sqlite"
    hb.write(path, list(hb.generate(300)))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding on
    worker = SearchIndexerThread(path, idle_interval=60.0, batch_rows=128)
    heard = _Heard("waits for the history")
    search_log = logging.getLogger("opsdesk.store.search")
    search_log.addHandler(heard)
    level = search_log.level
    search_log.setLevel(logging.INFO)
    worker.start()
    try:
        assert heard.event.wait(10.0), "the indexer never met the held lock"
        assert worker.running and worker.error is None
        holder.execute("COMMIT")
        _wait_caught_up(worker, path, time.monotonic() + 10.0)
    finally:
        holder.close()
        worker.stop()
        search_log.removeHandler(heard)
        search_log.setLevel(level)
    assert worker.error is None
    assert _meta_upto(path) == 300


def test_is_busy_tells_a_held_lock_from_other_failures(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    hb.write(path, list(hb.generate(3)))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    conn = sqlite3.connect(path, timeout=0.05)
    try:
        with pytest.raises(StoreError) as locked, write_transaction(conn, "cannot write"):
            pass
    finally:
        conn.close()
        holder.execute("ROLLBACK")
        holder.close()
    assert is_busy(locked.value)
    with pytest.raises(StoreError) as broken, store_failures("cannot read"):
        raise sqlite3.DatabaseError("file is not a database")
    assert not is_busy(broken.value)


def test_thread_reports_why_it_ended(tmp_path: Path) -> None:
    worker = SearchIndexerThread(tmp_path / "missing-dir" / "x" / "h.sqlite")
    (tmp_path / "missing-dir").write_text("a file where a folder should be")
    worker.start()
    worker.stop(timeout=10.0)
    assert not worker.running
    assert worker.error is not None and "cannot create" in str(worker.error)
