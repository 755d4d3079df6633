"""`multi_outcomes`: the outcome events of payments that have more than one outcome.

A payment's outcomes are the succeeded and failed events its payment system sent. Nearly every
payment has one; a payment replayed after a failure (issue 11), retried by its service, or
announced twice under two event ids has more. Counting "by payment"
(store/statistics/by_payment.py) must find the outcomes a later outcome of the same payment
supersedes, and only these payments have any. Finding them in `events` at read time costs an
index seek per outcome of the window (~10x the by-attempt counts at 1M events); this small
table holds them instead, kept by triggers:

- an outcome stored for a payment that already has another outcome puts all the payment's
  outcome events in (the earlier ones too), with the two times the statistics count by;
- deleting an outcome event (retention) takes its row out. Events are never updated.

A replay copy (replay_of set: a message opsdesk re-sent, store/statistics/replay_copies.py) is
not an outcome of the payment system: an event-level replay of a `payment.failed` is the old
failure announced again. Copies neither enter the table nor make a payment multi-outcome.

Stored in the same statement as the event, so the table is never behind the history. The
cost at ingest is one look at the payment's earlier events (through events_payment_id, pages
the insert just touched) per outcome stored: see migration 11's measurement note.
"""

from __future__ import annotations

from sqlite_utils import Database

from opsdesk.events.model import Status

TABLE = "multi_outcomes"
OUTCOMES_SQL = f"('{Status.SUCCEEDED.value}', '{Status.FAILED.value}')"
# Inserted rows come from here: an outcome event `o` as multi_outcomes stores it.
_ROW = (
    "SELECT o.id, o.payment_id, o.status, coalesce(o.occurred_at, o.received_at), o.received_at "
    "FROM events o"
)
_ORIGINAL_OUTCOME = "{0}.status IN " + OUTCOMES_SQL + " AND {0}.replay_of IS NULL"


def create_multi_outcomes(db: Database) -> None:
    """The table, its triggers, and its rows for the history already stored (migration 11)."""
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
    # The WHEN holds the whole test, so an outcome of a first attempt (nearly all of them)
    # costs one look at its payment's events and writes nothing.
    db.execute(
        f"CREATE TRIGGER {TABLE}_on_insert AFTER INSERT ON events "
        f"WHEN {_ORIGINAL_OUTCOME.format('NEW')} AND NEW.payment_id IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM events p WHERE p.payment_id = NEW.payment_id "
        f"  AND {_ORIGINAL_OUTCOME.format('p')} AND p.id <> NEW.id) "
        f"BEGIN INSERT OR IGNORE INTO {TABLE} (id, payment_id, status, event_time, received_at) "
        f"{_ROW} WHERE o.payment_id = NEW.payment_id AND {_ORIGINAL_OUTCOME.format('o')}; END"
    )
    db.execute(
        f"CREATE TRIGGER {TABLE}_on_delete AFTER DELETE ON events "
        f"WHEN {_ORIGINAL_OUTCOME.format('OLD')} AND OLD.payment_id IS NOT NULL "
        f"BEGIN DELETE FROM {TABLE} WHERE id = OLD.id; END"
    )
    db.execute(
        f"INSERT INTO {TABLE} (id, payment_id, status, event_time, received_at) {_ROW} "
        f"WHERE {_ORIGINAL_OUTCOME.format('o')} AND o.payment_id IN ("
        f"  SELECT e.payment_id FROM events e WHERE {_ORIGINAL_OUTCOME.format('e')} "
        "  AND e.payment_id IS NOT NULL GROUP BY e.payment_id HAVING count(*) > 1)"
    )
