"""Threads on one history file: a writer and a reader, and writers opening it at once."""

from __future__ import annotations

import queue
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from opsdesk.store.database import open_history
from opsdesk.store.event_store import EventStore

if TYPE_CHECKING:
    from tests.store.conftest import MakeEvent

BATCHES = 20
BATCH = 50
ROUNDS = 25
WRITERS = 6


def test_reader_follows_writer_in_another_thread(tmp_path: Path, make_event: MakeEvent) -> None:
    path = tmp_path / "history.sqlite"
    EventStore(path).close()  # the writer side creates the schema before readers open
    committed: queue.Queue[int | BaseException] = queue.Queue()

    def write() -> None:
        try:
            with EventStore(path) as writer:
                for b in range(BATCHES):
                    batch = [make_event(b * BATCH + i) for i in range(BATCH)]
                    writer.insert_batch(batch)
                    committed.put(writer.max_row_id())
        except BaseException as exc:
            committed.put(exc)

    thread = threading.Thread(target=write, name="store-writer")
    seen: list[str] = []
    with EventStore(path, readonly=True) as reader:
        thread.start()
        last = 0
        for _ in range(BATCHES):
            at_least = committed.get(timeout=10)
            if isinstance(at_least, BaseException):
                raise at_least
            # Everything committed so far is visible; the writer may already be further on.
            for row_id, event in reader.newer_than(last, 10_000):
                seen.append(event.event_id)
                last = row_id
            assert last >= at_least
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert seen == [make_event(n).event_id for n in range(BATCHES * BATCH)]


def test_store_refuses_use_from_another_thread(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    with EventStore(tmp_path / "history.sqlite") as store:

        def use() -> None:
            try:
                store.count()
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=use)
        thread.start()
        thread.join(timeout=10)
    assert len(errors) == 1
    assert isinstance(errors[0], sqlite3.ProgrammingError)


def test_many_writers_opening_a_new_history_at_once_all_succeed(tmp_path: Path) -> None:
    """Two desks' first audit records at the same moment: the second's switch to WAL met the
    first's lock and failed at once with 'database is locked' (seen in the suite)."""
    failures: list[BaseException] = []
    for round_ in range(ROUNDS):
        path = tmp_path / f"history-{round_}.sqlite"
        start = threading.Barrier(WRITERS)

        def open_and_close(path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                open_history(path).close()
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=open_and_close) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not failures, f"round {round_}: {failures}"
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
