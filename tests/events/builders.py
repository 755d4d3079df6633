"""Messages as the tap hands them to the decoder, for the events tests."""

import json
from pathlib import Path
from typing import Any

from opsdesk.events.decode import MAX_BODY_CHARS
from opsdesk.events.model import PaymentEvent, RawMessage

RECEIVED_AT = "2024-05-01T12:00:00.000Z"
PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict[str, Any]:
    """A hand-written provider or in-house payload from tests/events/payloads/."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def payload_bytes(name: str) -> bytes:
    """The payload file exactly as written, as a relay would put it on the bus."""
    return (PAYLOADS / f"{name}.json").read_bytes()


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


def assert_kept(event: PaymentEvent, raw: RawMessage) -> None:
    """Every event, however bad its body, is storable: id, texts and size are set."""
    assert event.event_id
    assert event.received_at == RECEIVED_AT
    assert event.body_size == len(raw.body)
    assert len(event.body) <= MAX_BODY_CHARS
    json.loads(event.headers)
    json.loads(event.properties)
    # SQLite rejects lone surrogates; everything stored must encode as UTF-8.
    for text in (event.body, event.headers, event.properties, event.event_id):
        text.encode("utf-8")
