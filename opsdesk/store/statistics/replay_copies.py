"""Replay copies among the outcome events: what no figure counts, by attempt or by payment.

A replay copy is a message opsdesk re-sent (events.replay_of set, store migration 10). A copy
of a request asks the payment system for a new attempt, whose answer is a new outcome event
of its own. A copy of an outcome event (an event-level replay of a `payment.failed`) is the
old outcome announced again: not an outcome of the payment system, so the figures leave it
out. Copies are rare, so the counts take them off after the fact (left_out.py) rather than
test `replay_of` on every row, which their covering indexes do not hold.

Migration 11's partial index holds only copies, with every column a count filters on, so
reading the copies of a window is a range of a small index (received time: a scan of the
outcome copies, still few) and ingest of originals pays nothing for it.
"""

from __future__ import annotations

import sqlite3

from opsdesk.events.model import Status
from opsdesk.store.statistics.left_out import EVENT_TIME, LeftOut, check_axis, filter_sql

INDEX = "events_replay_copies"  # migration 11
_OUTCOMES = (Status.SUCCEEDED.value, Status.FAILED.value)
# Each half of a time axis as a range of the index: (status, occurred_at, received_at, ...).
_HALVES = {
    EVENT_TIME: (
        "e.occurred_at >= :start AND e.occurred_at < :end",
        "e.occurred_at IS NULL AND e.received_at >= :start AND e.received_at < :end",
    ),
}
_RECEIVED = ("e.received_at >= :start AND e.received_at < :end",)
_TIME = {EVENT_TIME: "coalesce(e.occurred_at, e.received_at)"}


def outcome_copies(
    conn: sqlite3.Connection,
    axis: str,
    start: str,
    end: str,
    *,
    status: Status | None = None,
    extra: tuple[str, str | None] | None = None,
) -> list[LeftOut]:
    """The replay copies of outcome events in [start, end) on `axis`.

    `status` keeps one outcome status; `extra` is a (column, value) filter on the copy.
    """
    check_axis(axis)
    statuses = _OUTCOMES if status is None else (status.value,)
    wanted = ", ".join(f":s{i}" for i in range(len(statuses)))
    condition, params = filter_sql("e", extra)
    params.update({"start": start, "end": end})
    params.update({f"s{i}": value for i, value in enumerate(statuses)})
    selects = [
        f"SELECT e.status, {_TIME.get(axis, 'e.received_at')}, e.merchant, e.currency, "
        f"e.error_code FROM events e INDEXED BY {INDEX} WHERE e.replay_of IS NOT NULL "
        f"AND e.status IN ({wanted}) AND {half}{condition}"
        for half in _HALVES.get(axis, _RECEIVED)
    ]
    return [LeftOut(*row) for row in conn.execute(" UNION ALL ".join(selects), params)]
