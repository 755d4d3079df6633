"""An AMQP delivery as a consumer keeps it, and its conversion to a RawMessage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import pika

from opsdesk.events.model import RawMessage

# The basic properties of an AMQP message, headers apart.
PROPERTY_NAMES = (
    "content_type",
    "content_encoding",
    "delivery_mode",
    "priority",
    "correlation_id",
    "reply_to",
    "expiration",
    "message_id",
    "timestamp",
    "type",
    "user_id",
    "app_id",
    "cluster_id",
)


class Delivery(NamedTuple):
    """Kept as cheap as possible: it is built in pika's I/O callback for every message."""

    delivery_tag: int
    exchange: str
    routing_key: str
    redelivered: bool
    properties: pika.BasicProperties
    body: bytes


def plain_value(value: Any) -> Any:
    """AMQP table values made JSON-friendly (bytes, datetimes and nested tables)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    return value


def properties_dict(props: pika.BasicProperties) -> dict[str, Any]:
    """The message's basic properties that are set, without headers."""
    out: dict[str, Any] = {}
    for name in PROPERTY_NAMES:
        value = getattr(props, name, None)
        if value is not None:
            out[name] = plain_value(value)
    return out


def to_raw_message(delivery: Delivery) -> RawMessage:
    props = delivery.properties
    headers = props.headers
    return RawMessage(
        body=delivery.body,
        exchange=delivery.exchange,
        routing_key=delivery.routing_key,
        properties=properties_dict(props),
        headers=plain_value(headers) if headers else {},
        redelivered=delivery.redelivered,
    )
