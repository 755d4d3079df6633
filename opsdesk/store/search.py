"""The body search index: fills the external-content `events_fts` behind ingest, in rowid order.

Ingest does not pay for search: rows are indexed afterwards, a small batch per transaction,
and `meta['fts_indexed_upto']` records the highest row id indexed. Rows are never updated and
are deleted only oldest-first by retention, which removes them from the index in the same
transaction (`delete_indexed`), so the index always equals "bodies of rows id <= upto".
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from opsdesk.store.database import HistoryConnection, open_history
from opsdesk.store.errors import StoreError, is_busy, store_failures
from opsdesk.store.transaction import write_transaction
from opsdesk.store.wakeable_thread import BUSY_RETRY_S, WakeableThread

__all__ = [
    "INDEXED_UPTO_KEY",
    "SearchIndexer",
    "SearchIndexerThread",
    "SearchProgress",
    "delete_indexed",
    "search_progress",
]

log = logging.getLogger(__name__)

INDEXED_UPTO_KEY = "fts_indexed_upto"
BATCH_ROWS = 2000
# Small on purpose: a second writer with a big cache evicts the ingest writer's pages.
INDEXER_CACHE_KIB = 8 * 1024


@dataclass(frozen=True, slots=True)
class SearchProgress:
    """How far the index has got: rows with id <= indexed_upto are searchable."""

    indexed_upto: int
    max_id: int
    behind: int  # rows stored but not yet searchable (from the id range)

    @property
    def caught_up(self) -> bool:
        return self.behind == 0


def search_progress(conn: sqlite3.Connection) -> SearchProgress:
    """Progress read on any connection to the history file."""
    upto = _indexed_upto(conn)
    top = int(conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
    behind = 0
    if top > upto:
        # Counting the rows is cheap here: it walks the primary key from upto.
        behind = int(
            conn.execute("SELECT count(*) FROM events WHERE id > ?", (upto,)).fetchone()[0]
        )
    return SearchProgress(indexed_upto=upto, max_id=top, behind=behind)


def delete_indexed(conn: sqlite3.Connection, where: str, params: list[object]) -> None:
    """Remove from the index the indexed rows among `events WHERE <where>`, before deleting them.

    Must run in the caller's write transaction, just before the DELETE of the same rows: an
    external-content index is told the old values ('delete' command), which only the rows
    themselves still hold.
    """
    conn.execute(
        "INSERT INTO events_fts (events_fts, rowid, body) "
        f"SELECT 'delete', id, body FROM events WHERE ({where}) AND id <= ?",
        [*params, _indexed_upto(conn)],
    )


def _indexed_upto(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (INDEXED_UPTO_KEY,)).fetchone()
    return int(row[0]) if row else 0


class SearchIndexer(HistoryConnection):
    """A writing connection that indexes bodies; use it from the thread that opened it."""

    def __init__(self, path: str | Path, *, batch_rows: int = BATCH_ROWS) -> None:
        self._path = Path(path)
        self._batch_rows = batch_rows
        self._db: Database = open_history(self._path, synchronous="NORMAL")
        self._db.execute(f"PRAGMA cache_size = -{INDEXER_CACHE_KIB}")
        self._closed = False

    @property
    def path(self) -> Path:
        return self._path

    def index_some(self, max_rows: int | None = None) -> int:
        """Index up to `max_rows` (default: a batch) of the oldest unindexed rows; 0 = caught up."""
        limit = self._batch_rows if max_rows is None else max_rows
        done = 0
        while done < limit:
            step = self._index_batch(min(self._batch_rows, limit - done))
            if step == 0:
                break
            done += step
        return done

    def progress(self) -> SearchProgress:
        with store_failures(f"cannot read {self._path}"):
            return search_progress(self._db.conn)

    def _index_batch(self, rows: int) -> int:
        conn = self._db.conn
        with write_transaction(conn, f"cannot index bodies in {self._path}"):
            upto = _indexed_upto(conn)
            top = conn.execute(
                "SELECT max(id), count(*) FROM "
                "(SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?)",
                (upto, rows),
            ).fetchone()
            if top[0] is None:
                return 0
            new_upto, count = int(top[0]), int(top[1])
            conn.execute(
                "INSERT INTO events_fts (rowid, body) "
                "SELECT id, body FROM events WHERE id > ? AND id <= ?",
                (upto, new_upto),
            )
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (INDEXED_UPTO_KEY, str(new_upto)),
            )
        return count


class SearchIndexerThread(WakeableThread):
    """Keeps the index caught up in the background; sleeps when there is nothing to index."""

    def __init__(
        self,
        path: str | Path,
        *,
        idle_interval: float = 2.0,
        batch_rows: int = BATCH_ROWS,
        pause: float = 0.02,
    ) -> None:
        super().__init__("opsdesk-search-indexer")
        self._path = Path(path)
        self._idle_interval = idle_interval
        self._batch_rows = batch_rows
        self._pause = pause  # between batches: leaves the write lock to ingest
        # Set whenever a pass found nothing left to index; cleared when it indexed rows.
        self.caught_up = threading.Event()

    def _run(self) -> None:
        try:
            with SearchIndexer(self._path, batch_rows=self._batch_rows) as indexer:
                while not self._stop.is_set():
                    try:
                        indexed = indexer.index_some(self._batch_rows)
                    except StoreError as exc:
                        if not is_busy(exc):
                            raise
                        # A tap draining a backlog holds the write lock nearly all the time;
                        # the index catches up once it lets go, rather than stopping for good.
                        log.info("search indexing waits for the history: %s", exc)
                        self._stop.wait(BUSY_RETRY_S)
                        continue
                    if self._stop.is_set():
                        break
                    if indexed:
                        self.caught_up.clear()
                        self._stop.wait(self._pause)
                    else:
                        self.caught_up.set()
                        self._wake.wait(self._idle_interval)
                        self._wake.clear()
        except StoreError as exc:
            self.error = exc
            log.error("search indexing stopped: %s", exc)
        except BaseException as exc:
            self.error = exc
            log.exception("search indexing failed")
