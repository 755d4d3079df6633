"""Payments that started and never reached an outcome: where money is stuck."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import event_from_fields
from opsdesk.store.statistics.windows import as_utc

DEFAULT_MIN_AGE = timedelta(minutes=10)
# Only payments whose latest event is this recent are considered, so the scan is bounded.
DEFAULT_HORIZON = timedelta(hours=24)
_TERMINAL = (Status.SUCCEEDED.value, Status.FAILED.value, Status.REFUNDED.value)
_FIELDS = tuple(f.name for f in fields(PaymentEvent))


@dataclass(frozen=True, slots=True)
class StuckPayment:
    """A payment whose latest event is still pending, with how long it has been waiting."""

    payment_id: str
    first_seen: str  # received_at of its first event (ISO-8601 UTC)
    last_seen: str  # received_at of its latest event
    age_seconds: float  # now - first_seen
    merchant: str | None
    amount_minor: int | None
    currency: str | None
    last_type: str | None


def find_stuck(
    conn: sqlite3.Connection,
    now: datetime,
    min_age: timedelta = DEFAULT_MIN_AGE,
    horizon: timedelta = DEFAULT_HORIZON,
    limit: int = 200,
) -> list[StuckPayment]:
    """Payments whose latest event (before `now`) is pending, received in [now - horizon,
    now - min_age], and that have no outcome (succeeded, failed, refunded); oldest first.

    Walks the pending events of the horizon oldest first through the (status, received_at)
    index and stops after `limit` stuck payments, so asking for the oldest one is quick.
    """
    now = as_utc(now)
    now_iso = utc_iso(now)
    newest = conn.execute("SELECT max(received_at) FROM events").fetchone()[0]
    # A later event proves the payment moved on; at a clock in the past, only events
    # received before it count, which costs a table lookup per later event.
    later_in_time = "" if newest is None or newest < now_iso else " AND l.received_at < :now"
    rows = conn.execute(
        "SELECT e.id, e.payment_id, e.received_at, e.merchant, e.amount_minor, e.currency, "
        "e.type FROM events e "
        "WHERE e.status = :pending AND e.received_at >= :since AND e.received_at <= :cutoff "
        "AND e.payment_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM events l WHERE l.payment_id = e.payment_id "
        f"  AND l.id > e.id{later_in_time}) "
        "AND NOT EXISTS (SELECT 1 FROM events t WHERE t.payment_id = e.payment_id "
        "  AND t.status IN (:t1, :t2, :t3) AND t.received_at < :now) "
        "ORDER BY e.received_at LIMIT :limit",
        {
            "pending": Status.PENDING.value,
            "since": utc_iso(now - horizon),
            "cutoff": utc_iso(now - min_age),
            "now": now_iso,
            "t1": _TERMINAL[0],
            "t2": _TERMINAL[1],
            "t3": _TERMINAL[2],
            "limit": limit,
        },
    ).fetchall()
    stuck = []
    for _, payment_id, last_seen, merchant, amount, currency, last_type in rows:
        first_seen, first_amount, first_merchant, first_currency = conn.execute(
            "SELECT received_at, amount_minor, merchant, currency FROM events "
            "WHERE payment_id = ? ORDER BY received_at, id LIMIT 1",
            (payment_id,),
        ).fetchone()
        stuck.append(
            StuckPayment(
                payment_id=payment_id,
                first_seen=first_seen,
                last_seen=last_seen,
                age_seconds=(now - _parse(first_seen)).total_seconds(),
                merchant=merchant if merchant is not None else first_merchant,
                amount_minor=amount if amount is not None else first_amount,
                currency=currency if currency is not None else first_currency,
                last_type=last_type,
            )
        )
    stuck.sort(key=lambda payment: (-payment.age_seconds, payment.payment_id))
    return stuck


def events_of(conn: sqlite3.Connection, payment_id: str, limit: int = 500) -> list[PaymentEvent]:
    """The payment's events in the order they arrived (at most `limit`)."""
    rows = conn.execute(
        f"SELECT {', '.join(_FIELDS)} FROM events WHERE payment_id = ? "
        "ORDER BY received_at, id LIMIT ?",
        (payment_id, limit),
    ).fetchall()
    return [event_from_fields(row) for row in rows]


def _parse(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
