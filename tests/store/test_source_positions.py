"""Source positions in the history: stored with their batch, never ahead of it, on real files."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from opsdesk.store.errors import StoreError
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import (
    LogPositions,
    PendingBackfill,
    Position,
    read_positions,
    request_backfill,
)

if TYPE_CHECKING:
    from tests.store.conftest import MakeEvent

LOG = "rabbitmq-stream:/payments.desks"


def positions(path: Path, log: str = LOG) -> LogPositions:
    with EventStore(path, readonly=True) as store:
        return read_positions(store.db.conn, log)


def test_a_batch_and_its_position_commit_together(tmp_path: Path, make_event: MakeEvent) -> None:
    path = tmp_path / "history.sqlite"
    with EventStore(path) as store:
        assert read_positions(store.db.conn, LOG) == LogPositions()
        store.insert_batch([make_event(1), make_event(2)], Position(LOG, 41))
        store.insert_batch([make_event(3)], Position(LOG, 42))
    assert positions(path) == LogPositions(live=42)
    assert positions(path, "rabbitmq-stream:/other") == LogPositions()


def test_a_failed_batch_leaves_the_position_where_it_was(
    tmp_path: Path, make_event: MakeEvent
) -> None:
    path = tmp_path / "history.sqlite"
    with EventStore(path) as store:
        store.insert_batch([make_event(1)], Position(LOG, 10))
        # Another connection holds the write lock: the next batch cannot commit.
        blocker = sqlite3.connect(path, timeout=0)
        blocker.execute("BEGIN IMMEDIATE")
        store.db.conn.execute("PRAGMA busy_timeout = 0")
        with pytest.raises(StoreError):
            store.insert_batch([make_event(2)], Position(LOG, 11))
        blocker.rollback()
        blocker.close()
        assert store.count() == 1
    assert positions(path) == LogPositions(live=10)


def test_the_live_position_never_moves_back(tmp_path: Path, make_event: MakeEvent) -> None:
    """A batch from before a reconnection may commit after a newer one: it holds less."""
    path = tmp_path / "history.sqlite"
    with EventStore(path) as store:
        store.insert_batch([make_event(1)], Position(LOG, 500))
        store.insert_batch([make_event(1)], Position(LOG, 300))  # its events: duplicates
    assert positions(path).live == 500


def test_a_position_without_events_is_still_stored(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with EventStore(path) as store:
        result = store.insert_batch([], Position(LOG, 7))
        assert (result.inserted, result.duplicates) == ([], 0)
    assert positions(path).live == 7


def test_a_backfill_moves_on_and_ends_in_the_history(tmp_path: Path, make_event: MakeEvent) -> None:
    path = tmp_path / "history.sqlite"
    with EventStore(path) as store:
        store.insert_batch([make_event(100)], Position(LOG, 100))
        request_backfill(store.db.conn, LOG, "first")
        assert read_positions(store.db.conn, LOG).backfill == PendingBackfill("first", None)
        store.insert_batch([make_event(1)], Position(LOG, 40, backfill_from="first"))
        assert read_positions(store.db.conn, LOG).backfill == PendingBackfill("first", 40)
        # The batch that reaches the live reader's start ends the backfill.
        store.insert_batch([make_event(2)], Position(LOG, 99, "first", backfill_done=True))
    assert positions(path) == LogPositions(live=100, backfill=None)


def test_a_batch_of_an_older_request_neither_moves_nor_ends_a_newer_one(
    tmp_path: Path, make_event: MakeEvent
) -> None:
    path = tmp_path / "history.sqlite"
    old, new = "2026-11-26T09:00:00.000Z", "first"
    with EventStore(path) as store:
        request_backfill(store.db.conn, LOG, old)
        store.insert_batch([make_event(1)], Position(LOG, 500, old))
        request_backfill(store.db.conn, LOG, new)  # replaces the pending one
        store.insert_batch([make_event(2)], Position(LOG, 600, old))
        store.insert_batch([], Position(LOG, 700, old, backfill_done=True))
    assert positions(path).backfill == PendingBackfill(new, None)
