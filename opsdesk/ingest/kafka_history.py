"""What the history holds of a Kafka cluster's partitions, and backfill requests for them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import LogPositions, read_positions, request_backfill


def held_positions(db_path: Path, logs: Iterable[str]) -> dict[str, LogPositions]:
    """Where the history ends in each of `logs` (the file is created or migrated if need be)."""
    with EventStore(db_path) as store:
        return {log: read_positions(store.db.conn, log) for log in logs}


def record_backfills(db_path: Path, logs: Iterable[str], start: BackfillStart) -> None:
    """Record the request for each log before anything is read, so a desk stopped in the
    middle resumes it; a request still pending is replaced (the history dedupes)."""
    with EventStore(db_path) as store:
        for log in logs:
            request_backfill(store.db.conn, log, start.record())
