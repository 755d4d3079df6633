"""A user-defined mapping decoding an in-house shape, and the preview the settings dialog shows."""

import copy
import json

from opsdesk.events.decode import decode, decode_many, preview
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import Status
from tests.events.builders import RECEIVED_AT, message, native_body, payload

LEDGER = {
    "name": "ledger-v2",
    "match": {
        "routing_key": "ledger.*.payment.#",
        "field": "/schema",
        "equals": "ledger.payment.v2",
    },
    "fields": {
        "event_id": "/meta/id",
        "type": "meta.kind",
        "occurred_at": "$.meta.at",
        "payment_id": "payment.ref",
        "merchant": "/payment/shop/code",
        "amount_minor": "payment.money.minor",
        "currency": "payment.money.ccy",
        "error_code": "payment.attempts[0].code",
        "idempotency_key": "meta.idem",
    },
    "status": {
        "field": "payment.state",
        "succeeded": ["SETTLED", "ok"],
        "failed": ["DECLINED"],
        "pending": ["NEW"],
        "refunded": ["REVERSED"],
    },
}
ROUTING_KEY = "ledger.eu.payment.settled"


def ledger(**payment):
    body = payload("inhouse_ledger")
    body["payment"].update(payment)
    return body


def mapping(**changes):
    table = copy.deepcopy(LEDGER)
    for key, value in changes.items():
        table[key] = value
    return FieldMapping.from_dict(table)


def test_mapping_reads_nested_fields_of_an_in_house_shape():
    event = decode(message(ledger(), routing_key=ROUTING_KEY), RECEIVED_AT, [mapping()])
    assert event.format == "mapping:ledger-v2"
    assert event.decode_error is None
    assert event.event_id == "led-7f3a9c21"
    assert event.type == "ledger.settlement"
    assert event.occurred_at == "2024-05-01T11:59:58.250Z"
    assert event.status is Status.SUCCEEDED
    assert event.payment_id == "PAY-2024-000777"
    assert event.merchant == "fjord-outdoor"
    assert (event.amount_minor, event.currency) == (89900, "SEK")
    assert event.error_code == "do_not_honor"  # the array index in the dotted path
    assert event.idempotency_key == "idem-ledger-777"


def test_status_rules_are_case_insensitive_and_fall_back_to_the_vocabulary():
    rules = [mapping()]

    def status(state):
        raw = message(ledger(state=state), routing_key=ROUTING_KEY)
        return decode(raw, RECEIVED_AT, rules).status

    assert status("declined") is Status.FAILED
    assert status(" Reversed ") is Status.REFUNDED
    assert status("NEW") is Status.PENDING
    assert status("OK") is Status.SUCCEEDED
    assert status("paid") is Status.SUCCEEDED  # not listed: opsdesk's own words still count
    assert status("ON_HOLD") is Status.UNKNOWN  # neither, and "settled" is no status word
    assert status(None) is Status.UNKNOWN


def test_numeric_status_codes_can_be_listed():
    table = copy.deepcopy(LEDGER)
    table["status"] = {"field": "payment.code", "succeeded": [0], "failed": [51, "05"]}
    rules = [FieldMapping.from_dict(table)]
    for code, expected in ((0, Status.SUCCEEDED), (51, Status.FAILED), ("05", Status.FAILED)):
        raw = message(ledger(code=code), routing_key=ROUTING_KEY)
        assert decode(raw, RECEIVED_AT, rules).status is expected


def test_routing_key_pattern_decides_whether_the_mapping_applies():
    rules = [mapping()]
    for key in ("ledger.eu.payment", "ledger.us.payment.refund.partial"):
        assert decode(message(ledger(), routing_key=key), RECEIVED_AT, rules).format.startswith(
            "mapping:"
        )
    for key in ("ledger.payment.settled", "ledger.eu.refund.settled", "audit.ledger.eu.payment"):
        assert decode(message(ledger(), routing_key=key), RECEIVED_AT, rules).format == "json"


def test_match_field_and_value_decide_too():
    rules = [mapping()]
    other_schema = {**ledger(), "schema": "ledger.payment.v1"}
    no_schema = {k: v for k, v in ledger().items() if k != "schema"}
    for body in (other_schema, no_schema):
        assert decode(message(body, routing_key=ROUTING_KEY), RECEIVED_AT, rules).format == "json"


