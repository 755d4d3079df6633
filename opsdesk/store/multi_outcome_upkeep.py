"""Keeping multi_outcomes up to date as batches are stored (store/multi_outcomes.py)."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.multi_outcomes import ORIGINAL_OUTCOME, TABLE

_IDS = "json_each(:ids)"
# The payments' ids (a JSON list) first, then each one's events by index: the planner would
# rather walk the outcome statuses of the whole history.
_PAYMENTS_FIRST = (
    f"FROM {_IDS} j CROSS JOIN events o INDEXED BY events_payment_id ON o.payment_id = j.value"
)
# Which of these payments the table holds already: all their outcomes up to :last are in it.
_KNOWN = f"SELECT DISTINCT payment_id FROM {TABLE} WHERE payment_id IN (SELECT value FROM {_IDS})"
# Which of these payments have an outcome among the rows up to :last (before the batch).
_EARLIER = (
    f"SELECT DISTINCT o.payment_id {_PAYMENTS_FIRST} "
    f"WHERE o.id <= :last AND {ORIGINAL_OUTCOME.format('o')}"
)
# The outcomes of these payments stored after :last (0: all of them).
_ADD = (
    f"INSERT OR IGNORE INTO {TABLE} "
    "(id, payment_id, status, event_time, received_at, merchant, currency, error_code) "
    "SELECT o.id, o.payment_id, o.status, coalesce(o.occurred_at, o.received_at), "
    f"o.received_at, o.merchant, o.currency, o.error_code {_PAYMENTS_FIRST} "
    f"WHERE o.id > :last AND {ORIGINAL_OUTCOME.format('o')}"
)
# The same values as multi_outcomes.order_sql, from one sort of each payment's rows instead
# of three subqueries per row over all of them (quadratic in the payment's outcomes: a
# payment with 2,000 took the writer seconds per batch). A row's next time is its successor's
# in (time, id) order; failed_before is whether any row before it in (event_time, id) failed.
# Only rows whose values change are written.
_FAILED = f"{TABLE}.status = '{Status.FAILED.value}'"
_ORDER = (
    f"UPDATE {TABLE} SET next_event_time = w.next_event_time, "
    "next_received_at = w.next_received_at, failed_before = w.failed_before FROM ("
    f"SELECT id, lead(event_time) OVER (PARTITION BY payment_id ORDER BY event_time, id) "
    "AS next_event_time, "
    "lead(received_at) OVER (PARTITION BY payment_id ORDER BY received_at, id) "
    "AS next_received_at, "
    f"coalesce(max({_FAILED}) OVER (PARTITION BY payment_id ORDER BY event_time, id "
    "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS failed_before "
    f"FROM {TABLE} WHERE payment_id IN (SELECT value FROM {_IDS})) w "
    f"WHERE {TABLE}.id = w.id AND ({TABLE}.next_event_time IS NOT w.next_event_time "
    f"OR {TABLE}.next_received_at IS NOT w.next_received_at "
    f"OR {TABLE}.failed_before IS NOT w.failed_before)"
)


def note_new_outcomes(
    conn: sqlite3.Connection, last_id: int, inserted: Sequence[PaymentEvent]
) -> None:
    """Bring in the payments `inserted` gave a second outcome; rows up to `last_id` were there.

    Run in the transaction that stored `inserted`. A payment the table holds already adds
    only the batch's outcomes. Otherwise two outcomes in the batch need no read; one is looked
    for among the payment's earlier events: an index seek, and a look at the few events it
    finds (its request, nearly always).
    """
    per_payment = Counter(
        event.payment_id
        for event in inserted
        if event.payment_id is not None
        and event.replay_of is None
        and event.status in (Status.SUCCEEDED, Status.FAILED)
    )
    if not per_payment:
        return
    known = {row[0] for row in conn.execute(_KNOWN, {"ids": json.dumps(list(per_payment))})}
    multi = {payment for payment, n in per_payment.items() if n > 1 and payment not in known}
    single = [payment for payment, n in per_payment.items() if n == 1 and payment not in known]
    if single:
        rows = conn.execute(_EARLIER, {"ids": json.dumps(single), "last": last_id})
        multi.update(row[0] for row in rows)
    if multi:
        conn.execute(_ADD, {"ids": json.dumps(sorted(multi)), "last": 0})
    if known:
        conn.execute(_ADD, {"ids": json.dumps(sorted(known)), "last": last_id})
    if multi or known:
        conn.execute(_ORDER, {"ids": json.dumps(sorted(multi | known))})
