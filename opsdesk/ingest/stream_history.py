"""What the history holds of a stream, read before the stream tap starts; backfill requests."""

from __future__ import annotations

from pathlib import Path

from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import LogPositions, read_positions, request_backfill


def history_positions(db_path: Path, log: str) -> LogPositions:
    """Where the history ends in `log` (the file is created or migrated if need be)."""
    with EventStore(db_path) as store:
        return read_positions(store.db.conn, log)


def record_backfill(db_path: Path, log: str, start: BackfillStart) -> None:
    """Record the request before anything is read, so a desk stopped in the middle resumes
    it; a request still pending is replaced (the history dedupes what both read)."""
    with EventStore(db_path) as store:
        request_backfill(store.db.conn, log, start.record())