def test_a_matching_mapping_wins_over_built_in_shapes_and_the_first_match_wins():
    loose = FieldMapping(name="loose", payment_id="/payment_id", match_routing_key="payment.#")
    other = FieldMapping(name="other", payment_id="/merchant", match_routing_key="payment.#")
    raw = message(native_body(), routing_key="payment.succeeded")
    event = decode(raw, RECEIVED_AT, [loose, other])
    assert event.format == "mapping:loose"
    assert event.payment_id == "pay_1"
    assert event.status is Status.SUCCEEDED  # no status path: the routing key's last word
    assert decode(raw, RECEIVED_AT).format == "native"  # without mappings, as before


def test_card_numbers_reached_through_a_mapping_are_masked():
    rules = [FieldMapping(name="debug", payment_id="card.debug", error_code="card.masked")]
    event = decode(message(ledger(), routing_key=ROUTING_KEY), RECEIVED_AT, rules)
    assert event.payment_id == "legacy adapter echoed 411111******1111"
    assert "4111111111111111" not in event.body
    assert json.loads(event.body)["card"]["masked"] == "411111******1111"


def test_mapping_that_finds_nothing_is_flagged():
    rules = [FieldMapping(name="wrong", payment_id="/nowhere", amount_minor="/nor/here")]
    event = decode(message({"a": 1}, routing_key="x"), RECEIVED_AT, rules)
    assert event.format == "mapping:wrong"
    assert event.decode_error == "mapping 'wrong' found none of its fields"


def test_amount_problems_are_noted_as_for_native_events():
    event = decode(
        message(ledger(money={"minor": 12.5}), routing_key=ROUTING_KEY), RECEIVED_AT, [mapping()]
    )
    assert event.amount_minor is None
    assert event.decode_error is not None
    assert event.decode_error.startswith("amount is not an integer")


def test_mappings_never_apply_to_bodies_that_are_not_json():
    rules = [FieldMapping(name="any", payment_id="/x")]
    events = decode_many(message(b"not json", routing_key="x"), RECEIVED_AT, rules)
    assert [e.format for e in events] == ["raw"]


def test_mapping_can_index_a_top_level_array():
    rules = [FieldMapping(name="arr", payment_id="/0/id", status="[0].state")]
    event = decode(message([{"id": "p-1", "state": "failed"}], routing_key="x"), RECEIVED_AT, rules)
    assert (event.payment_id, event.status, event.decode_error) == ("p-1", Status.FAILED, None)


def test_preview_shows_the_decoded_sample_and_why_the_mapping_would_not_apply():
    raw = message(ledger(), routing_key="ledger.payment.settled")
    event = preview(mapping(), raw, RECEIVED_AT)
    assert event.format == "mapping:ledger-v2"
    assert event.payment_id == "PAY-2024-000777"
    assert event.decode_error == (
        "mapping would not apply: routing key 'ledger.payment.settled' does not match "
        "'ledger.*.payment.#'"
    )


def test_preview_lists_the_fields_the_sample_lacks():
    sample = ledger()
    del sample["meta"]["idem"]
    del sample["payment"]["attempts"]
    event = preview(mapping(), message(sample, routing_key=ROUTING_KEY), RECEIVED_AT)
    assert event.decode_error == "not found: error_code, idempotency_key"
    assert event.received_at == RECEIVED_AT


def test_preview_explains_a_wrong_match_value_and_a_body_that_is_not_json():
    sample = {**ledger(), "schema": 2}
    event = preview(mapping(), message(sample, routing_key=ROUTING_KEY))
    why = "mapping would not apply: '/schema' is '2', not 'ledger.payment.v2'"
    assert event.decode_error == why
    assert event.received_at.endswith("Z")
    raw_event = preview(mapping(), message(b"<xml/>", routing_key=ROUTING_KEY))
    assert raw_event.format == "raw"
    assert raw_event.decode_error is not None
    assert raw_event.decode_error.endswith("mapping not applied: the body is not JSON")
