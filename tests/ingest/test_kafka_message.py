"""A Kafka record as the decoders read it: headers for properties, its place kept, PANs masked."""

from __future__ import annotations

import json

from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, Message

from opsdesk.events.decode import decode_many
from opsdesk.events.identity import HASH_PREFIX
from opsdesk.events.model import Status
from opsdesk.ingest.kafka_message import record_raw_message

WHEN = "2026-12-03T10:00:00.000Z"


def record(value: bytes | None, headers: list | None = None, **kw) -> Message:
    return Message(
        topic=kw.get("topic", "payments.events"),
        partition=kw.get("partition", 2),
        offset=kw.get("offset", 41),
        key=kw.get("key", b"pay_1"),
        value=value,
        headers=headers,
        timestamp=kw.get("timestamp", (TIMESTAMP_CREATE_TIME, 1_796_000_000_123)),
    )


def test_a_native_event_keeps_topic_place_key_and_timestamp() -> None:
    body = {"event_id": "e-1", "type": "payment.failed", "payment_id": "pay_1", "amount": 1250}
    raw = record_raw_message(record(json.dumps(body).encode(), [("trace", b"abc")]))
    (event,) = decode_many(raw, WHEN)
    assert (event.exchange, event.routing_key) == ("kafka:payments.events", "2@41")
    assert (event.event_id, event.status, event.payment_id) == ("e-1", Status.FAILED, "pay_1")
    properties = json.loads(event.properties)
    assert properties["kafka_key"] == "pay_1"
    assert (properties["kafka_partition"], properties["kafka_offset"]) == (2, 41)
    assert properties["kafka_timestamp"] == "2026-11-30T00:53:20.123Z"
    assert properties["timestamp"] == 1_796_000_000
    assert properties["kafka_timestamp_type"] == "create"
    assert json.loads(event.headers) == {"trace": "abc"}


def test_headers_named_like_amqp_properties_give_identity_and_content_type() -> None:
    cloud = {"specversion": "1.0", "id": "ce-9", "source": "/psp", "type": "payment.succeeded",
             "data": {"payment_id": "pay_9"}}  # fmt: skip
    raw = record_raw_message(
        record(
            json.dumps(cloud).encode(),
            [("content-type", b"application/cloudevents+json"), ("message_id", b"m-77")],
        )
    )
    (event,) = decode_many(raw, WHEN)
    assert event.event_id == "m-77", "a message_id header names the event, as for AMQP"
    assert (event.format, event.payment_id) == ("cloudevents", "pay_9")


def test_cloudevents_binary_mode_with_the_kafka_bindings_ce_headers() -> None:
    headers = [("ce_specversion", b"1.0"), ("ce_id", b"42"), ("ce_source", b"/psp"),
               ("ce_type", b"payment.refunded"), ("ce_time", b"2026-12-01T08:00:00Z")]  # fmt: skip
    raw = record_raw_message(record(b'{"payment_id": "pay_5"}', headers))
    (event,) = decode_many(raw, WHEN)
    assert (event.format, event.event_id, event.status) == (
        "cloudevents",
        "/psp#42",
        Status.REFUNDED,
    )
    assert event.occurred_at == "2026-12-01T08:00:00.000Z"


def test_a_record_without_an_id_is_one_event_per_record() -> None:
    same = b"not json at all"
    first = decode_many(record_raw_message(record(same, offset=1)), WHEN)[0]
    second = decode_many(record_raw_message(record(same, offset=2)), WHEN)[0]
    assert first.event_id.startswith(HASH_PREFIX) and first.decode_error
    assert first.event_id != second.event_id, "two records, two events"


def test_card_numbers_in_body_headers_and_key_are_masked() -> None:
    pan = "4111111111111111"
    raw = record_raw_message(
        record(
            json.dumps({"payment_id": "p", "type": "payment.failed", "card": pan}).encode(),
            [("card", pan.encode())],
            key=pan.encode(),
        )
    )
    (event,) = decode_many(raw, WHEN)
    assert pan not in event.body + event.headers + event.properties
    assert json.loads(event.properties)["kafka_key"] == "411111******1111"
    assert json.loads(event.headers)["card"] == "411111******1111"


def test_undecodable_bytes_tombstones_and_repeated_headers_are_kept() -> None:
    raw = record_raw_message(
        record(
            None,
            [("h", b"\xff\xfe"), ("h", None), ("h", b"x")],
            key=None,
            timestamp=(TIMESTAMP_LOG_APPEND_TIME, 1_796_000_000_000),
        )
    )
    assert raw.body == b"" and raw.headers == {"h": ["\\xff\\xfe", None, "x"]}
    assert raw.properties["kafka_key"] is None
    assert "timestamp" not in raw.properties, "a broker's append time is no producer's time"
    (event,) = decode_many(raw, WHEN)
    assert event.decode_error == "empty body" and event.status is Status.UNKNOWN
