import random

import pytest

from opsdesk.events.decode import decode
from opsdesk.events.model import Status
from opsdesk.events.status import derive_status
from opsdesk.simulator.traffic import poison_message
from tests.events.builders import RECEIVED_AT, message

S, F, P, R, U = Status.SUCCEEDED, Status.FAILED, Status.PENDING, Status.REFUNDED, Status.UNKNOWN


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("succeeded", S),
        ("success", S),
        ("captured", S),
        ("completed", S),
        ("paid", S),
        ("SUCCEEDED", S),
        (" Paid ", S),
        ("failed", F),
        ("failure", F),
        ("declined", F),
        ("rejected", F),
        ("error", F),
        ("pending", P),
        ("requested", P),
        ("created", P),
        ("authorized", P),
        ("processing", P),
        ("refunded", R),
    ],
)
def test_explicit_status_synonyms(word, expected):
    assert derive_status(word, None) is expected


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("payment.succeeded", S),
        ("payment.captured", S),
        ("payment.completed", S),
        ("payment.failed", F),
        ("payment.declined", F),
        ("payment.rejected", F),
        ("payment.requested", P),
        ("payment.created", P),
        ("payment.authorized", P),
        ("payment.refunded", R),
        ("payment_intent.payment_failed", F),
        ("PAYMENT_SUCCEEDED", S),
        ("com.example.payment.refunded", R),
        ("payment.updated", U),
        ("succeeded", S),
        ("", U),
    ],
)
def test_status_from_event_type_last_word(event_type, expected):
    assert derive_status(None, event_type) is expected


def test_explicit_status_wins_over_type():
    assert derive_status("failed", "payment.succeeded") is F


def test_unknown_status_word_falls_back_to_type():
    assert derive_status("weird", "payment.refunded") is R


def test_routing_key_is_the_last_resort():
    assert derive_status(None, None, "payments.eu.failed") is F
    assert derive_status(None, "payment.updated", "payment.captured") is S
    assert derive_status(None, None, "payments.audit") is U


def test_decode_uses_status_then_type():
    body = {"payment_id": "p", "type": "payment.succeeded", "status": "declined"}
    assert decode(message(body, routing_key="x"), RECEIVED_AT).status is F
    body = {"payment_id": "p", "type": "payment.authorized"}
    assert decode(message(body, routing_key="x"), RECEIVED_AT).status is P
    body = {"payment_id": "p"}
    assert decode(message(body, routing_key="x"), RECEIVED_AT).status is U


def test_simulator_poison_counts_as_unknown_not_pending():
    # Issue 9: the simulator's unreadable messages go out as "payment.requested"; they are not
    # payments the desk could read, so they must not swell the pending count.
    rng = random.Random(3)
    for _ in range(20):
        poison = poison_message(rng)
        raw = message(poison.body, routing_key=poison.routing_key)
        event = decode(raw, RECEIVED_AT)
        assert event.decode_error is not None
        assert event.status is U


def test_routing_key_still_speaks_for_a_body_with_payment_fields():
    body = {"payment_id": "p-1", "amount_minor": 100, "currency": "EUR"}
    assert decode(message(body, routing_key="payment.failed"), RECEIVED_AT).status is F
