"""PaymentEvent values for UI tests."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from opsdesk.events.model import PaymentEvent, Status

_START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def payment_event(n: int, **changes: Any) -> PaymentEvent:
    """Event number `n`: later numbers were received later."""
    received = _START + timedelta(milliseconds=250 * n)
    body = {"payment_id": f"pay_{n:06d}", "amount": 1000 + n, "currency": "EUR"}
    event = PaymentEvent(
        event_id=f"evt-{n:06d}",
        received_at=received.isoformat().replace("+00:00", "Z"),
        occurred_at=(received - timedelta(milliseconds=40)).isoformat(),
        exchange="payments.events",
        routing_key="payment.captured",
        type="payment.captured",
        status=Status.SUCCEEDED,
        payment_id=f"pay_{n:06d}",
        merchant=f"merchant-{n % 7}",
        amount_minor=1000 + n,
        currency="EUR",
        error_code=None,
        idempotency_key=f"idem-{n}",
        decode_error=None,
        headers=json.dumps({"x-source": "tests"}),
        properties=json.dumps({"content_type": "application/json", "message_id": f"evt-{n:06d}"}),
        body=json.dumps(body),
        body_size=len(json.dumps(body)),
        format="native",
    )
    return replace(event, **changes)


def numbered(first: int, last: int) -> list[PaymentEvent]:
    """Events `first`..`last` in arrival order (oldest first)."""
    return [payment_event(n) for n in range(first, last + 1)]
