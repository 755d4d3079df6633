"""Simulated payment traffic without a broker: determinism, lifecycles, poison, card numbers."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime

from opsdesk.simulator.processor import is_payment
from opsdesk.simulator.traffic import PaymentTraffic, poison_message

FIXED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def traffic(seed: int, **options: float) -> PaymentTraffic:
    return PaymentTraffic(random.Random(seed), clock=lambda: FIXED, **options)  # type: ignore[arg-type]


def test_same_seed_gives_the_same_events():
    a, b = traffic(5), traffic(5)
    assert [a.next_event().body for _ in range(200)] == [b.next_event().body for _ in range(200)]
    assert traffic(5).next_event().body != traffic(6).next_event().body


def test_events_are_native_json_with_integer_money_and_utc_times():
    source = traffic(1)
    for _ in range(500):
        message = source.next_event()
        body = json.loads(message.body)
        assert body["event_id"] == message.message_id
        assert body["type"] == message.routing_key == message.event_type
        assert body["status"] == message.status
        assert type(body["amount_minor"]) is int and body["amount_minor"] > 0
        assert body["occurred_at"] == "2024-05-01T12:00:00.000Z"
        assert len(body["currency"]) == 3
        assert sum(i["unit_amount_minor"] for i in body["order"]["items"]) == body["amount_minor"]
        assert 500 <= len(message.body) <= 1300
        assert is_payment(message.body)


def test_failure_rate_and_refunds_shape_the_mix():
    source = traffic(2, failure_rate=0.5, refund_rate=0.5)
    types = Counter(source.next_event().event_type for _ in range(4000))
    finished = types["payment.failed"] + types["payment.succeeded"]
    assert 0.4 < types["payment.failed"] / finished < 0.6
    assert 0.3 < types["payment.refunded"] / types["payment.succeeded"] < 0.6
    none_failed = Counter(traffic(2, failure_rate=0.0).next_event().event_type for _ in range(500))
    assert none_failed["payment.failed"] == 0


def test_card_numbers_leak_into_bodies_only_when_asked():
    leaky = [traffic(3, pan_leak_rate=1.0).next_event().body for _ in range(50)]
    pans = ("4111 1111 1111 1111", "4111111111111111", "5555-5555-5555-4444", "378282246310005")
    assert all(any(pan.encode() in body for pan in pans) for body in leaky)
    clean = traffic(3, pan_leak_rate=0.0)
    assert not any(b"4111" in clean.next_event().body for _ in range(300))


def test_poison_is_not_a_payment():
    rng = random.Random(4)
    poisons = [poison_message(rng) for _ in range(40)]
    assert {p.routing_key for p in poisons} == {"payment.requested"}
    assert all(p.event_type is None and not is_payment(p.body) for p in poisons)
    assert len({p.body[:5] for p in poisons}) > 2
    assert not is_payment(b'["payment_id"]')
