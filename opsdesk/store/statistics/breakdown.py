"""Whole-window figures: failures by merchant / currency / error code, outcome counts, latency."""

from __future__ import annotations

import math
import sqlite3

from opsdesk.events.model import Status
from opsdesk.store.statistics.by_payment import not_counted
from opsdesk.store.statistics.left_out import RECEIVED_AT, LeftOut
from opsdesk.store.statistics.replay_copies import outcome_copies
from opsdesk.store.statistics.values import (
    NO_VALUE,
    BreakdownRow,
    CountBasis,
    Dimension,
    LatencyStats,
)

# Latency percentiles come from at most this many outcomes, picked evenly by row id:
# each costs a few index seeks, and 5,000 values pin down a p99 well.
LATENCY_SAMPLE = 5000
_OUTCOMES = (Status.SUCCEEDED.value, Status.FAILED.value)
_SAMPLED = "((((t.id % 1000003) * 2654435761) % 4294967296) >> 12)"


def breakdown(
    conn: sqlite3.Connection, start: str, end: str, dimension: Dimension, limit: int
) -> list[BreakdownRow]:
    """Rows for the `limit` values with the most failures in [start, end) (by attempt)."""
    column = dimension.value  # an enum member, safe to interpolate
    copies = outcome_copies(conn, RECEIVED_AT, start, end)
    # Each copy lowers one row by one: the first limit + len(copies) rows hold the top `limit`.
    fetch = limit + len(copies)
    if dimension is Dimension.ERROR_CODE:
        failures = [copy for copy in copies if copy.status == Status.FAILED.value]
        total = _count(conn, "status = ? AND received_at >= ? AND received_at < ?", (
            Status.FAILED.value, start, end,
        ))  # fmt: skip
        rows = conn.execute(
            f"SELECT coalesce({column}, ?), count(*), count(*) FROM events "
            "WHERE status = ? AND received_at >= ? AND received_at < ? "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?",
            (NO_VALUE, Status.FAILED.value, start, end, fetch),
        ).fetchall()
        ranked = _ranked(rows, failures, column)[:limit]
        return [BreakdownRow(value, failed, total - len(failures)) for value, failed, _ in ranked]
    rows = conn.execute(
        f"SELECT coalesce({column}, ?), sum(status = ?), count(*) FROM events "
        "WHERE status IN (?, ?) AND received_at >= ? AND received_at < ? "
        "GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
        (NO_VALUE, Status.FAILED.value, *_OUTCOMES, start, end, fetch),
    ).fetchall()
    return [BreakdownRow(*row) for row in _ranked(rows, copies, column)[:limit]]


def _ranked(
    rows: list[tuple[str, int, int]], copies: list[LeftOut], column: str
) -> list[tuple[str, int, int]]:
    """(value, failed, outcomes) rows less the replay copies each counted, most failed first."""
    counts = {value: [failed, outcomes] for value, failed, outcomes in rows}
    for copy in copies:
        value = getattr(copy, column)
        row = counts.get(NO_VALUE if value is None else value)
        if row is not None:
            row[0] -= copy.status == Status.FAILED.value
            row[1] -= 1
    kept = [(value, failed, outcomes) for value, (failed, outcomes) in counts.items() if outcomes]
    # As the SQL orders them: most failures, then most outcomes, then the value.
    return sorted(kept, key=lambda row: (-row[1], -row[2], row[0]))


def outcomes(
    conn: sqlite3.Connection,
    start: str,
    end: str,
    merchant: str | None = None,
    basis: CountBasis = CountBasis.ATTEMPT,
) -> tuple[int, int]:
    """(succeeded, failed) received in [start, end), overall or for one merchant.

    By attempt every outcome event, by payment each payment by its last outcome received in
    the range (by_payment.py); replay copies on neither.
    """
    extra = None if merchant is None else ("merchant", merchant)
    less = not_counted(conn, basis, RECEIVED_AT, [start, end], "status", extra=extra)
    counts = []
    for status in _OUTCOMES:
        where = "status = ? AND received_at >= ? AND received_at < ?"
        params: tuple[object, ...] = (status, start, end)
        if merchant is not None:
            where += " AND merchant = ?"
            params += (merchant,)
        counts.append(_count(conn, where, params) - less.get(status, [0])[0])
    return counts[0], counts[1]


def latency(conn: sqlite3.Connection, start: str, end: str) -> LatencyStats:
    """First event to outcome, in seconds, for outcomes received in [start, end).

    Replay copies are no outcome: left out of the count and (a lookup per sampled row) of
    the sample.
    """
    where = "status IN (?, ?) AND received_at >= ? AND received_at < ?"
    params = (*_OUTCOMES, start, end)
    count = _count(conn, where, params)
    count -= len(outcome_copies(conn, RECEIVED_AT, start, end))
    stride = max(1, math.ceil(count / LATENCY_SAMPLE))
    # The row id comes with the (status, received_at) index entry, so rows left out of the
    # sample cost no table lookup. It is hashed (Knuth's multiplicative hash) because plain
    # `id % stride` can beat with the periodic interleaving of payments' events.
    rows = conn.execute(
        "SELECT (julianday(t.received_at) - julianday("
        "  (SELECT min(f.received_at) FROM events f WHERE f.payment_id = t.payment_id)"
        ")) * 86400.0 "
        "FROM events t WHERE t.status IN (?, ?) AND t.received_at >= ? AND t.received_at < ? "
        f"AND {_SAMPLED} % ? = 0 AND t.payment_id IS NOT NULL AND t.replay_of IS NULL",
        (*params, stride),
    ).fetchall()
    values = sorted(max(0.0, row[0]) for row in rows if row[0] is not None)
    return LatencyStats(
        count=count,
        sample_size=len(values),
        p50=percentile(values, 0.50),
        p90=percentile(values, 0.90),
        p99=percentile(values, 0.99),
    )


def percentile(ordered: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of an ascending list, None for an empty one."""
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _count(conn: sqlite3.Connection, where: str, params: tuple[object, ...]) -> int:
    return int(conn.execute(f"SELECT count(*) FROM events WHERE {where}", params).fetchone()[0])
