"""Bounded read-only questions replay asks of the history: events by id, succeeded payments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.errors import store_failures
from opsdesk.store.event_store import EventStore, event_from_row

_COLUMNS = ", ".join(f.name for f in fields(PaymentEvent))
_CHUNK = 5000


def _chunks(values: Iterable[str]) -> Iterable[str]:
    unique = list(dict.fromkeys(v for v in values if v))
    for start in range(0, len(unique), _CHUNK):
        yield json.dumps(unique[start : start + _CHUNK])


def events_by_id(db_path: Path, event_ids: Iterable[str]) -> dict[str, PaymentEvent]:
    """The stored events with these event ids (unknown ids are absent)."""
    found: dict[str, PaymentEvent] = {}
    with EventStore(db_path, readonly=True) as store:
        sql = (
            f"SELECT id, {_COLUMNS} FROM events WHERE event_id IN (SELECT value FROM json_each(?))"
        )
        with store_failures(f"cannot read {db_path}"):
            for chunk in _chunks(event_ids):
                for row in store.db.conn.execute(sql, (chunk,)).fetchall():
                    event = event_from_row(row)
                    found[event.event_id] = event
    return found


def succeeded_payments(db_path: Path, payment_ids: Iterable[str | None]) -> dict[str, str]:
    """payment_id -> when the history first saw it succeed, for those that did."""
    found: dict[str, str] = {}
    with EventStore(db_path, readonly=True) as store:
        sql = (
            "SELECT payment_id, min(received_at) FROM events "
            "WHERE payment_id IN (SELECT value FROM json_each(?)) AND status = ? "
            "GROUP BY payment_id"
        )
        with store_failures(f"cannot read {db_path}"):
            for chunk in _chunks(p for p in payment_ids if p):
                for payment_id, at in store.db.conn.execute(
                    sql, (chunk, Status.SUCCEEDED.value)
                ).fetchall():
                    found[str(payment_id)] = str(at)
    return found
