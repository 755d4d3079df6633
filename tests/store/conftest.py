"""PaymentEvent values built directly, so store tests do not depend on the decoders."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from opsdesk.events.model import PaymentEvent, Status

MakeEvent = Callable[..., PaymentEvent]


def _event(n: int, **overrides: Any) -> PaymentEvent:
    body = json.dumps(
        {
            "type": "payment.failed",
            "payment_id": f"pay_{n}",
            "amount": {"minor": 1999 + n, "currency": "EUR"},
            "card": "411111******1111",
            "note": "déclinée €",
        }
    )
    event = PaymentEvent(
        event_id=f"evt-{n:06d}",
        received_at=f"2024-05-01T12:00:{n % 60:02d}.000000Z",
        occurred_at=f"2024-05-01T11:59:{n % 60:02d}Z",
        exchange="payments.events",
        routing_key="payment.failed",
        type="payment.failed",
        status=Status.FAILED,
        payment_id=f"pay_{n}",
        merchant="merchant-7",
        amount_minor=1999 + n,
        currency="EUR",
        error_code="card_declined",
        idempotency_key=f"idem-{n}",
        decode_error=None,
        headers=json.dumps({"x-source": "psp", "x-attempt": 2}),
        properties=json.dumps({"content_type": "application/json", "message_id": f"evt-{n}"}),
        body=body,
        body_size=len(body.encode()),
        format="native",
    )
    return replace(event, **overrides)


@pytest.fixture
def make_event() -> MakeEvent:
    """`make_event(n, **field_overrides)` -> a distinct, fully populated PaymentEvent."""
    return _event
