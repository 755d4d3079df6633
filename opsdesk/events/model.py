"""Values that cross layers: a message as received, and the payment event decoded from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    REFUNDED = "refunded"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One AMQP delivery as the broker handed it over, before any interpretation."""

    body: bytes
    exchange: str = ""
    routing_key: str = ""
    # Basic properties as plain JSON-able values (content_type, message_id, timestamp, ...),
    # without `headers`, which live apart because decoders read them often.
    properties: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    redelivered: bool = False


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A decoded event, ready to store and show. Money is integer minor units."""

    event_id: str
    received_at: str  # ISO-8601 UTC, set by the desk when the message arrived
    occurred_at: str | None  # ISO-8601 as the producer stated it, normalised to UTC when parseable
    exchange: str
    routing_key: str
    type: str | None
    status: Status
    payment_id: str | None
    merchant: str | None
    amount_minor: int | None
    currency: str | None
    error_code: str | None
    idempotency_key: str | None
    decode_error: str | None  # None when the body decoded; else why not
    headers: str  # JSON text, card numbers masked
    properties: str  # JSON text
    body: str  # masked text; undecodable bytes are shown escaped, size-capped
    body_size: int  # size of the original body in bytes
    format: str  # "native", "cloudevents", "json", "raw", ...
    # A copy opsdesk replayed (events/replay_headers.py): the event id of the ORIGINAL request
    # it re-sends, and which replay of its payment it is (1, 2, ...); None on originals.
    replay_of: str | None = None
    replay_attempt: int | None = None


def undecoded_event(
    event_id: str,
    received_at: str,
    exchange: str,
    routing_key: str,
    problem: str,
    body: str,
    body_size: int,
) -> PaymentEvent:
    """An event whose body could not be decoded: only what its delivery says, and why."""
    return PaymentEvent(
        event_id=event_id,
        received_at=received_at,
        occurred_at=None,
        exchange=exchange,
        routing_key=routing_key,
        type=None,
        status=Status.UNKNOWN,
        payment_id=None,
        merchant=None,
        amount_minor=None,
        currency=None,
        error_code=None,
        idempotency_key=None,
        decode_error=problem,
        headers="{}",
        properties="{}",
        body=body,
        body_size=body_size,
        format="raw",
    )
