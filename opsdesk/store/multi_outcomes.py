"""`multi_outcomes`: the outcome events of payments that have more than one outcome.

A payment's outcomes are the succeeded and failed events its payment system sent. Nearly every
payment has one; a payment replayed after a failure (issue 11), retried by its service, or
announced twice under two event ids has more. Counting "by payment"
(store/statistics/by_payment.py) must find the outcomes a later outcome of the same payment
supersedes, and only these payments have any. This small table holds their outcome events,
each with what a count needs without reading `events`: its times and dimensions, the time
of the payment's next outcome on each time axis (NULL for the last), and whether an earlier
outcome of the payment failed. An outcome is superseded in a window [s, e) exactly when its
next outcome's time is before e, so a window's superseded outcomes are a range of this
table, and its recoveries too (migration 13).

- EventStore.insert_batch, the only writer of events, calls note_new_outcomes in the batch's
  transaction (multi_outcome_upkeep.py): a payment that reaches two outcomes puts all its
  outcome events in, one already in the table adds only the batch's new ones, and the
  payment's next times are worked out again by one sort per payment. So the table is
  never behind the history. Not a trigger: an AFTER INSERT trigger runs a program for every
  row stored, outcome or not, and made a 500-event batch 20-28% slower where this costs ~10%;
- deleting an outcome event (retention, whoever deletes) takes its row out and works its
  payment's next times out again, by a trigger: deletes are few and batched. Events are
  never updated.

A replay copy (replay_of set: a message opsdesk re-sent, store/statistics/replay_copies.py) is
not an outcome of the payment system: an event-level replay of a `payment.failed` is the old
failure announced again. Copies neither enter the table nor make a payment multi-outcome.
"""

from __future__ import annotations

from sqlite_utils import Database

from opsdesk.events.model import Status

TABLE = "multi_outcomes"
OUTCOMES_SQL = f"('{Status.SUCCEEDED.value}', '{Status.FAILED.value}')"
ORIGINAL_OUTCOME = "{0}.status IN " + OUTCOMES_SQL + " AND {0}.replay_of IS NULL"
# Outcome `o` of the same payment, later / earlier than the row being updated (a trigger's
# UPDATE takes no alias, so that row goes by the table's name).
_LATER = f"(o.{{t}} > {TABLE}.{{t}} OR (o.{{t}} = {TABLE}.{{t}} AND o.id > {TABLE}.id))"
_EARLIER = f"(o.{{t}} < {TABLE}.{{t}} OR (o.{{t}} = {TABLE}.{{t}} AND o.id < {TABLE}.id))"


def order_sql(payments: str) -> str:
    """UPDATE: the next times and failed_before of every row of the payments `payments` picks.

    `payments` is a SQL condition on `multi_outcomes.payment_id`; other payments' rows are
    not read.
    """
    mine = f"FROM {TABLE} o WHERE o.payment_id = {TABLE}.payment_id"
    return (
        f"UPDATE {TABLE} SET "
        f"next_event_time = (SELECT min(o.event_time) {mine} "
        f"AND {_LATER.format(t='event_time')}), "
        f"next_received_at = (SELECT min(o.received_at) {mine} "
        f"AND {_LATER.format(t='received_at')}), "
        f"failed_before = EXISTS (SELECT 1 {mine} AND o.status = '{Status.FAILED.value}' "
        f"AND {_EARLIER.format(t='event_time')}) "
        f"WHERE {payments}"
    )


def create_multi_outcomes(db: Database) -> None:
    """Migration 11: the table, its delete trigger, and its rows for the history stored.

    Its SQL is written out as it shipped: later code must not change what it did.
    """
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
    original = "{0}.status IN ('succeeded', 'failed') AND {0}.replay_of IS NULL"
    db.execute(
        f"CREATE TRIGGER {TABLE}_on_delete AFTER DELETE ON events "
        f"WHEN {original.format('OLD')} AND OLD.payment_id IS NOT NULL "
        f"BEGIN DELETE FROM {TABLE} WHERE id = OLD.id; END"
    )
    db.execute(
        f"INSERT INTO {TABLE} (id, payment_id, status, event_time, received_at) "
        "SELECT o.id, o.payment_id, o.status, coalesce(o.occurred_at, o.received_at), "
        f"o.received_at FROM events o WHERE {original.format('o')} AND o.payment_id IN ("
        f"  SELECT e.payment_id FROM events e WHERE {original.format('e')} "
        "  AND e.payment_id IS NOT NULL GROUP BY e.payment_id HAVING count(*) > 1)"
    )


def add_outcome_order(db: Database) -> None:
    """Migration 13: dimensions, next times and failed_before on every row, kept up to date.

    Its SQL is the one of this version: a later change to it needs a migration of its own.
    """
    # A development build of migration 11 kept the table by an insert trigger.
    db.execute(f"DROP TRIGGER IF EXISTS {TABLE}_on_insert")
    for column in ("merchant", "currency", "error_code", "next_event_time", "next_received_at"):
        db.execute(f"ALTER TABLE {TABLE} ADD COLUMN {column} TEXT")
    db.execute(f"ALTER TABLE {TABLE} ADD COLUMN failed_before INTEGER NOT NULL DEFAULT 0")
    db.execute(
        f"UPDATE {TABLE} SET (merchant, currency, error_code) = "
        f"(SELECT e.merchant, e.currency, e.error_code FROM events e WHERE e.id = {TABLE}.id)"
    )
    db.execute(order_sql("1"))
    # A window's superseded outcomes and recoveries, read from this index alone.
    db.execute(f"DROP INDEX {TABLE}_event_time")
    db.execute(
        f"CREATE INDEX {TABLE}_event_order ON {TABLE}(event_time, next_event_time, status, "
        "merchant, currency, error_code, failed_before)"
    )
    db.execute(f"DROP TRIGGER {TABLE}_on_delete")
    db.execute(
        f"CREATE TRIGGER {TABLE}_on_delete AFTER DELETE ON events "
        f"WHEN {ORIGINAL_OUTCOME.format('OLD')} AND OLD.payment_id IS NOT NULL "
        f"BEGIN DELETE FROM {TABLE} WHERE id = OLD.id; "
        f"{order_sql(f'{TABLE}.payment_id = OLD.payment_id')}; END"
    )
