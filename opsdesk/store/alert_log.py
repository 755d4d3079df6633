"""The `alert_log` table: when each alert started and ended, for the alert history view.

An alert still firing when the desk closes is not ended then: its row stays open with the
time it was last seen firing (`last_seen_at`), and the next run resumes or ends it. An end
that was not seen as the condition clearing carries an `end_reason`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsdesk.store.database import HistoryConnection, open_history
from opsdesk.store.errors import StoreError, store_failures
from opsdesk.store.transaction import write_transaction

log = logging.getLogger(__name__)

_COLUMNS = (
    "id, rule, kind, subject, started_at, ended_at, value, threshold, message, "
    "last_seen_at, end_reason"
)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One firing of one rule on one subject; `ended_at` is None while it still fires.

    `last_seen_at` is when it was last seen firing (None in rows older than the column).
    `end_reason` is None when the condition was seen to clear at `ended_at`; else why it
    ended otherwise (opsdesk.alerting.alert_values.EndReason: "unwatched" means it cleared
    between `last_seen_at` and `ended_at`, while nobody watched).
    """

    id: int
    rule: str
    kind: str
    subject: str | None
    started_at: str
    ended_at: str | None
    value: float | None
    threshold: float | None
    message: str
    last_seen_at: str | None = None
    end_reason: str | None = None


class AlertLog(HistoryConnection):
    """Started/ended rows of alerts; one connection, used from the thread that opened it."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self._path = Path(path)
        self._readonly = readonly
        self._db = open_history(self._path, readonly=readonly, synchronous="NORMAL")
        self._closed = False

    def started(
        self,
        rule: str,
        kind: str,
        subject: str | None,
        at: str,
        value: float | None,
        threshold: float | None,
        message: str,
    ) -> int:
        """Record an alert that began firing at `at`; returns its row id."""
        self._writable()
        conn = self._db.conn
        with write_transaction(conn, f"cannot record an alert in {self._path}"):
            cursor = conn.execute(
                "INSERT INTO alert_log (rule, kind, subject, started_at, value, threshold, "
                "message, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rule, kind, subject, at, value, threshold, message, at),
            )
        return int(cursor.lastrowid or 0)

    def ended(self, rule: str, subject: str | None, at: str, reason: str | None = None) -> int:
        """Mark the open alert(s) of `rule` on `subject` as ended at `at`; returns how many.

        `reason` None: the condition was seen to clear at `at`; else why it ended otherwise.
        """
        self._writable()
        conn = self._db.conn
        with write_transaction(conn, f"cannot record an alert's end in {self._path}"):
            cursor = conn.execute(
                "UPDATE alert_log SET ended_at = ?, end_reason = ? WHERE rule = ? "
                "AND subject IS ? AND ended_at IS NULL",
                (at, reason, rule, subject),
            )
        return cursor.rowcount

    def seen(self, alerts: Sequence[tuple[str, str | None]], at: str) -> None:
        """The open alerts of these (rule, subject) pairs were seen firing at `at`."""
        if not alerts:
            return
        self._writable()
        conn = self._db.conn
        with write_transaction(conn, f"cannot record alerts as seen in {self._path}"):
            conn.executemany(
                "UPDATE alert_log SET last_seen_at = ? WHERE rule = ? AND subject IS ? "
                "AND ended_at IS NULL",
                [(at, rule, subject) for rule, subject in alerts],
            )

    def end_all_open(self, at: str, reason: str | None = None) -> int:
        """End every alert still marked as firing, for `reason`."""
        self._writable()
        conn = self._db.conn
        with write_transaction(conn, f"cannot close open alerts in {self._path}"):
            cursor = conn.execute(
                "UPDATE alert_log SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL",
                (at, reason),
            )
        return cursor.rowcount

    def history(self, since: str | None = None, limit: int = 500) -> list[AlertRecord]:
        """Alerts that started at or after `since` (or still fire), newest first."""
        rows = self._fetch(
            f"SELECT {_COLUMNS} FROM alert_log WHERE started_at >= ? OR ended_at IS NULL "
            "ORDER BY started_at DESC, id DESC LIMIT ?",
            (since or "", limit),
        )
        return [AlertRecord(*row) for row in rows]

    def open_alerts(self) -> list[AlertRecord]:
        """Alerts recorded as still firing, oldest first."""
        rows = self._fetch(
            f"SELECT {_COLUMNS} FROM alert_log WHERE ended_at IS NULL ORDER BY started_at, id",
            (),
        )
        return [AlertRecord(*row) for row in rows]

    def _writable(self) -> None:
        if self._readonly:
            raise StoreError(f"{self._path} is open read-only; cannot record alerts")

    def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with store_failures(f"cannot read the alert log of {self._path}"):
            return self._db.conn.execute(sql, params).fetchall()
