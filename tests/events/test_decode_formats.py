import base64
import json

import pytest

from opsdesk.events.decode import decode
from opsdesk.events.model import Status
from tests.events.builders import RECEIVED_AT, message, native_body

CE_ATTRS = {
    "specversion": "1.0",
    "id": "ce-42",
    "source": "/payments/gateway",
    "type": "com.example.payment.failed",
    "time": "2024-05-01T13:59:58+02:00",
}
PAYMENT_DATA = {
    "payment_id": "pay_9",
    "merchant_id": "acme-travel",
    "amount": 42000,
    "currency": "usd",
    "reason": "card_declined",
    "idempotency_key": "idem-9",
}


def test_native_event_decodes_every_field():
    event = decode(message(native_body(), routing_key="payment.succeeded"), RECEIVED_AT)
    assert event.format == "native"
    assert event.decode_error is None
    assert event.event_id == "evt_1"
    assert event.received_at == RECEIVED_AT
    assert event.occurred_at == "2024-05-01T11:59:58.250Z"
    assert event.exchange == "payments.events"
    assert event.routing_key == "payment.succeeded"
    assert event.type == "payment.succeeded"
    assert event.status is Status.SUCCEEDED
    assert event.payment_id == "pay_1"
    assert event.merchant == "northwind-books"
    assert event.amount_minor == 1250
    assert event.currency == "EUR"
    assert event.error_code is None
    assert event.idempotency_key == "idem-1"
    assert json.loads(event.body) == native_body()
    assert event.body_size == len(json.dumps(native_body()).encode())


def test_native_aliases_are_accepted():
    body = {
        "id": "evt_2",
        "type": "payment.failed",
        "timestamp": 1714564798,
        "payment_id": "pay_2",
        "merchant_id": "pixel-games",
        "amount": 999,
        "currency": "gbp",
        "reason": "insufficient_funds",
    }
    event = decode(message(body), RECEIVED_AT)
    assert event.format == "native"
    assert event.decode_error is None
    assert event.event_id == "evt_2"
    assert event.occurred_at == "2024-05-01T11:59:58.000Z"
    assert event.merchant == "pixel-games"
    assert event.amount_minor == 999
    assert event.currency == "GBP"
    assert event.error_code == "insufficient_funds"
    assert event.status is Status.FAILED


def test_canonical_field_wins_over_its_alias():
    body = native_body(amount_minor=100, amount=200, merchant="m-canonical", merchant_id="m-alias")
    event = decode(message(body), RECEIVED_AT)
    assert (event.amount_minor, event.merchant) == (100, "m-canonical")


def test_integer_valued_string_amount_is_accepted():
    assert decode(message(native_body(amount_minor="1250")), RECEIVED_AT).amount_minor == 1250


def test_psp_amount_object_gives_amount_and_currency():
    body = native_body(amount_minor=..., currency=..., amount={"value": 1999, "currency": "sek"})
    event = decode(message(body), RECEIVED_AT)
    assert (event.amount_minor, event.currency) == (1999, "SEK")


@pytest.mark.parametrize("currency", ["EURO", "E1", "", 978, "€€€"])
def test_invalid_currency_becomes_none(currency):
    assert decode(message(native_body(currency=currency)), RECEIVED_AT).currency is None


def test_structured_cloudevent_by_content_type():
    body = {**CE_ATTRS, "datacontenttype": "application/json", "data": PAYMENT_DATA}
    del body["specversion"]  # declared by the content type; flagged, still decoded
    props = {"content_type": "application/cloudevents+json; charset=utf-8"}
    event = decode(message(body, properties=props), RECEIVED_AT)
    assert event.format == "cloudevents"
    assert event.decode_error == "CloudEvent missing required attribute(s): specversion"
    assert event.event_id == "/payments/gateway#ce-42"
    assert event.payment_id == "pay_9"


def test_structured_cloudevent_by_attributes_reads_payment_fields_from_data():
    body = {**CE_ATTRS, "data": PAYMENT_DATA}
    event = decode(message(body, properties={"content_type": "application/json"}), RECEIVED_AT)
    assert event.format == "cloudevents"
    assert event.decode_error is None
    assert event.event_id == "/payments/gateway#ce-42"
    assert event.type == "com.example.payment.failed"
    assert event.occurred_at == "2024-05-01T11:59:58.000Z"
    assert event.status is Status.FAILED
    assert event.payment_id == "pay_9"
    assert event.merchant == "acme-travel"
    assert event.amount_minor == 42000
    assert event.currency == "USD"
    assert event.error_code == "card_declined"
    assert event.idempotency_key == "idem-9"


def test_structured_cloudevent_with_base64_data():
    encoded = base64.b64encode(json.dumps(PAYMENT_DATA).encode()).decode()
    body = {**CE_ATTRS, "data_base64": encoded}
    event = decode(message(body), RECEIVED_AT)
    assert (event.format, event.payment_id, event.amount_minor) == ("cloudevents", "pay_9", 42000)


