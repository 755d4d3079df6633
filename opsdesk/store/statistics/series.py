"""Bucketed series by event time, computed in full or refreshed from the last settled bucket on.

Event time is when an event occurred (received time for the events that do not say): see
queries.py. Events can arrive long after they occurred (a backlog read after a
restart), so a refresh re-reads from the earliest bucket that anything received since the
last read falls in, not only from the last few buckets.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from opsdesk.events.model import Status
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.statistics.by_payment import earliest_affected, not_counted
from opsdesk.store.statistics.left_out import EVENT_TIME, take_off
from opsdesk.store.statistics.queries import (
    bucket_bounds,
    counts_by_index,
    counts_by_scan,
    earliest_event_time,
)
from opsdesk.store.statistics.values import (
    NO_VALUE,
    OTHER_CODES,
    CodeSeries,
    CountBasis,
    RateSeries,
    Selector,
    StatusSeries,
)
from opsdesk.store.statistics.windows import Window, epoch, from_epoch

STATUSES = tuple(status.value for status in Status)
OUTCOMES = (Status.SUCCEEDED.value, Status.FAILED.value)
# Events become visible a little after they were received (the tap commits in batches),
# so a refresh re-reads from the bucket holding `computed_at - SETTLE` rather than `computed_at`,
# and further back for the events received since then that occurred earlier.
SETTLE = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class TailPlan:
    """How a refresh moves a series: its new window and the first bucket to re-read."""

    window: Window
    first: int  # index in the new window of the first bucket counted again
    shift: int  # new bucket i holds old bucket i + shift, for i < first


def plan_refresh(
    old: Window, computed_at: datetime, now: datetime, earliest: datetime | None = None
) -> TailPlan:
    """Same length and bucket size as `old`, ending at `now`; re-read from the settled edge.

    `earliest`: the earliest event time of what was received since `computed_at - SETTLE`;
    its bucket and every later one are read again.
    """
    size = old.bucket_seconds
    end = (int(epoch(now)) // size + 1) * size
    new_start = end - old.bucket_count * size
    new = Window.between(from_epoch(new_start), from_epoch(end), size)
    if now < computed_at:  # the clock went back: nothing of the old counts can be trusted
        return TailPlan(new, 0, 0)
    settled = (int(epoch(computed_at - SETTLE)) // size) * size
    if earliest is not None:
        settled = min(settled, (int(epoch(earliest)) // size) * size)
    reuse_until = min(settled, int(epoch(old.end)))
    first = max(0, (reuse_until - new_start) // size)
    shift = (new_start - int(epoch(old.start))) // size
    if shift < 0:
        first = 0
    return TailPlan(new, min(first, new.bucket_count), shift)


def splice(
    old: Mapping[str, Sequence[int]], fresh: Mapping[str, Sequence[int]], plan: TailPlan
) -> dict[str, tuple[int, ...]]:
    """Old counts for the reused buckets, fresh ones from `plan.first` on, per key."""
    keys = list(old) + [key for key in fresh if key not in old]
    result: dict[str, tuple[int, ...]] = {}
    tail = plan.window.bucket_count - plan.first
    for key in keys:
        before = old.get(key, ())
        kept = [
            before[i + plan.shift] if 0 <= i + plan.shift < len(before) else 0
            for i in range(plan.first)
        ]
        counts = list(fresh.get(key, [0] * tail))
        result[key] = tuple(kept + counts)
    return result


def status_counts(conn: sqlite3.Connection, window: Window, first: int = 0) -> dict[str, list[int]]:
    """Events per bucket by status from bucket `first` on; replay copies of outcomes left out."""
    counts = counts_by_index(conn, "status", STATUSES, window, first)
    bounds = bucket_bounds(window, first)
    if len(bounds) > 1:
        take_off(counts, not_counted(conn, CountBasis.ATTEMPT, EVENT_TIME, bounds, "status"))
    return counts


def status_series(conn: sqlite3.Connection, window: Window, now: datetime) -> StatusSeries:
    by_status = status_counts(conn, window)
    return StatusSeries(
        window=window,
        bucket_starts=window.bucket_starts(),
        by_status={key: tuple(counts) for key, counts in by_status.items()},
        computed_at=now,
    )


def refresh_status_series(
    conn: sqlite3.Connection, previous: StatusSeries, now: datetime
) -> StatusSeries:
    plan = refresh_plan(conn, previous.window, previous.computed_at, now)
    by_status = status_counts(conn, plan.window, plan.first)
    return StatusSeries(
        window=plan.window,
        bucket_starts=plan.window.bucket_starts(),
        by_status=splice(previous.by_status, by_status, plan),
        computed_at=now,
    )


def refresh_plan(
    conn: sqlite3.Connection,
    old: Window,
    computed_at: datetime,
    now: datetime,
    basis: CountBasis = CountBasis.ATTEMPT,
) -> TailPlan:
    """plan_refresh, with the earliest event time of what arrived since the last read.

    By payment also the earliest outcome whose payment may count elsewhere now.
    """
    since = utc_iso(computed_at - SETTLE)
    times = [earliest_event_time(conn, since)]
    if basis is CountBasis.PAYMENT:
        times.append(earliest_affected(conn, since, old.end_iso))
    known = [time for time in times if time is not None]
    earliest = min(known) if known else None
    moment = None if earliest is None else datetime.fromisoformat(earliest.replace("Z", "+00:00"))
    return plan_refresh(old, computed_at, now, moment)


def rate_counts(
    conn: sqlite3.Connection,
    window: Window,
    selector: Selector,
    first: int = 0,
    basis: CountBasis = CountBasis.ATTEMPT,
) -> dict[str, list[int]]:
    extra = None
    if selector.dimension is not None:
        # NO_VALUE is how breakdowns show a missing merchant/currency: select those rows.
        value = None if selector.value in (None, NO_VALUE) else selector.value
        extra = (selector.dimension.value, value)
    counts = counts_by_index(conn, "status", OUTCOMES, window, first, extra)
    bounds = bucket_bounds(window, first)
    if len(bounds) > 1:
        take_off(counts, not_counted(conn, basis, EVENT_TIME, bounds, "status", extra=extra))
    return counts


def full_rate_series(
    conn: sqlite3.Connection,
    window: Window,
    selector: Selector,
    now: datetime,
    basis: CountBasis = CountBasis.ATTEMPT,
) -> RateSeries:
    counts = rate_counts(conn, window, selector, basis=basis)
    return RateSeries(
        window=window,
        selector=selector,
        bucket_starts=window.bucket_starts(),
        succeeded=tuple(counts[OUTCOMES[0]]),
        failed=tuple(counts[OUTCOMES[1]]),
        computed_at=now,
        basis=basis,
    )


def refresh_rate_series(
    conn: sqlite3.Connection, previous: RateSeries, now: datetime
) -> RateSeries:
    basis = previous.basis
    plan = refresh_plan(conn, previous.window, previous.computed_at, now, basis)
    fresh = rate_counts(conn, plan.window, previous.selector, plan.first, basis)
    old = {OUTCOMES[0]: previous.succeeded, OUTCOMES[1]: previous.failed}
    merged = splice(old, fresh, plan)
    return RateSeries(
        window=plan.window,
        selector=previous.selector,
        bucket_starts=plan.window.bucket_starts(),
        succeeded=merged[OUTCOMES[0]],
        failed=merged[OUTCOMES[1]],
        computed_at=now,
        basis=basis,
    )


def code_series(
    conn: sqlite3.Connection, window: Window, top: int, basis: CountBasis = CountBasis.ATTEMPT
) -> CodeSeries:
    """Failures per bucket by error code: the `top` codes by count, the rest as OTHER_CODES."""
    counts = counts_by_scan(
        conn, "error_code", window, where="e.status = ?", params=(Status.FAILED.value,)
    )
    bounds = bucket_bounds(window)
    failed = Status.FAILED
    take_off(counts, not_counted(conn, basis, EVENT_TIME, bounds, "error_code", status=failed))
    counts = {code: column for code, column in counts.items() if any(column)}
    ranked = sorted(counts, key=lambda code: (-sum(counts[code]), code))
    by_code = {code: tuple(counts[code]) for code in ranked[:top]}
    rest = ranked[top:]
    if rest:
        by_code[OTHER_CODES] = tuple(
            sum(column) for column in zip(*(counts[code] for code in rest), strict=True)
        )
    return CodeSeries(
        window=window, bucket_starts=window.bucket_starts(), by_code=by_code, basis=basis
    )
