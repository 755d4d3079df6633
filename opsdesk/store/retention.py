"""Retention: drop the oldest events past an age or size limit, in small batches; compact on demand.

Each batch is its own short write transaction, so the ingest writer waits at most one batch
(a few tens of ms). Indexed rows leave the body search index in the same transaction
(search.delete_indexed), so a search never finds a pruned event and the index never points at
a missing row. Deleting frees pages inside the file for new events; only compact() (VACUUM)
gives the space back to the disk.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from opsdesk.events.timestamps import utc_iso
from opsdesk.store.database import HistoryConnection, open_history
from opsdesk.store.errors import StoreError, is_busy, store_failures
from opsdesk.store.search import delete_indexed
from opsdesk.store.transaction import write_transaction
from opsdesk.store.wakeable_thread import BUSY_RETRY_S, WakeableThread

__all__ = ["PruneResult", "Retention", "RetentionThread", "history_size"]

log = logging.getLogger(__name__)

DEFAULT_BATCH = 5000
RETENTION_CACHE_KIB = 8 * 1024
_PAUSE_S = 0.01  # between batches: lets a waiting ingest batch take the write lock


def history_size(path: Path) -> int:
    """Bytes on disk of the history file and its WAL."""
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(FileNotFoundError):
            total += os.stat(f"{path}{suffix}").st_size
    return total


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What one prune removed and why."""

    deleted_by_age: int
    deleted_by_size: int
    age_cutoff: str | None  # events received before this were due
    oldest_kept: str | None  # received_at of the oldest event left
    stopped: bool  # the stop event ended the prune before it was done

    @property
    def deleted(self) -> int:
        return self.deleted_by_age + self.deleted_by_size


