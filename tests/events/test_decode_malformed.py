import json
import random

import pytest

from opsdesk.events.decode import MAX_BODY_CHARS, decode
from opsdesk.events.model import RawMessage, Status
from tests.events.builders import RECEIVED_AT, assert_kept, message, native_body


@pytest.mark.parametrize(
    ("body", "error", "fmt"),
    [
        (b"", "empty body", "raw"),
        (b"  \n\t ", "empty body", "raw"),
        (b"\xff\xfe\x00p\x00a\x00y", "not UTF-8: invalid byte 0xff at offset 0", "raw"),
        (b"amount=1250&currency=EUR", "not JSON: Expecting value at line 1 column 1", "raw"),
        (b'{"event_id": "e1", "type": "payment.requ', "not JSON: Unterminated string", "raw"),
        (b"[1, 2, 3]", "not a JSON object: array", "json"),
        (b'"just a string"', "not a JSON object: string", "json"),
        (b"42", "not a JSON object: number", "json"),
        (b"null", "not a JSON object: null", "json"),
        (b'{"hello": "world"}', "no known payment fields", "json"),
        (b"[" * 100_000 + b"]" * 100_000, "body too large", "raw"),
        (b"[" * 50_000 + b"]" * 10, "not JSON", "raw"),
    ],
)
def test_malformed_body_is_kept_and_flagged(body, error, fmt):
    raw = message(body, routing_key="payment.requested")
    event = decode(raw, RECEIVED_AT)
    assert event.decode_error is not None
    assert event.decode_error.startswith(error)
    assert event.format == fmt
    # Issue 9: an undecodable message is no pending payment, whatever its routing key says.
    assert event.status is Status.UNKNOWN
    assert event.amount_minor is None
    assert_kept(event, raw)


def test_not_utf8_body_is_shown_escaped():
    raw = message(b'{"a": "caf\xe9"}')
    event = decode(raw, RECEIVED_AT)
    assert event.body == '{"a": "caf\\xe9"}'
    assert event.decode_error == "not UTF-8: invalid byte 0xe9 at offset 10"


def test_not_json_body_is_stored_verbatim():
    raw = message(b"<payment><amount>12,50</amount></payment>")
    assert decode(raw, RECEIVED_AT).body == "<payment><amount>12,50</amount></payment>"


def test_huge_body_is_capped_and_not_parsed():
    body = json.dumps(native_body(padding="x" * (MAX_BODY_CHARS * 2))).encode()
    event = decode(message(body), RECEIVED_AT)
    assert event.decode_error == f"body too large: {len(body)} bytes (kept first {MAX_BODY_CHARS})"
    assert event.format == "raw"
    assert event.body == body[:MAX_BODY_CHARS].decode()
    assert event.body_size == len(body)
    assert event.payment_id is None


def test_pan_cut_by_the_cap_is_still_masked():
    padding = "x" * (MAX_BODY_CHARS - 9) + " "
    body = f"{padding}4111111111111111 and more".encode()
    event = decode(message(body), RECEIVED_AT)
    assert event.body.endswith(" 411111**")  # without the margin it would end " 41111111"
    assert len(event.body) == MAX_BODY_CHARS


@pytest.mark.parametrize("amount", [12.5, 1250.0, "12.50", "12,50", True, [1250], 2**70])
def test_non_integer_amount_is_not_converted_and_is_noted(amount):
    event = decode(message(native_body(amount_minor=amount)), RECEIVED_AT)
    assert event.amount_minor is None
    assert event.decode_error is not None
    assert event.decode_error.startswith("amount")
    assert event.payment_id == "pay_1"  # the rest still decodes


def test_utf8_byte_order_mark_is_tolerated():
    raw = message(b"\xef\xbb\xbf" + json.dumps(native_body()).encode())
    event = decode(raw, RECEIVED_AT)
    assert (event.decode_error, event.payment_id) == (None, "pay_1")


def test_lone_surrogate_in_json_string_is_made_storable():
    raw = message(b'{"type": "payment.failed", "payment_id": "pay_\\ud800x"}')
    event = decode(raw, RECEIVED_AT)
    assert event.payment_id == "pay_\\ud800x"
    event.payment_id.encode("utf-8")


def test_overlong_id_fields_are_capped():
    event = decode(message(native_body(payment_id="p" * 10_000)), RECEIVED_AT)
    assert event.payment_id == "p" * 256


@pytest.mark.parametrize(
    "headers",
    [
        {1: "int key", "a": "str key"},  # keys that do not sort together
        {"when": __import__("datetime").datetime(2024, 5, 1, 12, 0)},
        {"bytes": b"\x00\xff", "set": {3, 1}},
    ],
)
def test_odd_header_values_become_json(headers):
    raw = message(native_body(), headers=headers)
    event = decode(raw, RECEIVED_AT)
    assert event.decode_error is None
    assert_kept(event, raw)


def test_random_bytes_never_raise():
    rng = random.Random(20240501)
    for _ in range(300):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
        raw = message(body)
        event = decode(raw, RECEIVED_AT)
        assert event.decode_error is not None
        assert_kept(event, raw)


def test_random_json_shapes_never_raise():
    rng = random.Random(7)
    values = [None, True, 1.5, -3, "x", "", [], {}, {"a": 1}, "4111111111111111", 2**80, "1e999"]
    keys = ["event_id", "id", "type", "timestamp", "occurred_at", "amount", "amount_minor"]
    keys += ["currency", "status", "payment_id", "merchant", "data", "specversion", "source"]
    for _ in range(500):
        body = {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(0, 6))}
        props = {"timestamp": rng.choice(values), "message_id": rng.choice(values)}
        raw = message(body, properties=props, headers={"cloudEvents:id": rng.choice(values)})
        assert_kept(decode(raw, RECEIVED_AT), raw)


def test_decoder_bug_is_contained():
    raw = RawMessage(body="not bytes", exchange="ex", routing_key="rk")
    event = decode(raw, RECEIVED_AT)
    assert event.decode_error is not None
    assert event.decode_error.startswith("decoder error")
    assert event.event_id.startswith("sha256:")
    assert event.event_id == decode(raw, RECEIVED_AT).event_id


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_bodies_are_shown_as_text_with_card_numbers_masked(encoding):
    # Read as UTF-8, a NUL stood between every two digits: the card number escaped the mask.
    body = json.dumps({"note": "card 4111 1111 1111 1111", "amount": 5}).encode(encoding)
    event = decode(message(body), RECEIVED_AT)
    assert event.body == '{"note": "card 4111 11** **** 1111", "amount": 5}'
    assert event.decode_error is not None
    assert event.decode_error.endswith(f"shown as {encoding.upper()} text")
    assert event.body_size == len(body)


def test_binary_body_with_nuls_stays_escaped():
    body = bytes(range(256)) * 2
    event = decode(message(body), RECEIVED_AT)
    assert event.decode_error is not None and "shown as" not in event.decode_error
    assert event.body.startswith("\x00\x01\x02")
