"""Payments as a history holds them, for the payment replay tests: a request, then an outcome."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.store.event_store import EventStore


def stamp(delta: timedelta = timedelta()) -> str:
    """Now (plus `delta`) as the store writes received_at."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def request(n: int, exchange: str, age: timedelta = timedelta(minutes=30)) -> PaymentEvent:
    """Payment pay_<n>'s request, as its producer published it (message_id req-<n>)."""
    body = json.dumps(
        {
            "type": "payment.requested",
            "payment_id": f"pay_{n}",
            "merchant": "acme",
            "amount_minor": 1000 + n,
            "currency": "EUR",
            "idempotency_key": f"idem-{n}",
        }
    )
    return PaymentEvent(
        event_id=f"req-{n}",
        received_at=stamp(-age),
        occurred_at=stamp(-age),
        exchange=exchange,
        routing_key="payment.requested",
        type="payment.requested",
        status=Status.PENDING,
        payment_id=f"pay_{n}",
        merchant="acme",
        amount_minor=1000 + n,
        currency="EUR",
        error_code=None,
        idempotency_key=f"idem-{n}",
        decode_error=None,
        headers=json.dumps({"x-source": "checkout"}),
        properties=json.dumps(
            {"content_type": "application/json", "message_id": f"req-{n}", "delivery_mode": 2}
        ),
        body=body,
        body_size=len(body.encode()),
        format="native",
    )


def outcome(
    n: int,
    exchange: str,
    status: Status = Status.FAILED,
    error_code: str | None = "card_declined",
    after: timedelta = timedelta(minutes=-29),
    tag: str = "",
) -> PaymentEvent:
    """An outcome of pay_<n>, received `after` from now (by default just after its request)."""
    kind = "failed" if status is Status.FAILED else "succeeded"
    body = json.dumps({"type": f"payment.{kind}", "payment_id": f"pay_{n}", "reason": error_code})
    return replace(
        request(n, exchange),
        event_id=f"{kind}-{n}{tag}",
        received_at=stamp(after),
        occurred_at=stamp(after),
        routing_key=f"payment.{kind}",
        type=f"payment.{kind}",
        status=status,
        error_code=error_code if status is Status.FAILED else None,
        properties=json.dumps({"message_id": f"{kind}-{n}{tag}"}),
        body=body,
        body_size=len(body.encode()),
    )


def failed_payment(n: int, exchange: str, error_code: str = "card_declined") -> list[PaymentEvent]:
    return [request(n, exchange), outcome(n, exchange, error_code=error_code)]


def store(db_path: Path, *events: PaymentEvent) -> None:
    with EventStore(db_path) as history:
        history.insert_batch(list(events))
