import hashlib
from dataclasses import replace

import pytest

from opsdesk.events.decode import decode
from opsdesk.events.model import RawMessage
from tests.events.builders import RECEIVED_AT, message, native_body

CE = {"specversion": "1.0", "id": "ce-1", "source": "/psp", "type": "payment.succeeded"}


def identity(body, *, message_id=None, headers=None, exchange="payments.events", rk="rk"):
    props = {} if message_id is None else {"message_id": message_id}
    raw = message(body, properties=props, headers=headers, exchange=exchange, routing_key=rk)
    return decode(raw, RECEIVED_AT).event_id


def test_amqp_message_id_comes_first():
    assert identity({**CE, "data": native_body()}, message_id="amqp-1") == "amqp-1"


def test_structured_cloudevent_source_and_id_come_next():
    assert identity({**CE, "data": native_body(event_id="native-1")}) == "/psp#ce-1"


def test_binary_cloudevent_source_and_id_from_headers():
    headers = {f"cloudEvents_{k}": v for k, v in CE.items()}
    assert identity(native_body(event_id="native-1"), headers=headers) == "/psp#ce-1"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (native_body(event_id="native-1", id="alias-1"), "native-1"),
        (native_body(event_id=..., id="alias-1"), "alias-1"),
        (native_body(event_id=..., id=12345), "12345"),
    ],
)
def test_native_event_id_then_its_alias(body, expected):
    assert identity(body) == expected


def test_content_hash_when_nothing_identifies_the_message():
    raw = RawMessage(body=b"not json", exchange="ex", routing_key="rk")
    expected = "sha256:" + hashlib.sha256(b"ex\0rk\0not json").hexdigest()
    assert decode(raw, RECEIVED_AT).event_id == expected


def test_content_hash_depends_on_exchange_routing_key_and_body():
    base = identity(b"same", exchange="a", rk="b")
    assert base.startswith("sha256:")
    assert identity(b"same", exchange="a", rk="b") == base
    assert identity(b"same", exchange="ab", rk="") != base
    assert identity(b"same", exchange="a", rk="c") != base
    assert identity(b"other", exchange="a", rk="b") != base


@pytest.mark.parametrize(
    "kwargs",
    [
        {"body": native_body(), "message_id": "m-1"},
        {"body": {**CE, "data": native_body()}},
        {"body": native_body()},
        {"body": b"\xff\xfe raw"},
        {"body": b""},
    ],
)
def test_identity_is_stable_across_redeliveries(kwargs):
    props = {"message_id": kwargs["message_id"]} if "message_id" in kwargs else {}
    raw = message(kwargs["body"], properties=props, routing_key="rk")
    first = decode(raw, RECEIVED_AT).event_id
    again = replace(raw, redelivered=True)
    assert decode(again, "2030-01-01T00:00:00.000Z").event_id == first
    assert all(decode(raw, RECEIVED_AT).event_id == first for _ in range(3))


def test_id_carrying_a_card_number_is_replaced_by_the_content_hash():
    # Masking would make two different card numbers share an id, and the store drop one.
    first = identity(native_body(), message_id="4111111111111111")
    second = identity(native_body(), message_id="4012888888881881")
    assert first.startswith("sha256:") and second.startswith("sha256:")
    assert identity(native_body(event_id="pan-5555555555554444")).startswith("sha256:")


def test_blank_message_id_is_ignored():
    assert identity(native_body(), message_id="  ") == "evt_1"
