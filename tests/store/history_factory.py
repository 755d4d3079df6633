"""Histories with known answers for the statistics tests: events at chosen times and statuses.

Everything goes through EventStore.insert_batch, like the tap writes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore

# A quarter hour boundary, so 10 s / 30 s / 5 min buckets all start on it.
T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
STATUS_OF_TYPE = {
    "payment.requested": Status.PENDING,
    "payment.created": Status.PENDING,
    "payment.authorized": Status.PENDING,
    "payment.succeeded": Status.SUCCEEDED,
    "payment.failed": Status.FAILED,
    "payment.refunded": Status.REFUNDED,
}
_ids = itertools.count(1)


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def event(
    when: datetime,
    type_: str | None = "payment.succeeded",
    *,
    status: Status | None = None,
    payment_id: str | None = None,
    merchant: str | None = "acme",
    currency: str | None = "EUR",
    amount_minor: int | None = 1000,
    error_code: str | None = None,
) -> PaymentEvent:
    """One event received at `when`; the status follows the type unless given."""
    n = next(_ids)
    if status is None:
        status = STATUS_OF_TYPE.get(type_ or "", Status.UNKNOWN)
    if status is Status.FAILED and error_code is None:
        error_code = "card_declined"
    stamp = utc_iso(when)
    return PaymentEvent(
        event_id=f"evt-{n}",
        received_at=stamp,
        occurred_at=stamp,
        exchange="payments.events",
        routing_key=type_ or "unknown",
        type=type_,
        status=status,
        payment_id=payment_id if payment_id is not None else f"pay-{n}",
        merchant=merchant,
        amount_minor=amount_minor,
        currency=currency,
        error_code=error_code,
        idempotency_key=None,
        decode_error=None,
        headers="{}",
        properties="{}",
        body="{}",
        body_size=2,
        format="native",
    )


def replay_copy(original: PaymentEvent, when: datetime, attempt: int = 1) -> PaymentEvent:
    """The copy of `original` opsdesk re-sent, as the tap stores it at `when`.

    Its body is the original's, so it states the original's occurred_at.
    """
    return replace(
        original,
        event_id=f"evt-{next(_ids)}",
        received_at=utc_iso(when),
        replay_of=original.event_id,
        replay_attempt=attempt,
    )


def lifecycle(
    payment_id: str,
    start: datetime,
    steps: Sequence[tuple[float, str]],
    **fields: object,
) -> list[PaymentEvent]:
    """A payment's events: (seconds after `start`, type) each, sharing `fields`."""
    return [
        event(start + timedelta(seconds=offset), type_, payment_id=payment_id, **fields)  # type: ignore[arg-type]
        for offset, type_ in steps
    ]


def write(path: Path, events: Iterable[PaymentEvent]) -> None:
    """Store `events` (in arrival order, as the tap would) in the history at `path`."""
    ordered = sorted(events, key=lambda e: e.received_at)
    with EventStore(path) as store:
        for start in range(0, len(ordered), 500):
            result = store.insert_batch(ordered[start : start + 500])
            assert result.duplicates == 0
