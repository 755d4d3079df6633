"""Versioned schema migrations for the history file, recorded in `schema_migrations`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from opsdesk.store.errors import SchemaTooNew
from opsdesk.store.multi_outcomes import add_outcome_order, create_multi_outcomes
from opsdesk.store.source_positions import create_source_positions
from opsdesk.store.transaction import write_transaction

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "schema_migrations"


@dataclass(frozen=True)
class Migration:
    """One schema step; `apply` runs inside the migration transaction."""

    version: int
    name: str
    apply: Callable[[Database], None]


# Migrations are history: never edit one that has shipped, add a new one instead.
# Every index costs ingest time, so add one only when a query needs it.


def _create_events(db: Database) -> None:
    events = db.table("events")
    events.create(
        {
            "id": int,
            "event_id": str,
            "received_at": str,
            "occurred_at": str,
            "exchange": str,
            "routing_key": str,
            "type": str,
            "status": str,
            "payment_id": str,
            "merchant": str,
            "amount_minor": int,
            "currency": str,
            "error_code": str,
            "idempotency_key": str,
            "decode_error": str,
            "headers": str,
            "properties": str,
            "body": str,
            "body_size": int,
            "format": str,
        },
        pk="id",
        not_null={
            "event_id",
            "received_at",
            "exchange",
            "routing_key",
            "status",
            "headers",
            "properties",
            "body",
            "body_size",
            "format",
        },
    )
    events.create_index(["event_id"], index_name="events_event_id", unique=True)
    events.create_index(["received_at"], index_name="events_received_at")


def _add_investigation_indexes(db: Database) -> None:
    events = db.table("events")
    events.create_index(["status", "received_at"], index_name="events_status_received_at")
    events.create_index(["payment_id"], index_name="events_payment_id")


def _create_queue_samples(db: Database) -> None:
    samples = db.table("queue_samples")
    samples.create(
        {
            "id": int,
            "taken_at": str,
            "vhost": str,
            "queue": str,
            "messages_ready": int,
            "messages_unacked": int,
            "consumers": int,
            "publish_rate": float,
            "deliver_rate": float,
            "ack_rate": float,
            "is_dead_letter": int,
            "source": str,
        },
        pk="id",
        not_null={"taken_at", "vhost", "queue", "source"},
    )
    samples.create_index(["queue", "taken_at"], index_name="queue_samples_queue_taken_at")
    samples.create_index(["taken_at"], index_name="queue_samples_taken_at")


def _create_alert_log(db: Database) -> None:
    alerts = db.table("alert_log")
    alerts.create(
        {
            "id": int,
            "rule": str,  # the rule's name as the operator gave it
            "kind": str,  # queue_depth, dead_letters, success_rate, silence, no_consumers
            "subject": str,  # the queue, merchant, ... the rule watched
            "started_at": str,
            "ended_at": str,  # NULL while firing
            "value": float,
            "threshold": float,
            "message": str,
        },
        pk="id",
        not_null={"rule", "kind", "started_at", "message"},
    )
    alerts.create_index(["started_at"], index_name="alert_log_started_at")


def _create_audit_log(db: Database) -> None:
    audit = db.table("audit_log")
    audit.create(
        {
            "id": int,
            "at": str,  # UTC ISO-8601
            "operator": str,
            "action": str,  # replay, move, dead-letter, requeue, purge, export, ...
            "source": str,
            "destination": str,
            "count": int,
            "message_ids": str,  # JSON array
            "outcome": str,
            "detail": str,  # JSON object
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null={"at", "operator", "action", "count", "message_ids", "outcome", "hash"},
    )
    audit.create_index(["at"], index_name="audit_log_at")
    # Append-only inside SQLite too; the hash chain catches edits made around these triggers.
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def _create_event_search(db: Database) -> None:
    # External-content FTS5 over event bodies, filled in the background in rowid order
    # (store/search.py) rather than by triggers, so ingest does not pay for it.
    db.execute(
        "CREATE VIRTUAL TABLE events_fts USING fts5("
        "body, content='events', content_rowid='id', tokenize='unicode61')"
    )
    db.table("meta").create({"key": str, "value": str}, pk="key", not_null={"value"})


def _add_dashboard_indexes(db: Database) -> None:
    # All three grow at their time-ordered end within each leading value, so ingest barely
    # pays for them (measured within noise at 1M rows); the dashboard's series need them.
    db.execute("CREATE INDEX events_type_received_at ON events(type, received_at)")
    db.execute(
        "CREATE INDEX events_status_received_at_dims "
        "ON events(status, received_at, merchant, currency, error_code)"
    )
    db.execute("DROP INDEX events_status_received_at")  # same leading columns as the new one
    db.execute(
        "CREATE INDEX events_undecoded ON events(received_at) WHERE decode_error IS NOT NULL"
    )


def _add_alert_log_watch(db: Database) -> None:
    # last_seen_at: when the alert was last seen firing, so an alert left open when the desk
    # closed says how long it was known to last. end_reason: why it ended when the condition
    # was not seen clearing (NULL: it was): see opsdesk/alerting/evaluator.py EndReason.
    db.execute("ALTER TABLE alert_log ADD COLUMN last_seen_at TEXT")
    db.execute("ALTER TABLE alert_log ADD COLUMN end_reason TEXT")


def _add_event_time_indexes(db: Database) -> None:
    # The dashboard's series count events by when they occurred, not when the desk received
    # them: after a restart the backlog arrives in a minute but happened over hours (issue 9,
    # finding 9). An event without occurred_at counts at its received_at, through the small
    # partial index. Like migration 7's, these grow at their time-ordered end per status.
    db.execute(
        "CREATE INDEX events_status_occurred_dims "
        "ON events(status, occurred_at, merchant, currency, error_code)"
    )
    db.execute(
        "CREATE INDEX events_status_undated ON events("
        "status, received_at, occurred_at, merchant, currency, error_code"
        ") WHERE occurred_at IS NULL"
    )


def _add_replay_columns(db: Database) -> None:
    # Replay copies (issue 11): which original request a copy re-sends, and its attempt
    # number, read from opsdesk's replay headers. The index holds replay copies only (partial),
    # so originals, nearly all of ingest, pay nothing for it; it answers "the replays of these
    # payments" (and of one original) for the replay guards, by payment_id then replay_of.
    db.execute("ALTER TABLE events ADD COLUMN replay_of TEXT")
    db.execute("ALTER TABLE events ADD COLUMN replay_attempt INTEGER")
    db.execute(
        "CREATE INDEX events_payment_replays ON events(payment_id, replay_of) "
        "WHERE replay_of IS NOT NULL"
    )


def _count_by_payment(db: Database) -> None:
    """Figures by payment and without replay copies (issue 11, "figures stay honest").

    multi_outcomes (store/multi_outcomes.py): the outcomes of payments with more than one,
    kept by EventStore.insert_batch and a delete trigger, filled here from the history
    already stored. The partial index holds
    replay copies only, with the columns the counts filter on, so the statistics find the
    copies to leave out of a window without a table lookup (statistics/replay_copies.py);
    originals, nearly all of ingest, pay nothing for it. Migration 13 completes the table.

    Measured cost (with 13; a shared 2-core machine, so every figure is a paired one):
    - ingest, benchmarks/outcome_upkeep.py: 1M-event history, the same 500-event batches into
      a copy without it, median batch. Realistic payments (10% fail, a third of those are
      answered again): insert_batch +14% to +18% time (68.7k against 79.3k rows/s). Every
      payment answered twice (a bulk replay being answered): +69% (43k against 73k rows/s).
      The per-row AFTER INSERT trigger first tried here cost +20% to +33% on realistic ones.
    - benchmarks/store_insert.py (a payment per event): insert_batch went from 0.85-0.89x to
      0.83-0.86x of a plain executemany on a fresh file, from 0.91-0.93x to 0.87x at 1M rows.
    - benchmarks/ingest.py (three outcomes per payment: every payment multi-outcome), before
      migration 13: the collector's CPU per message 137 us before, 142 us after (4 rounds
      each; the broker's own CPU per message swung 15-258 us meanwhile).
    - migrating: 11-13 take 2.4-4.0 s on 1M events, 11-13 s on 5M (benchmarks/stats.py).
    - reading, benchmarks/stats.py at 1M / 5M events: by attempt as before (the copies of a
      window read in 0.0 ms); by payment 1.1-1.3x by attempt (success rate 30 against 24 ms
      at 1M, 141 against 114 ms at 5M); recoveries of 24 h 2 / 11 ms.
    """
    create_multi_outcomes(db)
    db.execute(
        "CREATE INDEX events_replay_copies ON events("
        "status, occurred_at, received_at, merchant, currency, error_code"
        ") WHERE replay_of IS NOT NULL"
    )


def _add_sort_indexes(db: Database) -> None:
    """The history table's first page sorted by amount or merchant (issue 15).

    Without them a sorted page reads the whole table (amount) or a whole covering index
    (merchant) and keeps the top rows: 268 and 103 ms at 1M events, five times that at 5M.
    Each entry ends in the row id, the table's tie-break, so the page comes off the index end.
    A filtered list is sorted as before unless a short walk of the index fills its first page
    (store/sorted_first_page.py); EventFilter keeps its merchant and amount conditions off
    these indexes, so no other plan changes.
    Measured cost: insert_batch into copies of one 1M-row file (store_insert.py's batches:
    200 merchants, random amounts), 60 interleaved 500-row batches, median per row on a
    loaded 2-core machine: 44.9 us without either, 49.6 with the amount index, 55.0 with the
    merchant one, 60.2 with both (+15 us, 1.34x of insert_batch alone). Adding them to a
    history takes 2 s at 1M events and 24 s at 5M.
    """
    db.execute("CREATE INDEX events_amount_minor ON events(amount_minor)")
    db.execute("CREATE INDEX events_merchant ON events(merchant)")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create_events", _create_events),
    Migration(2, "add_investigation_indexes", _add_investigation_indexes),
    Migration(3, "create_queue_samples", _create_queue_samples),
    Migration(4, "create_alert_log", _create_alert_log),
    Migration(5, "create_audit_log", _create_audit_log),
    Migration(6, "create_event_search", _create_event_search),
    Migration(7, "add_dashboard_indexes", _add_dashboard_indexes),
    Migration(8, "add_alert_log_watch", _add_alert_log_watch),
    Migration(9, "add_event_time_indexes", _add_event_time_indexes),
    Migration(10, "add_replay_columns", _add_replay_columns),
    Migration(11, "count_by_payment", _count_by_payment),
    # Where the history ends in each stream it reads (issue 13): store/source_positions.py.
    Migration(12, "create_source_positions", create_source_positions),
    # Superseded outcomes and recoveries as ranges of multi_outcomes (issue 11).
    Migration(13, "add_outcome_order", add_outcome_order),
    Migration(14, "add_sort_indexes", _add_sort_indexes),
)
LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(db: Database) -> int:
    """The highest applied migration version, 0 for a file without opsdesk's schema."""
    if not db.table(MIGRATIONS_TABLE).exists():
        return 0
    row = db.execute(f"SELECT max(version) FROM {MIGRATIONS_TABLE}").fetchone()
    return int(row[0] or 0)


def migrate(
    db: Database,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
    target: int | None = None,
    label: str = "history file",
) -> int:
    """Apply pending migrations up to `target` in one transaction; return the version reached."""
    known = migrations[-1].version
    target = known if target is None else target
    # The write lock before reading the version, so two processes opening the same old
    # file cannot both apply the same migration.
    with write_transaction(db.conn, f"cannot open {label}"):
        current = schema_version(db)
        if current > known:
            raise SchemaTooNew(label, current, known)
        _ensure_migrations_table(db)
        for migration in migrations:
            if current < migration.version <= target:
                log.info(
                    "migrating %s to version %d (%s)", label, migration.version, migration.name
                )
                migration.apply(db)
                db.table(MIGRATIONS_TABLE).insert(
                    {
                        "version": migration.version,
                        "name": migration.name,
                        "applied_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    }
                )
                current = migration.version
    return current


def _ensure_migrations_table(db: Database) -> None:
    table = db.table(MIGRATIONS_TABLE)
    if not table.exists():
        table.create(
            {"version": int, "name": str, "applied_at": str},
            pk="version",
            not_null={"name", "applied_at"},
        )
