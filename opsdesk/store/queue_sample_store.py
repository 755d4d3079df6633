"""The `queue_samples` table: what the queue monitor saw, kept for charts across restarts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.store.database import HistoryConnection, open_history
from opsdesk.store.errors import StoreError, store_failures
from opsdesk.store.transaction import write_transaction

log = logging.getLogger(__name__)

_COLUMNS = (
    "taken_at, vhost, queue, messages_ready, messages_unacked, consumers, "
    "publish_rate, deliver_rate, ack_rate, is_dead_letter, source"
)
_INSERT = f"INSERT INTO queue_samples ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
PRUNE_BATCH = 2000  # rows per delete transaction, so the ingest writer never waits long


class QueueSampleStore(HistoryConnection):
    """One connection to the history file for queue samples; use it from one thread."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self._path = Path(path)
        self._readonly = readonly
        # NORMAL: a sample lost to a power cut is harmless, and the next one comes in 5 s.
        self._db = open_history(self._path, readonly=readonly, synchronous="NORMAL")
        self._closed = False

    @property
    def path(self) -> Path:
        return self._path

    def add(self, samples: Sequence[QueueSample]) -> None:
        """Store one round of samples in one transaction."""
        if not samples:
            return
        self._writable()
        conn = self._db.conn
        with write_transaction(conn, f"cannot store queue samples in {self._path}"):
            conn.executemany(_INSERT, [_row(sample) for sample in samples])

    def series(self, queue: str, start: str, end: str, max_points: int = 2000) -> list[QueueSample]:
        """`queue`'s samples taken in [start, end), oldest first, at most about `max_points`.

        Downsampled in SQL when there are more: per time slice, the sample with the most
        messages (ready + unacked), so spikes stay visible.
        """
        if max_points < 1:
            raise ValueError("max_points must be at least 1")
        where = "FROM queue_samples WHERE queue = ? AND taken_at >= ? AND taken_at < ?"
        params = (queue, start, end)
        count = self._fetch(f"SELECT count(*) {where}", params)[0][0]
        if count <= max_points:
            rows = self._fetch(f"SELECT {_COLUMNS} {where} ORDER BY taken_at", params)
            return [_sample(row) for row in rows]
        span = (_seconds(end) - _seconds(start)) or 1.0
        slice_s = max(span / max_points, 0.001)
        # A bare column beside max() comes from the row holding the maximum (SQLite rule).
        rows = self._fetch(
            f"SELECT {_COLUMNS}, max(messages_ready + coalesce(messages_unacked, 0)) {where} "
            "GROUP BY CAST((julianday(taken_at) - julianday(?)) * 86400.0 / ? AS INTEGER) "
            "ORDER BY taken_at",
            (*params, start, slice_s),
        )
        return [_sample(row[:-1]) for row in rows]

    def latest(self, since: str | None = None) -> dict[str, QueueSample]:
        """Each queue's newest sample (taken at or after `since`, if given), by queue name."""
        rows = self._fetch(
            f"SELECT {_COLUMNS} FROM queue_samples WHERE id IN ("
            "  SELECT (SELECT id FROM queue_samples s WHERE s.queue = q.queue"
            "          ORDER BY taken_at DESC, id DESC LIMIT 1)"
            f"  FROM ({_DISTINCT_QUEUES}) q)"
            " AND taken_at >= ?",
            (since or "",),
        )
        return {row[2]: _sample(row) for row in rows}

    def queues_seen(self, since: str) -> list[str]:
        """The queues with a sample taken at or after `since`, by name."""
        rows = self._fetch(
            f"SELECT q.queue FROM ({_DISTINCT_QUEUES}) q WHERE EXISTS ("
            "  SELECT 1 FROM queue_samples s WHERE s.queue = q.queue AND s.taken_at >= ?)"
            " ORDER BY q.queue",
            (since,),
        )
        return [row[0] for row in rows]

    def prune(self, older_than: str, batch: int = PRUNE_BATCH) -> int:
        """Delete samples taken before `older_than` in small transactions; return how many."""
        self._writable()
        conn = self._db.conn
        deleted = 0
        while True:
            with write_transaction(conn, f"cannot prune queue samples in {self._path}"):
                cursor = conn.execute(
                    "DELETE FROM queue_samples WHERE id IN ("
                    "  SELECT id FROM queue_samples WHERE taken_at < ? LIMIT ?)",
                    (older_than, batch),
                )
            deleted += cursor.rowcount
            if cursor.rowcount < batch:
                break
        if deleted:
            log.info("pruned %d queue samples taken before %s", deleted, older_than)
        return deleted

    def _writable(self) -> None:
        if self._readonly:
            raise StoreError(f"{self._path} is open read-only; cannot change queue samples")

    def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with store_failures(f"cannot read queue samples from {self._path}"):
            return self._db.conn.execute(sql, params).fetchall()


# The distinct queue names by hopping along the (queue, taken_at) index: one seek per
# queue instead of a scan of millions of samples.
_DISTINCT_QUEUES = (
    "WITH RECURSIVE names(queue) AS ("
    "  SELECT min(queue) FROM queue_samples"
    "  UNION ALL"
    "  SELECT (SELECT min(queue) FROM queue_samples WHERE queue > names.queue)"
    "  FROM names WHERE names.queue IS NOT NULL)"
    " SELECT queue FROM names WHERE queue IS NOT NULL"
)


def _row(sample: QueueSample) -> tuple[Any, ...]:
    return (
        sample.taken_at,
        sample.vhost,
        sample.queue,
        sample.messages_ready,
        sample.messages_unacked,
        sample.consumers,
        sample.publish_rate,
        sample.deliver_rate,
        sample.ack_rate,
        int(sample.is_dead_letter),
        sample.source,
    )


def _sample(row: Sequence[Any]) -> QueueSample:
    return QueueSample(
        taken_at=row[0],
        vhost=row[1],
        queue=row[2],
        messages_ready=row[3],
        messages_unacked=row[4],
        consumers=row[5],
        publish_rate=row[6],
        deliver_rate=row[7],
        ack_rate=row[8],
        is_dead_letter=bool(row[9]),
        source=row[10],
    )


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
