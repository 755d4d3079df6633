"""Messages as the tap hands them to the decoder, for the events tests."""

import json
from typing import Any

from opsdesk.events.model import RawMessage

RECEIVED_AT = "2024-05-01T12:00:00.000Z"


def native_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": "evt_1",
        "type": "payment.succeeded",
        "occurred_at": "2024-05-01T11:59:58.250Z",
        "payment_id": "pay_1",
        "merchant": "northwind-books",
        "amount_minor": 1250,
        "currency": "EUR",
        "status": "succeeded",
        "error_code": None,
        "idempotency_key": "idem-1",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def message(
    body: bytes | dict[str, Any] | list[Any],
    *,
    properties: dict[str, Any] | None = None,
    headers: dict[str, Any] | None = None,
    exchange: str = "payments.events",
    routing_key: str = "payment.succeeded",
) -> RawMessage:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RawMessage(
        body=data,
        exchange=exchange,
        routing_key=routing_key,
        properties=properties if properties is not None else {},
        headers=headers if headers is not None else {},
    )
