"""A Kafka record as the decoders read it: a RawMessage, with Kafka's headers as properties.

Kafka has no AMQP properties; its producers put the same facts in headers. So a record's
headers are kept whole (each value as UTF-8 text, or escaped where it is not), and the few
that name what AMQP carries as a property are read into that property too: `message_id`
(the event's identity, as for AMQP), `content-type` (how CloudEvents structured mode is
told), `correlation_id`. The record's own facts go into properties with a `kafka_` prefix
(partition, offset, key, timestamp as ISO-8601 UTC and its type), so the history keeps them,
and a create time becomes the AMQP `timestamp` (whole seconds), the time a producer stated.

In the history a record's exchange is `kafka:TOPIC` and its routing key `PARTITION@OFFSET`:
the window shows where it came from, an event without an id of its own is one per record
(its content hash covers exchange, routing key and body), and a RabbitMQ replay never finds
an exchange by a topic's name (no exchange is called `kafka:...`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, Message

from opsdesk.events.model import RawMessage

EXCHANGE_PREFIX = "kafka:"
# Header names Kafka producers use for what AMQP carries as properties.
PROPERTY_HEADERS = {
    "message_id": "message_id",
    "message-id": "message_id",
    "content-type": "content_type",
    "content_type": "content_type",
    "correlation_id": "correlation_id",
    "correlation-id": "correlation_id",
}
# What Message.headers() gives (a list of pairs from a fetch; a dict when built in code).
HeadersType = dict[str, str | bytes | None] | list[tuple[str, str | bytes | None]]
_TIMESTAMP_TYPES = {TIMESTAMP_CREATE_TIME: "create", TIMESTAMP_LOG_APPEND_TIME: "log_append"}


def topic_exchange(topic: str) -> str:
    return EXCHANGE_PREFIX + topic


def record_place(partition: int, offset: int) -> str:
    """The routing key a record is stored under: where it is in its topic."""
    return f"{partition}@{offset}"


def record_raw_message(record: Message) -> RawMessage:
    """`record` (a fetched confluent-kafka Message) for the decoders; never raises."""
    partition, offset = record.partition() or 0, record.offset() or 0
    headers = header_table(record.headers())
    properties: dict[str, Any] = {}
    for name, prop in PROPERTY_HEADERS.items():
        value = headers.get(name)
        if isinstance(value, str) and value and prop not in properties:
            properties[prop] = value
    kind, millis = record.timestamp()
    if kind == TIMESTAMP_CREATE_TIME and millis >= 0:
        properties["timestamp"] = millis // 1000
    properties["kafka_partition"] = partition
    properties["kafka_offset"] = offset
    properties["kafka_key"] = text(record.key())
    if kind in _TIMESTAMP_TYPES and millis >= 0:
        # As text: read by people, and no 13-digit run for the card-number scan to look at.
        moment = datetime.fromtimestamp(millis / 1000, UTC)
        properties["kafka_timestamp"] = moment.isoformat(timespec="milliseconds")[:-6] + "Z"
        properties["kafka_timestamp_type"] = _TIMESTAMP_TYPES[kind]
    body = record.value()
    return RawMessage(
        body=bytes(body) if body is not None else b"",
        exchange=topic_exchange(record.topic() or ""),
        routing_key=record_place(partition, offset),
        properties=properties,
        headers=headers,
    )


def header_table(headers: HeadersType | None) -> dict[str, Any]:
    """Kafka's header list as a table; a name given several times keeps each value, in order."""
    table: dict[str, Any] = {}
    pairs = headers.items() if isinstance(headers, dict) else headers or ()
    for name, raw in pairs:
        value = text(raw)
        if name not in table:
            table[name] = value
        elif isinstance(table[name], list):
            table[name].append(value)
        else:
            table[name] = [table[name], value]
    return table


def text(raw: bytes | str | None) -> str | None:
    """UTF-8 text; bytes that are not UTF-8 are kept escaped (\\xff), never dropped."""
    if raw is None or isinstance(raw, str):
        return raw
    return bytes(raw).decode("utf-8", errors="backslashreplace")
