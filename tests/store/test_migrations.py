"""Schema creation, upgrades and version checks on real SQLite files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlite_utils import Database

from opsdesk.store.errors import SchemaTooNew, StoreError
from opsdesk.store.event_store import EventStore
from opsdesk.store.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    MIGRATIONS_TABLE,
    Migration,
    migrate,
    schema_version,
)

if TYPE_CHECKING:
    from tests.store.conftest import MakeEvent

REQUIRED_COLUMNS = {
    "id": int,
    "event_id": str,
    "received_at": str,
    "occurred_at": str,
    "exchange": str,
    "routing_key": str,
    "type": str,
    "status": str,
    "payment_id": str,
    "merchant": str,
    "amount_minor": int,
    "currency": str,
    "error_code": str,
    "idempotency_key": str,
    "decode_error": str,
    "headers": str,
    "properties": str,
    "body": str,
    "body_size": int,
    "format": str,
    "replay_of": str,  # migration 10
    "replay_attempt": int,
}


VERSION_1_COLUMNS = [c for c in REQUIRED_COLUMNS if not c.startswith("replay_")]


def _indexes(db: Database) -> dict[tuple[str, ...], bool]:
    return {tuple(ix.columns): bool(ix.unique) for ix in db.table("events").indexes}


def test_new_file_gets_events_table_with_required_columns_and_indexes(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    EventStore(path).close()

    db = Database(path)
    events = db.table("events")
    assert events.columns_dict == REQUIRED_COLUMNS
    assert events.pks == ["id"]
    not_null = {c.name for c in events.columns if c.notnull}
    assert {"event_id", "received_at", "status", "body", "body_size", "format"} <= not_null
    assert "decode_error" not in not_null
    assert _indexes(db) == {
        ("event_id",): True,
        ("received_at",): False,  # also the partial index of undecoded events
        ("status", "received_at", "merchant", "currency", "error_code"): False,
        # The dashboard's series by event time (migration 9); the second is partial.
        ("status", "occurred_at", "merchant", "currency", "error_code"): False,
        ("status", "received_at", "occurred_at", "merchant", "currency", "error_code"): False,
        ("type", "received_at"): False,
        ("payment_id",): False,
        ("payment_id", "replay_of"): False,  # partial: replay copies only (migration 10)
        # Partial too: the copies the statistics leave out of every count (migration 11).
        ("status", "occurred_at", "received_at", "merchant", "currency", "error_code"): False,
        # The history table's sorts by amount and by merchant (migration 14).
        ("amount_minor",): False,
        ("merchant",): False,
    }
    assert db.journal_mode == "wal"
    assert schema_version(db) == LATEST_VERSION
    db.close()


def test_migration_versions_are_contiguous_from_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert len({m.name for m in MIGRATIONS}) == len(MIGRATIONS)


def test_empty_existing_file_is_migrated_and_versions_recorded(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.touch()

    EventStore(path).close()

    db = Database(path)
    applied = list(db.query(f"SELECT version, name, applied_at FROM {MIGRATIONS_TABLE}"))
    assert [(r["version"], r["name"]) for r in applied] == [(m.version, m.name) for m in MIGRATIONS]
    assert all(r["applied_at"] for r in applied)
    db.close()


def test_version_1_file_is_upgraded_and_keeps_its_rows(
    tmp_path: Path, make_event: MakeEvent
) -> None:
    path = tmp_path / "history.sqlite"
    db = Database(path)
    assert migrate(db, target=1) == 1
    assert ("payment_id",) not in _indexes(db)
    # A row as version 1 of opsdesk would have written it.
    old = make_event(1)
    row = {name: getattr(old, name) for name in VERSION_1_COLUMNS if name != "id"}
    db.table("events").insert({**row, "status": old.status.value})
    db.close()

    with EventStore(path) as store:
        assert store.latest(10) == [old]

    db = Database(path)
    assert schema_version(db) == LATEST_VERSION
    assert ("payment_id",) in _indexes(db)
    assert ("status", "received_at", "merchant", "currency", "error_code") in _indexes(db)
    db.close()


def test_failing_migration_leaves_file_at_previous_version(tmp_path: Path) -> None:
    def broken(db: Database) -> None:
        db.table("half_done").create({"x": int})
        raise RuntimeError("migration bug")

    db = Database(tmp_path / "history.sqlite")
    migrate(db, target=1)
    with pytest.raises(RuntimeError, match="migration bug"):
        migrate(db, migrations=(*MIGRATIONS[:1], Migration(2, "broken", broken)))
    assert schema_version(db) == 1
    assert not db.table("half_done").exists()
    assert not db.conn.in_transaction
    db.close()


@pytest.mark.parametrize("readonly", [False, True])
def test_file_from_newer_opsdesk_is_refused(tmp_path: Path, readonly: bool) -> None:
    path = tmp_path / "history.sqlite"
    EventStore(path).close()
    db = Database(path)
    db.table(MIGRATIONS_TABLE).insert(
        {"version": LATEST_VERSION + 5, "name": "from_the_future", "applied_at": "2030-01-01"}
    )
    db.close()

    with pytest.raises(SchemaTooNew, match=f"version {LATEST_VERSION + 5}") as caught:
        EventStore(path, readonly=readonly)
    assert isinstance(caught.value, StoreError)
    assert (caught.value.found, caught.value.known) == (LATEST_VERSION + 5, LATEST_VERSION)


def test_readonly_refuses_file_without_schema_and_does_not_migrate(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    db = Database(path)
    db.table("unrelated").insert({"x": 1})
    db.close()

    with pytest.raises(StoreError, match="not an opsdesk history"):
        EventStore(path, readonly=True)
    assert not Database(path).table("events").exists()


def test_readonly_refuses_older_schema(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    db = Database(path)
    migrate(db, target=1)
    db.close()

    with pytest.raises(StoreError, match="open it once for writing"):
        EventStore(path, readonly=True)


def test_readonly_on_missing_file_fails_without_creating_it(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "history.sqlite"
    with pytest.raises(StoreError, match="no history file"):
        EventStore(path, readonly=True)
    assert not path.exists()
    assert not path.parent.exists()


def test_file_that_is_not_sqlite_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"this is not a database, it is a text file\n" * 200)
    with pytest.raises(StoreError, match="cannot open"):
        EventStore(path)


def test_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a directory should be")
    with pytest.raises(StoreError, match="cannot create"):
        EventStore(blocker / "history.sqlite")


def test_version_9_file_gains_replay_columns_and_keeps_its_rows(
    tmp_path: Path, make_event: MakeEvent
) -> None:
    path = tmp_path / "history.sqlite"
    db = Database(path)
    assert migrate(db, target=9) == 9
    old = make_event(1)
    row = {name: getattr(old, name) for name in VERSION_1_COLUMNS if name != "id"}
    db.table("events").insert({**row, "status": old.status.value})
    db.close()

    copy = replace(make_event(2), payment_id=old.payment_id, replay_of=old.event_id)
    with EventStore(path) as store:
        store.insert_batch([replace(copy, replay_attempt=2)])
        assert store.latest(10) == [replace(copy, replay_attempt=2), old]
        # The replays of a payment come off the partial index, originals never enter it.
        plan = store.db.execute(
            "EXPLAIN QUERY PLAN SELECT event_id, replay_attempt FROM events "
            "WHERE payment_id = ? AND replay_of IS NOT NULL",
            [old.payment_id],
        ).fetchall()
        assert "events_payment_replays" in " ".join(str(step[-1]) for step in plan)
        indexed = store.db.execute(
            "SELECT count(*) FROM events INDEXED BY events_payment_replays "
            "WHERE payment_id IS NOT NULL AND replay_of IS NOT NULL"
        ).fetchone()[0]
        assert indexed == 1
