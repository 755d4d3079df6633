"""Keeping multi_outcomes up to date as batches are stored (store/multi_outcomes.py)."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.multi_outcomes import ORIGINAL_OUTCOME, TABLE, order_sql

# The payments' ids (a JSON list) first, then each one's events by index: the planner would
# rather walk the outcome statuses of the whole history.
_PAYMENTS_FIRST = (
    "FROM json_each(:ids) j CROSS JOIN events o INDEXED BY events_payment_id "
    "ON o.payment_id = j.value"
)
# Which of these payments have an outcome among the rows up to :last (before the batch).
_EARLIER = (
    f"SELECT DISTINCT o.payment_id {_PAYMENTS_FIRST} "
    f"WHERE o.id <= :last AND {ORIGINAL_OUTCOME.format('o')}"
)
# Every outcome of these payments, earlier ones included.
_ADD = (
    f"INSERT OR IGNORE INTO {TABLE} "
    "(id, payment_id, status, event_time, received_at, merchant, currency, error_code) "
    "SELECT o.id, o.payment_id, o.status, coalesce(o.occurred_at, o.received_at), "
    f"o.received_at, o.merchant, o.currency, o.error_code {_PAYMENTS_FIRST} "
    f"WHERE {ORIGINAL_OUTCOME.format('o')}"
)
_ORDER = order_sql(f"{TABLE}.payment_id IN (SELECT value FROM json_each(:ids))")


def note_new_outcomes(
    conn: sqlite3.Connection, last_id: int, inserted: Sequence[PaymentEvent]
) -> None:
    """Bring in the payments `inserted` gave a second outcome; rows up to `last_id` were there.

    Run in the transaction that stored `inserted`. Two outcomes in the batch need no read;
    one is looked for among the payment's earlier events: an index seek, and a look at the
    few events it finds (its request, nearly always).
    """
    per_payment = Counter(
        event.payment_id
        for event in inserted
        if event.payment_id is not None
        and event.replay_of is None
        and event.status in (Status.SUCCEEDED, Status.FAILED)
    )
    multi = {payment for payment, n in per_payment.items() if n > 1}
    single = [payment for payment, n in per_payment.items() if n == 1]
    if single:
        rows = conn.execute(_EARLIER, {"ids": json.dumps(single), "last": last_id})
        multi.update(row[0] for row in rows)
    if multi:
        ids = json.dumps(sorted(multi))
        conn.execute(_ADD, {"ids": ids})
        conn.execute(_ORDER, {"ids": ids})
