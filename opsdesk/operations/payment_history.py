"""Bounded read-only questions a payment replay asks of the history, a few statements per batch.

Which payments a filter names; each payment's events as steps (no bodies: a plan of 10,000
payments reads their steps in one pass); the few full events a replay will send; and the
replays the audit log recorded for a payment's events.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from opsdesk.events.model import PaymentEvent
from opsdesk.store.audit import STARTED
from opsdesk.store.errors import store_failures
from opsdesk.store.event_filter import EventFilter
from opsdesk.store.event_query import EventQuery
from opsdesk.store.event_store import EventStore

_CHUNK = 5000
_STEP_COLUMNS = (
    "id, payment_id, event_id, received_at, occurred_at, type, status, merchant, amount_minor, "
    "currency, error_code, exchange, routing_key, idempotency_key, replay_of, replay_attempt"
)
# Time order as the timeline shows it: producer time, else arrival.
_STEP_ORDER = "coalesce(occurred_at, received_at), received_at, id"
REPLAY_ACTION = "replay"


@dataclass(frozen=True, slots=True)
class PaymentStep:
    """One stored event of a payment, without its body, headers or properties."""

    row_id: int
    event_id: str
    received_at: str
    occurred_at: str | None
    type: str | None
    status: str
    merchant: str | None
    amount_minor: int | None
    currency: str | None
    error_code: str | None
    exchange: str
    routing_key: str
    idempotency_key: str | None
    replay_of: str | None  # a replay copy: the original request it re-sends
    replay_attempt: int | None

    @property
    def is_copy(self) -> bool:
        return self.replay_of is not None


@dataclass(frozen=True, slots=True)
class AuditedReplays:
    """The replays the audit log holds of one event: how many, and when the latest ran."""

    count: int
    last_at: str


def _chunks(values: Iterable[str]) -> Iterable[str]:
    unique = list(dict.fromkeys(v for v in values if v))
    for start in range(0, len(unique), _CHUNK):
        yield json.dumps(unique[start : start + _CHUNK])


def payments_matching(
    db_path: Path, event_filter: EventFilter, limit: int
) -> tuple[list[str], int]:
    """(payment ids with an event the filter matches, oldest match first, at most `limit`;
    how many matching events name no payment)."""
    where, params = event_filter.to_sql()
    with EventStore(db_path, readonly=True) as store, store_failures(f"cannot read {db_path}"):
        conn = store.db.conn
        rows = conn.execute(
            f"SELECT payment_id FROM events WHERE {where} AND events.payment_id IS NOT NULL "
            "GROUP BY payment_id ORDER BY min(received_at), min(id) LIMIT ?",
            [*params, int(limit)],
        ).fetchall()
        nameless = conn.execute(
            f"SELECT count(*) FROM events WHERE {where} AND events.payment_id IS NULL", params
        ).fetchone()[0]
    return [str(row[0]) for row in rows], int(nameless)


def payment_steps(db_path: Path, payment_ids: Iterable[str]) -> dict[str, list[PaymentStep]]:
    """Each payment's stored events in time order; payments without any are absent."""
    found: dict[str, list[PaymentStep]] = {}
    sql = (
        f"SELECT {_STEP_COLUMNS} FROM events "
        f"WHERE payment_id IN (SELECT value FROM json_each(?)) ORDER BY {_STEP_ORDER}"
    )
    with EventStore(db_path, readonly=True) as store, store_failures(f"cannot read {db_path}"):
        for chunk in _chunks(payment_ids):
            for row in store.db.conn.execute(sql, (chunk,)).fetchall():
                found.setdefault(row[1], []).append(PaymentStep(row[0], *row[2:]))
    return found


def events_by_row_id(db_path: Path, row_ids: Sequence[int]) -> dict[int, PaymentEvent]:
    """The full stored events with these row ids (what a replay sends: body and properties)."""
    with EventQuery(db_path) as query:
        return query.rows(row_ids)


def audited_replays(db_path: Path, event_ids: Iterable[str]) -> dict[str, AuditedReplays]:
    """For each of `event_ids` that a replay sent, its replays in the audit log.

    As AuditLog.mentioning counts them: an outcome record lists what was sent; an intent
    without an outcome counts too (it was interrupted and may have sent). No audit log yet:
    nothing was replayed.
    """
    if not db_path.is_file():
        return {}
    sql = (
        "SELECT j.value, count(*), max(a.at) FROM audit_log AS a, json_each(a.message_ids) AS j "
        "WHERE a.action = ? AND j.value IN (SELECT value FROM json_each(?)) "
        "AND (a.outcome != ? OR NOT EXISTS (SELECT 1 FROM audit_log AS b "
        "WHERE b.id > a.id AND json_extract(b.detail, '$.intent') = a.id)) "
        "GROUP BY j.value"
    )
    found: dict[str, AuditedReplays] = {}
    # The audit log lives in the history file: read it on the history's own connection.
    with (
        EventStore(db_path, readonly=True) as store,
        store_failures(f"cannot read the audit log in {db_path}"),
    ):
        for chunk in _chunks(event_ids):
            rows = store.db.conn.execute(sql, (REPLAY_ACTION, chunk, STARTED)).fetchall()
            for event_id, count, last_at in rows:
                found[str(event_id)] = AuditedReplays(int(count), str(last_at))
    return found
