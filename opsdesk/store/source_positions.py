"""`source_positions`: how far the history holds each ordered log a source reads (a stream).

A source with positions (ingest/stream_tap.py) gives every batch the offset where it ends, and
the writer stores that offset in the batch's own transaction (EventStore.insert_batch), so the
history and the place to resume from can never disagree: a restart resumes at the offset after
it, and nothing is lost or read twice whatever stopped the desk.

Each log has up to two readers:

- `live` follows the log: its row is the last offset stored, and only grows (a batch from
  before a reconnection committing after a newer one must not move it back);
- `backfill` fills the history behind the live reader from an earlier start (the first
  retained message, a time). Its row is written when the operator asks for it, before anything
  is read, with that start; each of its batches moves the offset on, and the batch that reaches
  where the live reader started removes the row. A desk stopped in the middle finds the row
  and resumes the backfill after its offset. Its batches name the request they belong to
  (`backfill_from`), so a batch of an older request can never move or end a newer one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from opsdesk.store.transaction import write_transaction

TABLE = "source_positions"
LIVE, BACKFILL = "live", "backfill"


@dataclass(frozen=True, slots=True)
class Position:
    """Where a batch ends in one ordered log of a source; a batch reads from one log only."""

    log: str  # which log, stable across runs: a stream's vhost and name, "topic/partition"
    offset: int  # of the batch's last message in that log
    # A backfill's batch: the start its request recorded (request_backfill), and whether it
    # reaches where the live reader took over, which ends the backfill. None: the live reader.
    backfill_from: str | None = None
    backfill_done: bool = False


@dataclass(frozen=True, slots=True)
class PendingBackfill:
    start: str  # as recorded: "first", an ISO-8601 UTC time, or an offset
    offset: int | None  # the last offset it stored; None: nothing yet


@dataclass(frozen=True, slots=True)
class LogPositions:
    """What the history holds of one log: where to resume each reader."""

    live: int | None = None  # the last offset the live reader stored
    backfill: PendingBackfill | None = None


def create_source_positions(db: Database) -> None:
    """Migration 12's table; one row per (log, reader), so a few rows per history."""
    db.execute(
        f"CREATE TABLE {TABLE} ("
        "log TEXT NOT NULL, "
        "reader TEXT NOT NULL, "
        "last_offset INTEGER, "
        "backfill_from TEXT, "
        "updated_at TEXT NOT NULL, "
        "PRIMARY KEY (log, reader), "
        f"CHECK ((reader = '{LIVE}' AND last_offset IS NOT NULL AND backfill_from IS NULL) "
        f"OR (reader = '{BACKFILL}' AND backfill_from IS NOT NULL)))"
    )


def record_position(conn: sqlite3.Connection, position: Position) -> None:
    """Store `position` inside the caller's transaction (the one storing its batch)."""
    now = _now()
    if position.backfill_from is None:
        conn.execute(
            f"INSERT INTO {TABLE} (log, reader, last_offset, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (log, reader) DO UPDATE SET "
            "last_offset = max(last_offset, excluded.last_offset), "
            "updated_at = excluded.updated_at",
            (position.log, LIVE, position.offset, now),
        )
    elif position.backfill_done:
        conn.execute(
            f"DELETE FROM {TABLE} WHERE log = ? AND reader = ? AND backfill_from = ?",
            (position.log, BACKFILL, position.backfill_from),
        )
    else:
        conn.execute(
            f"UPDATE {TABLE} SET last_offset = max(coalesce(last_offset, -1), ?), updated_at = ? "
            "WHERE log = ? AND reader = ? AND backfill_from = ?",
            (position.offset, now, position.log, BACKFILL, position.backfill_from),
        )


def request_backfill(conn: sqlite3.Connection, log: str, start: str) -> None:
    """Record a backfill of `log` from `start`, replacing one still pending (committed)."""
    with write_transaction(conn, f"cannot record a backfill of {log}"):
        conn.execute(
            f"INSERT OR REPLACE INTO {TABLE} (log, reader, last_offset, backfill_from, updated_at) "
            "VALUES (?, ?, NULL, ?, ?)",
            (log, BACKFILL, start, _now()),
        )


def read_positions(conn: sqlite3.Connection, log: str) -> LogPositions:
    rows = conn.execute(
        f"SELECT reader, last_offset, backfill_from FROM {TABLE} WHERE log = ?", (log,)
    ).fetchall()
    by_reader = {reader: (offset, start) for reader, offset, start in rows}
    live = by_reader.get(LIVE, (None, None))[0]
    backfill = None
    if BACKFILL in by_reader:
        offset, start = by_reader[BACKFILL]
        backfill = PendingBackfill(start, offset)
    return LogPositions(live, backfill)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
