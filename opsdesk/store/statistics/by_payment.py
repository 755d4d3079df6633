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
multi_outcomes table (store/multi_outcomes.py) holds exactly their outcome events, so the
by-payment figures cost the by-attempt ones plus a read of that table.
"""

from __future__ import annotations

import sqlite3

from opsdesk.events.model import Status
from opsdesk.store.multi_outcomes import TABLE
from opsdesk.store.statistics.left_out import EVENT_TIME, LeftOut, check_axis, filter_sql
from opsdesk.store.statistics.replay_copies import outcome_copies
from opsdesk.store.statistics.values import CountBasis


def _later(t: str) -> str:
    """SQL: true when outcome `m` is not its payment's last (by `t`) before :end."""
    return (
        f"EXISTS (SELECT 1 FROM {TABLE} l WHERE l.payment_id = m.payment_id AND l.{t} < :end "
        f"AND (l.{t} > m.{t} OR (l.{t} = m.{t} AND l.id > m.id)))"
    )


def left_out(
    conn: sqlite3.Connection,
    basis: CountBasis,
    axis: str,
    start: str,
    end: str,
    *,
    status: Status | None = None,
    extra: tuple[str, str | None] | None = None,
) -> list[LeftOut]:
    """The outcome events in [start, end) on `axis` a count on `basis` does not count.

    Replay copies on both bases; by payment also the superseded outcomes. `status` keeps one
    status; `extra` is a (column, value) filter on the event, as counts_by_index takes it.
    """
    rows = outcome_copies(conn, axis, start, end, status=status, extra=extra)
    if basis is CountBasis.PAYMENT:
        rows += superseded(conn, axis, start, end, status=status, extra=extra)
    return rows


def superseded(
    conn: sqlite3.Connection,
    axis: str,
    start: str,
    end: str,
    *,
    status: Status | None = None,
    extra: tuple[str, str | None] | None = None,
) -> list[LeftOut]:
    """The outcomes in [start, end) on `axis` that are not their payment's final one there."""
    check_axis(axis)  # also the column of multi_outcomes holding that time
    condition, params = filter_sql("e", extra)
    params.update({"start": start, "end": end})
    if status is not None:
        condition += " AND m.status = :status"
        params["status"] = status.value
    rows = conn.execute(
        f"SELECT m.status, m.{axis}, e.merchant, e.currency, e.error_code "
        f"FROM {TABLE} m JOIN events e ON e.id = m.id "
        f"WHERE m.{axis} >= :start AND m.{axis} < :end AND {_later(axis)}{condition}",
        params,
    )
    return [LeftOut(*row) for row in rows]


def recovered(conn: sqlite3.Connection, start: str, end: str) -> int:
    """Payments whose final outcome in [start, end) (event time) is a success after a failure."""
    row = conn.execute(
        f"SELECT count(*) FROM {TABLE} m WHERE m.status = :succeeded "
        f"AND m.{EVENT_TIME} >= :start AND m.{EVENT_TIME} < :end "
        f"AND NOT {_later(EVENT_TIME)} "
        f"AND EXISTS (SELECT 1 FROM {TABLE} f WHERE f.payment_id = m.payment_id "
        f"  AND f.status = :failed AND (f.{EVENT_TIME} < m.{EVENT_TIME} "
        f"  OR (f.{EVENT_TIME} = m.{EVENT_TIME} AND f.id < m.id)))",
        {
            "succeeded": Status.SUCCEEDED.value,
            "failed": Status.FAILED.value,
            "start": start,
            "end": end,
        },
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
