"""Dashboard statistics over the events table, on a read-only connection of its own."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from opsdesk.events.model import PaymentEvent
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.database import HistoryConnection, open_history
from opsdesk.store.errors import store_failures
from opsdesk.store.statistics import breakdown as breakdown_sql  # named like the methods
from opsdesk.store.statistics import by_payment as by_payment_sql
from opsdesk.store.statistics import series as series_sql
from opsdesk.store.statistics import stuck_payments as stuck_sql
from opsdesk.store.statistics.stuck_payments import DEFAULT_HORIZON, DEFAULT_MIN_AGE, StuckPayment
from opsdesk.store.statistics.values import (
    OVERALL,
    BreakdownRow,
    CodeSeries,
    CountBasis,
    Dimension,
    LatencyStats,
    RateSeries,
    Selector,
    StatusSeries,
)
from opsdesk.store.statistics.windows import Window, as_utc

log = logging.getLogger(__name__)

T = TypeVar("T")


class Statistics(HistoryConnection):
    """Read-only statistics on the history file; use it from the thread that opened it.

    Every query is bounded by a window; the full 24-hour series of a busy desk takes tens of
    milliseconds and `refresh` a few, but run them off the UI thread all the same.
    """

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._db = open_history(self._path, readonly=True)
        self._conn: sqlite3.Connection = self._db.conn
        self._closed = False

    @property
    def path(self) -> Path:
        return self._path

    def series(self, window: Window, now: datetime | None = None) -> StatusSeries:
        """Events per bucket by status over `window`, by when they occurred (full computation).

        `now` (default: the wall clock, at most the window's end) is recorded as the series'
        `computed_at`, where a later `refresh` starts re-reading.
        """
        at = _clock(now, window)
        return self._read(lambda: series_sql.status_series(self._conn, window, at))

    def refresh(self, previous: StatusSeries, now: datetime) -> StatusSeries:
        """`previous` moved on to `now`: same length, only the unsettled buckets re-read."""
        at = as_utc(now)
        return self._read(lambda: series_sql.refresh_status_series(self._conn, previous, at))

    def rate_series(
        self,
        window: Window,
        selector: Selector = OVERALL,
        now: datetime | None = None,
        basis: CountBasis = CountBasis.ATTEMPT,
    ) -> RateSeries:
        """Succeeded and failed per bucket, overall or for one merchant / currency.

        By attempt (every outcome event) or by payment (each payment's final outcome in the
        window, in the bucket of that outcome): see by_payment.py.
        """
        if selector.dimension is Dimension.ERROR_CODE:
            raise ValueError("use failure_code_series for error codes")
        at = _clock(now, window)
        return self._read(
            lambda: series_sql.full_rate_series(self._conn, window, selector, at, basis)
        )

    def refresh_rates(self, previous: RateSeries, now: datetime) -> RateSeries:
        """`previous` moved on to `now`, like `refresh`, counted on the same basis."""
        at = as_utc(now)
        return self._read(lambda: series_sql.refresh_rate_series(self._conn, previous, at))

    def failure_code_series(
        self, window: Window, top: int = 5, basis: CountBasis = CountBasis.ATTEMPT
    ) -> CodeSeries:
        """Failures per bucket for the window's `top` error codes (the rest as OTHER_CODES).

        By payment a payment's failure counts only when it is its final outcome in the window.
        """
        return self._read(lambda: series_sql.code_series(self._conn, window, top, basis))

    def breakdown(
        self, window: Window, dimension: Dimension, limit: int = 20
    ) -> list[BreakdownRow]:
        """Failures by merchant / currency / error code over `window`, most failures first."""
        return self._read(
            lambda: breakdown_sql.breakdown(
                self._conn, window.start_iso, window.end_iso, dimension, limit
            )
        )

    def latency(self, window: Window) -> LatencyStats:
        """First-event-to-outcome latency of the payments whose outcome arrived in `window`."""
        return self._read(
            lambda: breakdown_sql.latency(self._conn, window.start_iso, window.end_iso)
        )

    def outcomes(
        self,
        start: datetime,
        end: datetime,
        merchant: str | None = None,
        basis: CountBasis = CountBasis.ATTEMPT,
    ) -> tuple[int, int]:
        """(succeeded, failed) received in [start, end), overall or for one merchant.

        By attempt (every outcome event) or by payment (each payment by its last outcome
        received in the range); replay copies count on neither basis.
        """
        return self._read(
            lambda: breakdown_sql.outcomes(
                self._conn, utc_iso(start), utc_iso(end), merchant, basis
            )
        )

    def recovered(self, window: Window) -> int:
        """Payments whose final outcome in `window` is a success after a failure (recoveries)."""
        return self._read(
            lambda: by_payment_sql.recovered(self._conn, window.start_iso, window.end_iso)
        )

    def last_received_at(self) -> datetime | None:
        """When the newest event arrived, None for an empty history."""
        row = self._read(
            lambda: self._conn.execute("SELECT max(received_at) FROM events").fetchone()
        )
        if row[0] is None:
            return None
        return as_utc(datetime.fromisoformat(row[0].replace("Z", "+00:00")))

    def stuck_payments(
        self,
        now: datetime,
        min_age: timedelta = DEFAULT_MIN_AGE,
        horizon: timedelta = DEFAULT_HORIZON,
        limit: int = 200,
    ) -> list[StuckPayment]:
        """Payments still pending after `min_age` at `now`, oldest first (see find_stuck)."""
        return self._read(lambda: stuck_sql.find_stuck(self._conn, now, min_age, horizon, limit))

    def events_of(self, payment_id: str, limit: int = 500) -> list[PaymentEvent]:
        """A payment's events, oldest first (the click-through from a stuck payment)."""
        return self._read(lambda: stuck_sql.events_of(self._conn, payment_id, limit))

    def _read(self, query: Callable[[], T]) -> T:
        with store_failures(f"cannot read statistics from {self._path}"):
            # One read transaction per answer: every count sees the same snapshot.
            self._conn.execute("BEGIN")
            try:
                return query()
            finally:
                self._conn.execute("COMMIT")


def _clock(now: datetime | None, window: Window) -> datetime:
    return as_utc(now) if now is not None else min(datetime.now(UTC), window.end)
