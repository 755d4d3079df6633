"""WalCheckpointer on real SQLite files: commits stop checkpointing, the thread does it instead."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from opsdesk.store.checkpointer import WalCheckpointer
from opsdesk.store.event_store import EventStore
from tests.conftest import poll_until

if TYPE_CHECKING:
    from tests.store.conftest import MakeEvent


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    with EventStore(tmp_path / "history.sqlite", autocheckpoint=False) as opened:
        yield opened


def _fill(store: EventStore, make_event: MakeEvent, start: int, batches: int) -> None:
    for b in range(batches):
        store.insert_batch([make_event(start + b * 100 + i) for i in range(100)])


def test_an_ingest_store_never_checkpoints_in_its_commits(
    store: EventStore, make_event: MakeEvent
) -> None:
    assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    size_before = store.path.stat().st_size
    _fill(store, make_event, 0, 30)  # ~3,000 rows: far past SQLite's default 1,000 pages
    assert store.path.stat().st_size == size_before  # every page is still only in the WAL
    assert store.count() == 3000


def test_the_checkpointer_copies_the_wal_into_the_file(
    store: EventStore, make_event: MakeEvent
) -> None:
    _fill(store, make_event, 0, 30)
    size_before = store.path.stat().st_size
    checkpointer = WalCheckpointer(store.path, interval_s=0.01)
    checkpointer.start()
    poll_until(lambda: checkpointer.checkpoints > 0, 10, "no checkpoint ran")
    checkpointer.stop()
    assert not checkpointer.is_alive()
    assert store.path.stat().st_size > size_before
    # Everything was copied: a reader of the file alone (the WAL set aside) sees every row.
    copy = store.path.with_name("copy.sqlite")
    copy.write_bytes(store.path.read_bytes())
    with contextlib.closing(sqlite3.connect(copy)) as alone:
        assert alone.execute("SELECT count(*) FROM events").fetchone()[0] == 3000


def test_past_its_limit_the_wal_starts_over_instead_of_growing(
    store: EventStore, make_event: MakeEvent
) -> None:
    wal = store.path.with_name(store.path.name + "-wal")
    for round_ in range(6):
        _fill(store, make_event, round_ * 10_000, 10)
        assert wal.stat().st_size > 0
        # A checkpointer checkpoints once more as it stops: between rounds, not during one.
        checkpointer = WalCheckpointer(store.path, interval_s=60, restart_frames=1)
        checkpointer.start()
        checkpointer.stop()
        assert checkpointer.checkpoints == 2  # the passive one, then the truncating one
        assert wal.stat().st_size == 0  # all copied into the file, and the WAL emptied
    assert store.count() == 6000


def test_below_its_limit_the_wal_is_left_to_grow(store: EventStore, make_event: MakeEvent) -> None:
    wal = store.path.with_name(store.path.name + "-wal")
    _fill(store, make_event, 0, 10)
    checkpointer = WalCheckpointer(store.path, interval_s=60)
    checkpointer.start()
    checkpointer.stop()
    assert checkpointer.checkpoints == 1  # passive only: it never blocks the writer
    assert wal.stat().st_size > 0


def test_a_history_it_cannot_open_ends_the_thread_quietly(tmp_path: Path) -> None:
    checkpointer = WalCheckpointer(tmp_path / "missing" / "history.sqlite", interval_s=0.01)
    checkpointer.start()
    checkpointer.stop()
    assert not checkpointer.is_alive()
    assert checkpointer.checkpoints == 0
