"""Counting by payment: each payment once, by its final outcome in the window; recoveries.

The definitions (issue 11, "figures stay honest"):

- A payment's outcomes are the succeeded and failed events its payment system sent, tied by
  payment_id. A replay copy (replay_copies.py) is none: no figure counts it, on either basis.
  An outcome event without a payment id cannot be tied to any other: a payment of its own.
- By attempt, a window counts every outcome event in it. A payment that failed, was replayed
  and then succeeded counts one failure and one success: the processor's answer to a replayed
  request is the outcome of an attempt like any other.
- By payment, a window counts each payment once, by its final outcome in the window: its
  outcome with the latest time in the window (on equal times, the one stored later). A series
  counts the payment in the bucket of that outcome. "Time" is what the by-attempt twin counts
  by: event time for the series (see queries.py), received time for whole-window counts (the
  headline tiles; alerts count by attempt). A selector (one merchant) keeps the payments
  whose final outcome in the window is that merchant's.
- Recovered: a payment whose final outcome in the window (event time) is succeeded and which
  had a failed outcome before it (at any time, also before the window). No replay copy in the
  history is required: a replay may go to a destination the desk does not tap (a queue,
  another exchange), and then the processor's new outcome is its only trace. A payment its
  own service retried to success counts as well: for the money, it recovered.

So by payment = by attempt - the superseded outcomes, those followed in the window by a later
outcome of the same payment. Only payments with more than one outcome have any; the small
multi_outcomes table (store/multi_outcomes.py) holds exactly their outcome events, each with
the time of its payment's next outcome, so a window's superseded outcomes are a range of one
covering index, counted per bucket in SQL: the by-payment figures cost the by-attempt ones
plus that range (1.1-1.3x at 1M and 5M events, benchmarks/stats.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from opsdesk.events.model import Status
from opsdesk.store.multi_outcomes import TABLE
from opsdesk.store.statistics.left_out import (
    EVENT_TIME,
    add_up,
    check_axis,
    filter_sql,
    tally,
)
from opsdesk.store.statistics.queries import MAX_BUCKETS_PER_QUERY
from opsdesk.store.statistics.replay_copies import outcome_copies
from opsdesk.store.statistics.values import NO_VALUE, CountBasis

# Columns of multi_outcomes a count may group or filter superseded outcomes by.
_KEYS = frozenset({"status", "merchant", "currency", "error_code"})


def not_counted(
    conn: sqlite3.Connection,
    basis: CountBasis,
    axis: str,
    bounds: Sequence[str],
    key: str,
    *,
    status: Status | None = None,
    extra: tuple[str, str | None] | None = None,
) -> dict[str, list[int]]:
    """Per value of `key`, the outcomes per bucket of `bounds` a count on `basis` leaves out.

    Replay copies on both bases; by payment also the superseded outcomes. `bounds` are the
    buckets' edges on `axis` (two for a whole window); `status` keeps one status, `extra` is
    a (column, value) filter on the event, as counts_by_index takes it; a missing value of
    `key` counts as NO_VALUE.
    """
    copies = outcome_copies(conn, axis, bounds[0], bounds[-1], status=status, extra=extra)
    counts = tally(copies, bounds, key)
    if basis is CountBasis.PAYMENT:
        add_up(counts, superseded(conn, axis, bounds, key, status=status, extra=extra))
    return counts


def superseded(
    conn: sqlite3.Connection,
    axis: str,
    bounds: Sequence[str],
    key: str,
    *,
    status: Status | None = None,
    extra: tuple[str, str | None] | None = None,
) -> dict[str, list[int]]:
    """Per value of `key`, the outcomes per bucket that are not their payment's final one in
    [bounds[0], bounds[-1]): those whose next outcome comes before the end.

    One range of multi_outcomes per bucket, as counts_by_index walks events.
    """
    check_axis(axis)  # also the column of multi_outcomes holding that time
    if key not in _KEYS or (extra is not None and extra[0] not in _KEYS):
        raise ValueError(f"cannot count superseded outcomes by {key!r} / {extra!r}")
    # Unary + keeps the planner on the time index: on `status = ?` it would build an automatic
    # index and scan every failed row per bucket (12x slower at 1M events).
    condition, params = filter_sql("+m", extra)
    params["end"] = bounds[-1]
    params["none"] = NO_VALUE
    if status is not None:
        condition += " AND +m.status = :status"
        params["status"] = status.value
    counts: dict[str, list[int]] = {}
    for chunk in range(0, len(bounds) - 1, MAX_BUCKETS_PER_QUERY):
        part = bounds[chunk : chunk + MAX_BUCKETS_PER_QUERY + 1]
        buckets = ", ".join(f"({chunk + i}, :lo{i}, :hi{i})" for i in range(len(part) - 1))
        edges = {f"lo{i}": part[i] for i in range(len(part) - 1)}
        edges.update({f"hi{i}": part[i + 1] for i in range(len(part) - 1)})
        rows = conn.execute(
            f"WITH b(i, lo, hi) AS (VALUES {buckets}) "
            f"SELECT b.i, coalesce(m.{key}, :none), count(*) FROM b "
            f"JOIN {TABLE} m ON m.{axis} >= b.lo AND m.{axis} < b.hi "
            f"WHERE m.next_{axis} < :end{condition} GROUP BY 1, 2",
            {**params, **edges},
        )
        for index, value, n in rows:
            counts.setdefault(value, [0] * (len(bounds) - 1))[index] = n
    return counts


def recovered(conn: sqlite3.Connection, start: str, end: str) -> int:
    """Payments whose final outcome in [start, end) (event time) is a success after a failure."""
    row = conn.execute(
        f"SELECT count(*) FROM {TABLE} m WHERE m.{EVENT_TIME} >= :start AND m.{EVENT_TIME} < :end "
        "AND m.status = :succeeded AND m.failed_before "
        "AND (m.next_event_time IS NULL OR m.next_event_time >= :end)",
        {"succeeded": Status.SUCCEEDED.value, "start": start, "end": end},
    ).fetchone()
    return int(row[0])


def earliest_affected(conn: sqlite3.Connection, received_since: str, old_end: str) -> str | None:
    """The earliest event time of an outcome whose by-payment count may have changed.

    A refresh reuses the counts of the buckets before the last read's settled edge. A later
    outcome makes its payment's earlier one superseded, perhaps in such a bucket: an outcome
    received since the last read, or one the old window ended before (an event time ahead
    of the clock). A refresh by payment re-reads from the earliest outcome of those payments.
    Every read goes through multi_outcomes' small indexes.
    """
    row = conn.execute(
        f"SELECT min(o.{EVENT_TIME}) FROM {TABLE} o WHERE o.payment_id IN ("
        f"SELECT n.payment_id FROM {TABLE} n WHERE n.received_at >= :since "
        f"UNION SELECT n.payment_id FROM {TABLE} n WHERE n.{EVENT_TIME} >= :old_end)",
        {"since": received_since, "old_end": old_end},
    ).fetchone()
    return None if row is None else row[0]