class Retention(HistoryConnection):
    """A writing connection used for pruning; use it from the thread that opened it."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._db: Database = open_history(self._path, synchronous="NORMAL")
        self._db.execute(f"PRAGMA cache_size = -{RETENTION_CACHE_KIB}")
        self._closed = False

    @property
    def path(self) -> Path:
        return self._path

    def prune(
        self,
        max_age_days: float | None = None,
        max_bytes: int | None = None,
        batch: int = DEFAULT_BATCH,
        stop_event: threading.Event | None = None,
        *,
        now: datetime | None = None,
    ) -> PruneResult:
        """Delete events received more than `max_age_days` before `now`, then the oldest
        events until the data fits in about `max_bytes`; None disables a limit.

        The age limit is exact: every event with received_at < now - max_age_days goes, and no
        other. The size limit counts pages in use (the file does not shrink until compact())
        and removes the oldest events by an estimate of bytes per event.
        """
        stop = stop_event or threading.Event()
        cutoff = None
        by_age = by_size = 0
        if max_age_days is not None:
            moment = (now or datetime.now(UTC)) - timedelta(days=max_age_days)
            cutoff = utc_iso(moment)
            by_age = self._delete_oldest("received_at < ?", [cutoff], math.inf, batch, stop)
        if max_bytes is not None and not stop.is_set():
            excess = self._rows_over_size(max_bytes)
            if excess:
                by_size = self._delete_oldest("1", [], excess, batch, stop)
        result = PruneResult(
            deleted_by_age=by_age,
            deleted_by_size=by_size,
            age_cutoff=cutoff,
            oldest_kept=self.oldest_event(),
            stopped=stop.is_set(),
        )
        if result.deleted:
            log.info(
                "retention removed %d events (%d by age before %s, %d by size)",
                result.deleted,
                by_age,
                cutoff,
                by_size,
            )
        return result

    def compact(self) -> None:
        """VACUUM the file to give freed space back to the disk.

        Needs free disk of about twice the file's size while it runs (a rebuilt copy, then
        the WAL holding it), blocks every writer (ingest waits) for its whole duration, and
        takes seconds per GB: run it on demand, never on a timer.
        """
        with store_failures(f"cannot compact {self._path}"):
            self._db.conn.execute("VACUUM")
            self._db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def file_size(self) -> int:
        """Bytes on disk: the database and its WAL."""
        return history_size(self._path)

    def free_bytes(self) -> int:
        """Bytes inside the file that are free for reuse (what compact() would give back)."""
        conn = self._db.conn
        with store_failures(f"cannot read {self._path}"):
            pages = conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
        return int(pages) * int(size)

    def oldest_event(self) -> str | None:
        """received_at of the oldest stored event, None when there is none."""
        with store_failures(f"cannot read {self._path}"):
            row = self._db.conn.execute("SELECT min(received_at) FROM events").fetchone()
        return None if row[0] is None else str(row[0])

    def _rows_over_size(self, max_bytes: int) -> int:
        """How many of the oldest events to delete so the data fits in `max_bytes`."""
        conn = self._db.conn
        with store_failures(f"cannot read {self._path}"):
            page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
            free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            rows = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        used = (pages - free) * page_size
        if used <= max_bytes or rows == 0:
            return 0
        # Events, their indexes and the search index are nearly all of the file, so each
        # event's share of the used bytes is a fair price; the next prune corrects the rest.
        return min(rows, math.ceil(rows * (used - max_bytes) / used))

    def _delete_oldest(
        self,
        where: str,
        params: list[object],
        limit: float,
        batch: int,
        stop: threading.Event,
    ) -> int:
        """Delete up to `limit` rows matching `where`, oldest received first, batch by batch."""
        conn = self._db.conn
        deleted = 0
        while deleted < limit and not stop.is_set():
            size = int(min(batch, limit - deleted))
            oldest = f"SELECT id FROM events WHERE {where} ORDER BY received_at LIMIT ?"
            with write_transaction(conn, f"cannot prune {self._path}"):
                ids = [row[0] for row in conn.execute(oldest, [*params, size])]
                if ids:
                    in_ids = "id IN (SELECT value FROM json_each(?))"
                    id_list = "[" + ",".join(map(str, ids)) + "]"
                    delete_indexed(conn, in_ids, [id_list])
                    conn.execute(f"DELETE FROM events WHERE {in_ids}", [id_list])
            if not ids:
                break
            deleted += len(ids)
            stop.wait(_PAUSE_S)
        return deleted


class RetentionThread(WakeableThread):
    """Prunes now and then every `interval` seconds in the background; stoppable at once."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_age_days: float | None = None,
        max_bytes: int | None = None,
        interval: float = 3600.0,
        batch: int = DEFAULT_BATCH,
        on_result: Callable[[PruneResult], None] | None = None,
    ) -> None:
        super().__init__("opsdesk-retention")
        self._path = Path(path)
        self._limits = (max_age_days, max_bytes)
        self._interval = interval
        self._batch = batch
        self._on_result = on_result  # called on the worker thread
        self._lock = threading.Lock()

    def configure(self, max_age_days: float | None, max_bytes: int | None) -> None:
        """New limits (e.g. from the settings dialog), applied by a prune started now."""
        with self._lock:
            self._limits = (max_age_days, max_bytes)
        self._wake.set()

    def prune_now(self) -> None:
        self.wake()

    def _run(self) -> None:
        try:
            with Retention(self._path) as retention:
                while not self._stop.is_set():
                    self._wake.clear()
                    with self._lock:
                        max_age_days, max_bytes = self._limits
                    wait = self._interval
                    if max_age_days is not None or max_bytes is not None:
                        try:
                            result = retention.prune(
                                max_age_days, max_bytes, self._batch, stop_event=self._stop
                            )
                        except StoreError as exc:
                            if not is_busy(exc):
                                raise
                            log.info("retention waits for the history: %s", exc)
                            wait = min(self._interval, BUSY_RETRY_S)  # the next round soon
                        else:
                            if self._on_result is not None and not self._stop.is_set():
                                self._on_result(result)
                    self._wake.wait(wait)
        except BaseException as exc:
            self.error = exc
            log.error("retention stopped: %s", exc)
