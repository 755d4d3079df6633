"""The `events` table: idempotent batch inserts for ingest, newest-first reads for the UI."""

from __future__ import annotations

import functools
import logging
import operator
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.database import HistoryConnection, Synchronous, open_history
from opsdesk.store.errors import SchemaTooNew, StoreError, store_failures
from opsdesk.store.multi_outcome_upkeep import note_new_outcomes
from opsdesk.store.source_positions import Position, record_position
from opsdesk.store.transaction import write_transaction

# The error classes are re-exported so callers need one import for the store.
__all__ = ["EventStore", "InsertResult", "SchemaTooNew", "StoreError"]

log = logging.getLogger(__name__)

_FIELDS = tuple(f.name for f in fields(PaymentEvent))
_COLUMNS = ", ".join(_FIELDS)
_STATUS = _FIELDS.index("status")
# ON CONFLICT(event_id) rather than INSERT OR IGNORE: OR IGNORE would also skip a row
# that breaks NOT NULL, and that event would then be acked without being stored.
_SELECT = f"SELECT id, {_COLUMNS} FROM events"
# Rows per INSERT statement. executemany re-takes the GIL after every row, and while another
# thread runs Python each re-take waits out the switch interval: measured here, 55k rows/s
# alone fell to 312 rows/s beside a busy thread. Multi-row statements re-take it a few times
# per batch instead, so SQLite's work overlaps the tap's decoding and pika's parsing.
_CHUNK_ROWS = (250, 25, 1)
_row_values = operator.attrgetter(*_FIELDS)


@dataclass(frozen=True)
class InsertResult:
    """What one batch did: the events stored for the first time, and how many were not."""

    inserted: list[PaymentEvent]
    duplicates: int


class EventStore(HistoryConnection):
    """One connection to the history file; use it from the thread that opened it."""

    def __init__(
        self,
        path: str | Path,
        *,
        readonly: bool = False,
        synchronous: Synchronous = "FULL",
        autocheckpoint: bool = True,
    ) -> None:
        """`autocheckpoint=False`: commits never checkpoint; run a WalCheckpointer beside it."""
        self._path = Path(path)
        self._readonly = readonly
        self._db: Database = open_history(
            self._path, readonly=readonly, synchronous=synchronous, autocheckpoint=autocheckpoint
        )
        self._closed = False

    @property
    def path(self) -> Path:
        return self._path

    @property
    def readonly(self) -> bool:
        return self._readonly

    @property
    def db(self) -> Database:
        """The sqlite-utils Database, for sibling store modules; same one-thread rule."""
        return self._db

    def insert_batch(
        self, events: Sequence[PaymentEvent], position: Position | None = None
    ) -> InsertResult:
        """Store a batch in one transaction, skipping known event_ids; committed on return.

        `position`: where the batch ends in its source's log, stored in the same transaction
        (store/source_positions.py), also for a batch without events.
        """
        if self._readonly:
            raise StoreError(f"{self._path} is open read-only; cannot store events")
        first: dict[str, PaymentEvent] = {}
        for event in events:
            first.setdefault(event.event_id, event)
        unique = list(first.values())
        if not unique and position is None:
            return InsertResult(inserted=[], duplicates=0)
        conn = self._db.conn
        with write_transaction(conn, f"cannot store {len(unique)} events in {self._path}"):
            if position is not None:
                record_position(conn, position)
            if not unique:
                return InsertResult(inserted=[], duplicates=0)
            last_id = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            stored = _insert_rows(conn, [_row_values(event) for event in unique])
            if stored == len(unique):
                inserted = unique
            else:
                # Rowids grow past the old maximum and we hold the write lock, so
                # the rows above last_id are exactly the ones this batch stored.
                new_ids = {
                    row[0]
                    for row in conn.execute("SELECT event_id FROM events WHERE id > ?", (last_id,))
                }
                inserted = [event for event in unique if event.event_id in new_ids]
            note_new_outcomes(conn, last_id, inserted)
        return InsertResult(inserted=inserted, duplicates=len(events) - len(inserted))

    def latest(self, limit: int) -> list[PaymentEvent]:
        """The newest `limit` events, newest first."""
        rows = self._fetch(f"{_SELECT} ORDER BY id DESC LIMIT ?", (limit,))
        return [event_from_row(row) for row in rows]

    def newer_than(self, row_id: int, limit: int) -> list[tuple[int, PaymentEvent]]:
        """Up to `limit` events stored after row `row_id`, oldest first, with their row ids."""
        rows = self._fetch(f"{_SELECT} WHERE id > ? ORDER BY id LIMIT ?", (row_id, limit))
        return [(row[0], event_from_row(row)) for row in rows]

    def max_row_id(self) -> int:
        """The row id of the newest event, 0 when there is none."""
        return int(self._fetch("SELECT coalesce(max(id), 0) FROM events", ())[0][0])

    def count(self) -> int:
        """How many events are stored (scans an index: not for every UI tick on huge files)."""
        return int(self._fetch("SELECT count(*) FROM events", ())[0][0])

    def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        # fetchall() so no half-read cursor keeps a WAL snapshot (and blocks checkpoints).
        with store_failures(f"cannot read {self._path}"):
            return self._db.conn.execute(sql, params).fetchall()


def event_from_row(row: Sequence[Any]) -> PaymentEvent:
    """A PaymentEvent from `id, <PaymentEvent fields...>`, as `SELECT id, *` returns it."""
    return event_from_fields(row[1:])


def event_from_fields(fields: Sequence[Any]) -> PaymentEvent:
    """A PaymentEvent from its fields in declaration order (the events columns)."""
    values = list(fields)
    values[_STATUS] = _status(values[_STATUS])
    return PaymentEvent(*values)


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        # Another tool may have written a status this version does not know.
        log.debug("unknown status %r read as unknown", value)
        return Status.UNKNOWN


@functools.cache
def _insert_sql(rows: int) -> str:
    values = ", ".join([f"({', '.join('?' * len(_FIELDS))})"] * rows)
    return f"INSERT INTO events ({_COLUMNS}) VALUES {values} ON CONFLICT(event_id) DO NOTHING"


def _insert_rows(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> int:
    """Insert `rows` with as few statements as the chunk sizes allow; return how many stored.

    Counted by each statement's rowcount, not total_changes: the latter also counts the rows
    triggers write, which would pass duplicates off as new.
    """
    start = stored = 0
    for size in _CHUNK_ROWS:
        sql = _insert_sql(size)
        while len(rows) - start >= size:
            values = [value for row in rows[start : start + size] for value in row]
            stored += conn.execute(sql, values).rowcount
            start += size
    return stored