@pytest.mark.parametrize("separator", [":", "_"])
def test_binary_cloudevent_with_either_header_prefix(separator):
    headers = {f"cloudEvents{separator}{name}": value for name, value in CE_ATTRS.items()}
    headers["x-other"] = "kept"
    props = {"content_type": "application/json"}
    event = decode(message(PAYMENT_DATA, headers=headers, properties=props), RECEIVED_AT)
    assert event.format == "cloudevents"
    assert event.decode_error is None
    assert event.event_id == "/payments/gateway#ce-42"
    assert event.type == "com.example.payment.failed"
    assert event.occurred_at == "2024-05-01T11:59:58.000Z"
    assert event.status is Status.FAILED
    assert (event.payment_id, event.amount_minor, event.currency) == ("pay_9", 42000, "USD")
    assert json.loads(event.headers)["x-other"] == "kept"


def test_binary_cloudevent_without_data_is_not_an_error():
    headers = {f"cloudEvents:{name}": value for name, value in CE_ATTRS.items()}
    event = decode(message(b"", headers=headers), RECEIVED_AT)
    assert event.format == "cloudevents"
    assert event.decode_error is None
    assert event.status is Status.FAILED
    assert event.payment_id is None


def test_binary_cloudevent_with_bytes_header_values():
    headers = {f"cloudEvents:{name}": value.encode() for name, value in CE_ATTRS.items()}
    event = decode(message(PAYMENT_DATA, headers=headers), RECEIVED_AT)
    assert event.event_id == "/payments/gateway#ce-42"
    assert json.loads(event.headers)["cloudEvents:id"] == "ce-42"


def test_other_json_keeps_recognisable_fields():
    body = {"order": {"id": 7}, "amount": 500, "currency": "eur", "status": "paid"}
    event = decode(message(body, routing_key="orders.updated"), RECEIVED_AT)
    assert event.format == "json"
    assert event.decode_error is None
    assert (event.amount_minor, event.currency, event.status) == (500, "EUR", Status.SUCCEEDED)
    assert event.payment_id is None


def test_properties_and_headers_are_sorted_json_without_headers_in_properties():
    props = {"message_id": "m-1", "timestamp": 1714564798, "content_type": "application/json"}
    headers = {"z": 1, "a": b"\xffraw", "nested": {"when": "x", "list": [1, "two"]}}
    event = decode(message(native_body(), properties=props, headers=headers), RECEIVED_AT)
    assert event.properties == json.dumps(props, sort_keys=True)
    assert "headers" not in json.loads(event.properties)
    assert list(json.loads(event.headers)) == ["a", "nested", "z"]
    assert json.loads(event.headers)["a"] == "\\xffraw"


def test_amqp_timestamp_property_is_the_fallback_occurred_at():
    body = native_body(occurred_at=...)
    event = decode(message(body, properties={"timestamp": 1714564798}), RECEIVED_AT)
    assert event.occurred_at == "2024-05-01T11:59:58.000Z"


def test_pan_is_masked_in_body_fields_headers_and_properties():
    body = native_body(payment_id="4111111111111111", note="card 4111 1111 1111 1111 used")
    headers = {"x-card": "5555-5555-5555-4444", "x-card-number": 4111111111111111}
    props = {"correlation_id": "378282246310005"}
    event = decode(message(body, headers=headers, properties=props), RECEIVED_AT)
    stored = event.body + event.headers + event.properties + str(event.payment_id)
    for pan in (
        "4111111111111111",
        "4111 1111 1111 1111",
        "5555-5555-5555-4444",
        "378282246310005",
    ):
        assert pan not in stored
    assert event.payment_id == "411111******1111"
    assert json.loads(event.body)["note"] == "card 4111 11** **** 1111 used"
    assert json.loads(event.headers) == {
        "x-card": "5555-55**-****-4444",
        "x-card-number": "411111******1111",
    }
    assert json.loads(event.properties) == {"correlation_id": "378282*****0005"}


def test_pan_hidden_behind_json_unicode_escapes_is_masked_in_fields():
    # The escaped spaces hide the PAN from a scan of the body text, not from the parsed string.
    raw = b'{"type": "payment.failed", "payment_id": "4111\\u00201111\\u00201111\\u00201111"}'
    event = decode(message(raw), RECEIVED_AT)
    assert event.payment_id == "4111 11** **** 1111"


def test_cloudevent_type_alone_gives_no_decode_error_and_status_from_type():
    body = {**CE_ATTRS, "type": "com.example.payment.refunded"}
    event = decode(message(body), RECEIVED_AT)
    assert (event.status, event.decode_error) == (Status.REFUNDED, None)
