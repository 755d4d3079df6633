"""`multi_outcomes`: the outcome events of payments that have more than one outcome.

A payment's outcomes are the succeeded and failed events its payment system sent. Nearly every
payment has one; a payment replayed after a failure (issue 11), retried by its service, or
announced twice under two event ids has more. Counting "by payment"
(store/statistics/by_payment.py) must find the outcomes a later outcome of the same payment
supersedes, and only these payments have any. Finding them in `events` at read time costs an
index seek per outcome of the window (~10x the by-attempt counts at 1M events); this small
table holds them instead:

- EventStore.insert_batch, the only writer of events, calls note_new_outcomes in the batch's
  transaction: a payment that now has two outcomes or more puts all its outcome events in
  (the earlier ones too), with the two times the statistics count by. So the table is never
  behind the history. Not a trigger: an AFTER INSERT trigger runs a program for every row
  stored, outcome or not, and made a 500-event batch 20-28% slower where this costs ~10%
  (one index seek per outcome stored: migration 11's measurement note);
- deleting an outcome event (retention, whoever deletes) takes its row out, by a trigger:
  deletes are few and batched. Events are never updated.

A replay copy (replay_of set: a message opsdesk re-sent, store/statistics/replay_copies.py) is
not an outcome of the payment system: an event-level replay of a `payment.failed` is the old
failure announced again. Copies neither enter the table nor make a payment multi-outcome.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence

from sqlite_utils import Database

from opsdesk.events.model import PaymentEvent, Status

TABLE = "multi_outcomes"
OUTCOMES_SQL = f"('{Status.SUCCEEDED.value}', '{Status.FAILED.value}')"
_INSERT = f"INSERT OR IGNORE INTO {TABLE} (id, payment_id, status, event_time, received_at)"
# An outcome event `o` as multi_outcomes stores it.
_ROW = "o.id, o.payment_id, o.status, coalesce(o.occurred_at, o.received_at), o.received_at"
_ORIGINAL_OUTCOME = "{0}.status IN " + OUTCOMES_SQL + " AND {0}.replay_of IS NULL"
# The payments' ids first, then each one's events by index (the planner would rather walk
# the outcome statuses of the whole history).
_PAYMENTS_FIRST = (
    "FROM json_each(:ids) j CROSS JOIN events o INDEXED BY events_payment_id "
    "ON o.payment_id = j.value"
)


def create_multi_outcomes(db: Database) -> None:
    """The table, its delete trigger, and its rows for the history stored (migration 11)."""
    # Rows are copies (status and times) so a window reads this table through its own
    # indexes; `id` is the event's row id. event_time is the statistics' event time.
    db.execute(
        f"CREATE TABLE {TABLE} ("
        "id INTEGER PRIMARY KEY, payment_id TEXT NOT NULL, status TEXT NOT NULL, "
        "event_time TEXT NOT NULL, received_at TEXT NOT NULL)"
    )
    db.execute(f"CREATE INDEX {TABLE}_payment ON {TABLE}(payment_id)")
    db.execute(f"CREATE INDEX {TABLE}_event_time ON {TABLE}(event_time)")
    db.execute(f"CREATE INDEX {TABLE}_received_at ON {TABLE}(received_at)")
    db.execute(
        f"CREATE TRIGGER {TABLE}_on_delete AFTER DELETE ON events "
        f"WHEN {_ORIGINAL_OUTCOME.format('OLD')} AND OLD.payment_id IS NOT NULL "
        f"BEGIN DELETE FROM {TABLE} WHERE id = OLD.id; END"
    )
    db.execute(
        f"{_INSERT} SELECT {_ROW} FROM events o "
        f"WHERE {_ORIGINAL_OUTCOME.format('o')} AND o.payment_id IN ("
        f"  SELECT e.payment_id FROM events e WHERE {_ORIGINAL_OUTCOME.format('e')} "
        "  AND e.payment_id IS NOT NULL GROUP BY e.payment_id HAVING count(*) > 1)"
    )


# Payments (a JSON list) with an outcome among the rows up to :last, the history before a batch.
_EARLIER = (
    f"SELECT DISTINCT o.payment_id {_PAYMENTS_FIRST} "
    f"WHERE o.id <= :last AND {_ORIGINAL_OUTCOME.format('o')}"
)
# Every outcome of these payments (a JSON list), earlier ones included.
_ADD = f"{_INSERT} SELECT {_ROW} {_PAYMENTS_FIRST} WHERE {_ORIGINAL_OUTCOME.format('o')}"


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
        conn.execute(_ADD, {"ids": json.dumps(sorted(multi))})
