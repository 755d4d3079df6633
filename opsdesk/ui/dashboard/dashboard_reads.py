"""The dashboard's reads, run on the background reader's thread (never on the UI thread).

Nothing here touches a widget: a query goes in, a snapshot comes out. Between ticks the
sources keep what makes the next tick cheap: the last series (refreshed, not recomputed),
the stuck list and the top merchants / currencies (both change slowly, so re-read every
so often rather than every tick).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from opsdesk.events.model import PaymentEvent
from opsdesk.store.queue_sample_store import QueueSampleStore
from opsdesk.store.statistics.headline import compute_headline
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.stuck_payments import StuckPayment
from opsdesk.store.statistics.values import (
    OVERALL,
    Breakdown,
    CodeSeries,
    Dimension,
    RateSeries,
    Selector,
    StatusSeries,
)
from opsdesk.store.statistics.windows import Window
from opsdesk.ui.dashboard.dashboard_data import DashboardQuery, DashboardSnapshot, QueueHistory

log = logging.getLogger(__name__)

TOP_BREAKDOWN = 5  # merchants / currencies / error codes drawn, most failures first
STUCK_LIMIT = 200
QUEUE_POINTS = 2000  # per queue per window: more than a chart is wide
STUCK_EVERY = timedelta(seconds=30)  # stuck means "for 10 minutes": no need to look each tick
TOP_EVERY = timedelta(seconds=60)  # which merchants fail most changes slowly
_DIMENSIONS = {Breakdown.MERCHANT: Dimension.MERCHANT, Breakdown.CURRENCY: Dimension.CURRENCY}


class DashboardSources:
    """The store objects the dashboard reads, opened on (and only used by) the reader thread."""

    def __init__(self, db_path: Path) -> None:
        self.statistics = Statistics(db_path)
        try:
            self.samples = QueueSampleStore(db_path, readonly=True)
        except BaseException:
            self.statistics.close()
            raise
        self.previous: StatusSeries | None = None
        self.previous_rates: dict[Selector, RateSeries] = {}
        self._stuck: tuple[timedelta, datetime, list[StuckPayment]] | None = None
        self._top: tuple[tuple[object, ...], datetime, list[str]] | None = None

    def stuck_payments(self, now: datetime, min_age: timedelta) -> list[StuckPayment]:
        """The stuck list, re-read every STUCK_EVERY; ages always as of `now`."""
        cached = self._stuck
        if (
            cached is not None
            and cached[0] == min_age
            and timedelta(0) <= now - cached[1] < STUCK_EVERY
        ):
            moved = (now - cached[1]).total_seconds()
            return [replace(p, age_seconds=p.age_seconds + moved) for p in cached[2]]
        stuck = self.statistics.stuck_payments(now, min_age=min_age, limit=STUCK_LIMIT)
        self._stuck = (min_age, now, stuck)
        return stuck

    def top_values(self, window: Window, dimension: Dimension, now: datetime) -> list[str]:
        """The merchants / currencies with the most failures, re-read every TOP_EVERY."""
        key = (dimension, window.span, window.bucket_seconds)
        cached = self._top
        if cached is not None and cached[0] == key and timedelta(0) <= now - cached[1] < TOP_EVERY:
            return cached[2]
        values = [row.value for row in self.statistics.breakdown(window, dimension, TOP_BREAKDOWN)]
        self._top = (key, now, values)
        return values

    def close(self) -> None:
        self.statistics.close()
        self.samples.close()


def compute_snapshot(sources: DashboardSources, query: DashboardQuery) -> DashboardSnapshot:
    """Every series, tile and stuck payment for `query`."""
    started = time.perf_counter()
    statistics = sources.statistics
    window = query.choice.resolve(query.now)
    status, incremental = _status_series(sources, query, window)
    rates: tuple[RateSeries, ...] = ()
    codes: CodeSeries | None = None
    if query.breakdown is Breakdown.ERROR_CODE:
        codes = statistics.failure_code_series(window, top=TOP_BREAKDOWN, basis=query.basis)
        sources.previous_rates.clear()
    else:
        rates = _rates(sources, query, window)
    latest = query.latest_samples or sources.samples.latest()
    headline = compute_headline(
        statistics,
        latest,
        query.now,
        stuck_after=query.stuck_after,
        basis=query.basis,
        recovery_window=window,
    )
    stuck = sources.stuck_payments(query.now, query.stuck_after)
    return DashboardSnapshot(
        query=query,
        window=window,
        status=status,
        rates=rates,
        codes=codes,
        headline=headline,
        latest_samples=latest,
        stuck=tuple(stuck),
        seconds=time.perf_counter() - started,
        incremental=incremental,
    )


def load_queue_history(sources: DashboardSources, window: Window) -> QueueHistory:
    """Each queue's samples over `window`, downsampled in SQL to what a chart can show."""
    start, end = window.start_iso, window.end_iso
    samples = {
        queue: tuple(sources.samples.series(queue, start, end, max_points=QUEUE_POINTS))
        for queue in sources.samples.queues_seen(start)
    }
    return QueueHistory(window, samples)


def load_payment_events(sources: DashboardSources, payment_id: str) -> list[PaymentEvent]:
    return sources.statistics.events_of(payment_id)


def _status_series(
    sources: DashboardSources, query: DashboardQuery, window: Window
) -> tuple[StatusSeries, bool]:
    previous = sources.previous
    if previous is not None and _continues(previous.window, window, query):
        series, incremental = sources.statistics.refresh(previous, query.now), True
    else:
        series, incremental = sources.statistics.series(window, now=query.now), False
    sources.previous = None if query.choice.is_custom else series
    return series, incremental


def _rates(
    sources: DashboardSources, query: DashboardQuery, window: Window
) -> tuple[RateSeries, ...]:
    """Overall first, then the top merchants / currencies; each refreshed when it can be."""
    selectors = [OVERALL]
    dimension = _DIMENSIONS.get(query.breakdown)
    if dimension is not None:
        values = sources.top_values(window, dimension, query.now)
        selectors += [Selector(dimension, value) for value in values]
    rates = []
    kept: dict[Selector, RateSeries] = {}
    for selector in selectors:
        previous = sources.previous_rates.get(selector)
        if (
            previous is not None
            and previous.basis is query.basis
            and _continues(previous.window, window, query)
        ):
            series = sources.statistics.refresh_rates(previous, query.now)
        else:
            series = sources.statistics.rate_series(
                window, selector, now=query.now, basis=query.basis
            )
        rates.append(series)
        kept[selector] = series
    sources.previous_rates = {} if query.choice.is_custom else kept
    return tuple(rates)


def _continues(previous: Window, window: Window, query: DashboardQuery) -> bool:
    """True when `window` is `previous` moved on in time: a refresh gives the same answer."""
    return (
        not query.choice.is_custom
        and previous.span == window.span
        and previous.bucket_seconds == window.bucket_seconds
        and previous.start <= window.start
    )
