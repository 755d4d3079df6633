"""Stripe events relayed from webhooks onto the bus."""

import json

import pytest

from opsdesk.events.decode import decode, decode_many
from opsdesk.events.model import Status
from tests.events.builders import RECEIVED_AT, message, payload, payload_bytes


def stripe_message(name, **kwargs):
    return message(payload_bytes(name), routing_key="stripe.webhook", **kwargs)


def test_payment_intent_succeeded():
    event = decode(stripe_message("stripe_payment_intent_succeeded"), RECEIVED_AT)
    assert event.format == "stripe"
    assert event.decode_error is None
    assert event.event_id == "evt_3PBmVxLkdIwHu7ix1Qd0aXzP"
    assert event.type == "payment_intent.succeeded"
    assert event.status is Status.SUCCEEDED
    assert event.occurred_at == "2024-05-01T11:59:58.000Z"
    assert event.payment_id == "pi_3PBmVxLkdIwHu7ix0vTqP4Hs"
    assert event.merchant == "northwind-books"  # metadata.merchant: not a Connect event
    assert (event.amount_minor, event.currency) == (4250, "EUR")
    assert event.error_code is None
    assert event.idempotency_key == "3f1c2a4e-8b6d-4f0e-9a57-2d1e6c9b7a10"
    assert json.loads(event.body) == payload("stripe_payment_intent_succeeded")


def test_payment_failed_gives_the_specific_decline_code():
    event = decode(stripe_message("stripe_payment_intent_payment_failed"), RECEIVED_AT)
    assert event.format == "stripe"
    assert event.status is Status.FAILED
    # decline_code, not the umbrella "card_declined" every issuer decline shares.
    assert event.error_code == "insufficient_funds"
    assert event.payment_id == "pi_3PBnA2Q9RKHgCVdK1Jd7Lw0e"
    assert event.merchant == "acct_1Nv0FGQ9RKHgCVdK"  # the connected account wins
    assert (event.amount_minor, event.currency) == (42000, "USD")
    assert event.idempotency_key == "booking-K7Q2ZP-attempt-1"


def test_charge_refunded_points_at_its_payment_intent_with_the_refunded_amount():
    event = decode(stripe_message("stripe_charge_refunded"), RECEIVED_AT)
    assert event.status is Status.REFUNDED
    assert event.type == "charge.refunded"
    assert event.payment_id == "pi_3PBmVxLkdIwHu7ix0vTqP4Hs"  # the same payment as it succeeded
    assert (event.amount_minor, event.currency) == (1500, "EUR")  # partial: 1500 of 4250
    assert event.occurred_at == "2024-05-02T12:00:00.000Z"


def test_card_numbers_in_a_stripe_payload_are_masked():
    event = decode(stripe_message("stripe_payment_intent_payment_failed"), RECEIVED_AT)
    assert "4000 0000 0000 9995" not in event.body
    note = json.loads(event.body)["data"]["object"]["metadata"]["agent_note"]
    assert note == "phone booking, card read out as 4000 00** **** 9995"


def test_message_id_still_comes_before_the_stripe_event_id():
    raw = stripe_message("stripe_charge_refunded", properties={"message_id": "relay-1"})
    assert decode(raw, RECEIVED_AT).event_id == "relay-1"


def intent_event(event_type, **intent):
    return {
        "id": "evt_1",
        "object": "event",
        "created": 1714564798,
        "type": event_type,
        "data": {"object": {"id": "pi_1", "object": "payment_intent", **intent}},
    }


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("payment_intent.created", Status.PENDING),
        ("payment_intent.processing", Status.PENDING),
        ("payment_intent.requires_action", Status.PENDING),
        ("payment_intent.amount_capturable_updated", Status.PENDING),
        ("payment_intent.canceled", Status.FAILED),
        ("charge.succeeded", Status.SUCCEEDED),
        ("charge.captured", Status.SUCCEEDED),
        ("charge.failed", Status.FAILED),
        ("charge.expired", Status.FAILED),
        ("charge.pending", Status.PENDING),
    ],
)
def test_status_comes_from_the_event_type(event_type, status):
    # The object's own status says otherwise on purpose: the event type decides.
    body = intent_event(event_type, status="requires_confirmation")
    assert decode(message(body), RECEIVED_AT).status is status


def test_an_unlisted_type_falls_back_to_the_objects_status():
    body = intent_event("payment_intent.updated_by_relay", status="succeeded")
    assert decode(message(body, routing_key="stripe"), RECEIVED_AT).status is Status.SUCCEEDED


def test_cancelled_intent_reports_the_cancellation_reason():
    body = intent_event("payment_intent.canceled", cancellation_reason="abandoned")
    event = decode(message(body), RECEIVED_AT)
    assert (event.status, event.error_code) == (Status.FAILED, "abandoned")


def test_failed_charge_prefers_the_outcome_reason_over_the_failure_code():
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 999,
        "currency": "gbp",
        "status": "failed",
        "failure_code": "card_declined",
        "outcome": {"type": "issuer_declined", "reason": "expired_card"},
        "payment_intent": {"id": "pi_expanded", "object": "payment_intent"},
    }
    body = {**intent_event("charge.failed"), "data": {"object": charge}}
    event = decode(message(body), RECEIVED_AT)
    assert (event.status, event.error_code, event.payment_id) == (
        Status.FAILED,
        "expired_card",
        "pi_expanded",
    )
    del charge["outcome"]
    assert decode(message(body), RECEIVED_AT).error_code == "card_declined"


def test_legacy_charge_without_payment_intent_is_its_own_payment():
    charge = {"id": "ch_legacy", "object": "charge", "amount": 500, "currency": "usd"}
    body = {**intent_event("charge.succeeded"), "data": {"object": charge}}
    assert decode(message(body), RECEIVED_AT).payment_id == "ch_legacy"


@pytest.mark.parametrize(
    "body",
    [
        {"object": "event", "data": {"object": None}},
        {"object": "event", "data": {"object": "pi_1"}, "request": "req_old_style"},
        {"object": "event", "type": 7, "data": {"object": {"amount": 12.5, "metadata": []}}},
    ],
)
def test_odd_stripe_shapes_still_decode_as_stripe(body):
    events = decode_many(message(body), RECEIVED_AT)
    assert [event.format for event in events] == ["stripe"]
    assert events[0].event_id.startswith("sha256:")  # no evt_ id: the content hash


def test_object_event_without_data_object_is_not_stripe():
    body = {"object": "event", "payment_id": "pay_1", "type": "payment.succeeded"}
    assert decode(message(body), RECEIVED_AT).format == "native"
