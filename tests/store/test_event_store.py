"""EventStore on real SQLite files: idempotent batches, reads, failures, permissions."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlite_utils import Database

from opsdesk.events.model import Status, undecoded_event
from opsdesk.store.errors import StoreError
from opsdesk.store.event_store import EventStore, InsertResult

if TYPE_CHECKING:
    from tests.store.conftest import MakeEvent


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    with EventStore(tmp_path / "history.sqlite") as opened:
        yield opened


def test_json_event_survives_round_trip(store: EventStore, make_event: MakeEvent) -> None:
    event = make_event(1, occurred_at=None, merchant=None, status=Status.REFUNDED)
    store.insert_batch([event])
    with EventStore(store.path, readonly=True) as reader:
        [back] = reader.latest(1)
    assert back == event
    assert type(back.status) is Status
    assert back.status is Status.REFUNDED


def test_undecoded_event_round_trips_with_its_reason(store: EventStore) -> None:
    received = "2024-05-01T12:00:02.000000Z"
    problem, body = "body is not UTF-8", "\\xff\\xfe not text"
    raw = undecoded_event("evt-2", received, "payments.events", "", problem, body, 14)
    store.insert_batch([raw])
    assert store.latest(1) == [raw]


def test_batch_stored_once_second_time_all_duplicates(
    store: EventStore, make_event: MakeEvent
) -> None:
    batch = [make_event(n) for n in range(5)]

    first = store.insert_batch(batch)
    again = store.insert_batch(batch)

    assert first == InsertResult(inserted=batch, duplicates=0)
    assert again == InsertResult(inserted=[], duplicates=5)
    assert store.count() == 5


def test_same_event_id_twice_in_one_batch_keeps_the_first(
    store: EventStore, make_event: MakeEvent
) -> None:
    original = make_event(1)
    redelivered = replace(original, received_at="2024-05-01T13:00:00Z")
    other = make_event(2)

    result = store.insert_batch([original, other, redelivered])

    assert result == InsertResult(inserted=[original, other], duplicates=1)
    assert store.count() == 2
    assert store.latest(2) == [other, original]


def test_mixed_batch_returns_exactly_the_new_events_in_order(
    store: EventStore, make_event: MakeEvent
) -> None:
    store.insert_batch([make_event(2), make_event(4)])
    batch = [make_event(n) for n in range(6)] + [make_event(5)]

    result = store.insert_batch(batch)

    assert result.inserted == [make_event(n) for n in (0, 1, 3, 5)]
    assert result.duplicates == 3
    assert store.count() == 6


def test_empty_batch_is_a_no_op(store: EventStore) -> None:
    assert store.insert_batch([]) == InsertResult(inserted=[], duplicates=0)
    assert store.count() == 0


def test_empty_store_reads(store: EventStore) -> None:
    assert store.count() == 0
    assert store.max_row_id() == 0
    assert store.latest(10) == []
    assert store.newer_than(0, 10) == []


def test_latest_is_newest_first_and_limited(store: EventStore, make_event: MakeEvent) -> None:
    store.insert_batch([make_event(n) for n in range(3)])
    store.insert_batch([make_event(n) for n in range(3, 6)])

    assert [e.event_id for e in store.latest(4)] == [make_event(n).event_id for n in (5, 4, 3, 2)]
    assert store.count() == 6
    assert store.max_row_id() == 6


def test_newer_than_pages_forward_oldest_first(store: EventStore, make_event: MakeEvent) -> None:
    store.insert_batch([make_event(n) for n in range(7)])

    first = store.newer_than(0, 3)
    second = store.newer_than(first[-1][0], 3)
    third = store.newer_than(second[-1][0], 3)

    assert [row_id for row_id, _ in first + second + third] == list(range(1, 8))
    assert [e for _, e in first + second + third] == [make_event(n) for n in range(7)]
    assert store.newer_than(store.max_row_id(), 3) == []


def test_null_in_required_field_raises_and_stores_nothing(
    store: EventStore, make_event: MakeEvent
) -> None:
    # A decoder bug must fail the batch (so nothing is acked), not be silently skipped.
    broken = replace(make_event(2), body=None)  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_batch([make_event(1), broken])
    assert store.count() == 0
    assert store.insert_batch([make_event(1)]).inserted == [make_event(1)]


def test_disk_full_is_a_store_error_and_rolls_back(
    store: EventStore, make_event: MakeEvent
) -> None:
    store.insert_batch([make_event(0)])
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    # SQLite reports SQLITE_FULL once the file may not grow past max_page_count.
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    big = [make_event(n, body="x" * 3000) for n in range(1, 50)]

    with pytest.raises(StoreError, match="full"):
        store.insert_batch(big)

    assert store.count() == 1
    store.db.execute("PRAGMA max_page_count = 1073741823")
    assert len(store.insert_batch(big).inserted) == 49


def test_unknown_status_written_by_another_tool_reads_as_unknown(
    store: EventStore, make_event: MakeEvent
) -> None:
    store.insert_batch([make_event(1)])
    store.db.execute("UPDATE events SET status = 'chargeback'")
    assert store.latest(1)[0].status is Status.UNKNOWN


def test_history_file_and_wal_files_are_owner_only(tmp_path: Path, make_event: MakeEvent) -> None:
    path = tmp_path / "deep" / "er" / "history.sqlite"
    old_umask = os.umask(0o002)  # a permissive umask must not leak into the files
    try:
        with EventStore(path) as store:
            store.insert_batch([make_event(1)])
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    finally:
        os.umask(old_umask)
    assert modes == dict.fromkeys(modes, 0o600)
    assert len(modes) == 3


def test_existing_group_readable_file_is_restricted(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.touch(mode=0o644)
    path.chmod(0o644)
    EventStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_reader_sees_committed_rows_only_and_is_not_blocked_by_writer(
    store: EventStore, make_event: MakeEvent
) -> None:
    store.insert_batch([make_event(1)])
    with EventStore(store.path, readonly=True) as reader:
        conn = store.db.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO events (event_id, received_at, exchange, routing_key, status, headers,"
            " properties, body, body_size, format) VALUES ('mid-write', 't', '', '', 'pending',"
            " '{}', '{}', '', 0, 'raw')"
        )
        # The write lock is held, yet the reader answers at once from the last commit.
        assert reader.count() == 1
        assert [e.event_id for e in reader.latest(5)] == [make_event(1).event_id]
        conn.execute("COMMIT")
        assert reader.count() == 2
        assert reader.latest(1)[0].event_id == "mid-write"


def test_readonly_store_refuses_writes(store: EventStore, make_event: MakeEvent) -> None:
    with EventStore(store.path, readonly=True) as reader:
        assert reader.readonly
        with pytest.raises(StoreError, match="read-only"):
            reader.insert_batch([make_event(1)])
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.db.execute("DELETE FROM events")
    assert store.count() == 0


def test_close_is_idempotent_and_context_manager_closes(tmp_path: Path) -> None:
    with EventStore(tmp_path / "history.sqlite") as store:
        assert store.count() == 0
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.count()


def test_file_opens_in_plain_sqlite_tools(store: EventStore, make_event: MakeEvent) -> None:
    store.insert_batch([make_event(1)])
    db = Database(store.path)
    [row] = db.query("SELECT event_id, amount_minor, status FROM events")
    assert row == {"event_id": "evt-000001", "amount_minor": 2000, "status": "failed"}
    db.close()
