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


# UUIDs the old masker took for card numbers (a Luhn-valid 13+ digit stretch across dashes).
MANGLED_BEFORE = (
    "313874cd-dfbc-423d-b246-548991270564",
    "b18c8632-2266-4668-8665-0967dbc38a39",
    "9a613169-3054-4859-ba10-3e1fd980d5fe",
    "97f143df-3fbe-4790-9433-769826047db1",
    "bd997946-d537-4391-8784-045381fccc36",
)


@pytest.mark.parametrize("uuid_text", MANGLED_BEFORE)
def test_uuid_ids_are_kept_as_sent(uuid_text):
    # Issue 9, finding 2: these were stored under a content hash instead of their id.
    assert identity(native_body(), message_id=uuid_text) == uuid_text
    assert identity(native_body(event_id=uuid_text)) == uuid_text
    ce = {**CE, "id": uuid_text, "data": native_body()}
    assert identity(ce) == f"/psp#{uuid_text}"


@pytest.mark.parametrize("uuid_text", MANGLED_BEFORE)
def test_uuid_ids_stay_unmasked_in_the_stored_event(uuid_text):
    body = native_body(event_id=uuid_text, payment_id=uuid_text, idempotency_key=uuid_text)
    raw = message(body, properties={"message_id": uuid_text}, headers={"x-ref": uuid_text})
    event = decode(raw, RECEIVED_AT)
    assert (event.event_id, event.payment_id, event.idempotency_key) == (uuid_text,) * 3
    assert event.body.count(uuid_text) == 3
    assert uuid_text in event.headers and uuid_text in event.properties


def test_id_holding_a_card_number_is_stored_as_a_hash_of_the_id():
    # Masking would make two different card numbers share an id, and the store drop one.
    first = identity(native_body(), message_id="4111111111111111")
    second = identity(native_body(), message_id="4012888888881881")
    expected = "id-sha256:" + hashlib.sha256(b"4111111111111111").hexdigest()
    assert first == expected and second != first and second.startswith("id-sha256:")
    assert identity(native_body(event_id="pan-5555555555554444")).startswith("id-sha256:")


def test_id_hash_holds_across_redeliveries_whatever_the_body():
    # A hash of the id, not of the content: the same id dedupes even if a relay re-encoded
    # the body, and the id's digits appear nowhere in the stored event.
    pan_id = "card-4111 1111 1111 1111"
    raw = message(native_body(event_id=...), properties={"message_id": pan_id})
    again = message(native_body(event_id=..., note="re-sent"), properties={"message_id": pan_id})
    events = [decode(raw, RECEIVED_AT), decode(replace(again, redelivered=True), RECEIVED_AT)]
    assert events[0].event_id == events[1].event_id
    for event in events:
        assert "1111 1111 1111" not in event.event_id + event.properties + event.body


def test_overlong_id_is_stored_as_a_hash_of_the_id():
    long_id = "x" * 600
    assert identity(b"a", message_id=long_id) == identity(b"b", message_id=long_id)
    assert identity(b"a", message_id=long_id).startswith("id-sha256:")


def test_id_glued_to_letters_is_not_a_card_number():
    assert identity(native_body(), message_id="ord4111111111111111") == "ord4111111111111111"


def test_blank_message_id_is_ignored():
    assert identity(native_body(), message_id="  ") == "evt_1"
