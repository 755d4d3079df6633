"""A small history with known answers at NOW, written with EventStore and QueueSampleStore."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.events.model import PaymentEvent, Status
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.event_store import EventStore
from opsdesk.store.queue_sample_store import QueueSampleStore
from tests.ui.sample_events import payment_event

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
REQUESTS = "payments.requests"
DLQ = "payments.requests.dlq"
# In the last 15 minutes: 90 succeeded, 10 failed (4 of them in the last 5 minutes).
SUCCEEDED_15M = 90
FAILED_15M = 10
FAILED_5M = 4
OLDEST_STUCK = "pay_stuck_old"  # pending since NOW - 30 min
STUCK_IDS = (OLDEST_STUCK, "pay_stuck_new")  # the second since NOW - 12 min
REQUESTS_READY, REQUESTS_UNACKED, DLQ_READY = 119, 2, 3

_counter = iter(range(1, 1_000_000))


def event(at: datetime, status: Status, payment_id: str, **changes: Any) -> PaymentEvent:
    n = next(_counter)
    kind = {
        Status.SUCCEEDED: "payment.captured",
        Status.FAILED: "payment.failed",
        Status.PENDING: "payment.created",
    }.get(status, "payment.refunded")
    fields: dict[str, Any] = {
        "event_id": f"known-{n:06d}",
        "received_at": utc_iso(at),
        "occurred_at": utc_iso(at),
        "status": status,
        "type": kind,
        "routing_key": kind,
        "payment_id": payment_id,
        # From the payment id, so a payment's merchant does not depend on call order.
        "merchant": "merchant-a" if sum(map(ord, payment_id)) % 2 else "merchant-b",
        "error_code": "card_declined" if status is Status.FAILED else None,
    }
    fields.update(changes)
    return replace(payment_event(n), **fields)


def outcome_events(now: datetime = NOW) -> list[PaymentEvent]:
    events: list[PaymentEvent] = []
    for i in range(SUCCEEDED_15M):
        # 60 between 14 and 10 minutes ago, 30 in the last 5 minutes.
        at = (
            now - timedelta(minutes=14) + timedelta(seconds=4 * i)
            if i < 60
            else now - timedelta(seconds=290 - 9 * (i - 60))
        )
        events.append(event(at, Status.SUCCEEDED, f"pay_ok_{i}"))
    for i in range(FAILED_15M - FAILED_5M):
        at = now - timedelta(minutes=13) + timedelta(seconds=20 * i)
        events.append(event(at, Status.FAILED, f"pay_fail_{i}", error_code="gateway_timeout"))
    for i in range(FAILED_5M):
        at = now - timedelta(seconds=200 - 30 * i)
        events.append(event(at, Status.FAILED, f"pay_fail_recent_{i}"))
    return events


def lifecycle_events(now: datetime = NOW) -> list[PaymentEvent]:
    return [
        event(now - timedelta(minutes=30), Status.PENDING, OLDEST_STUCK, amount_minor=12345),
        event(now - timedelta(minutes=12), Status.PENDING, "pay_stuck_new"),
        event(now - timedelta(minutes=3), Status.PENDING, "pay_pending_recent"),
        event(now - timedelta(minutes=40), Status.PENDING, "pay_done"),
        event(now - timedelta(minutes=38), Status.SUCCEEDED, "pay_done"),
        # Two hours ago: inside 24 h, outside the last hour.
        *(
            event(now - timedelta(hours=2, seconds=i), Status.SUCCEEDED, f"old_{i}")
            for i in range(20)
        ),
    ]


def queue_samples(now: datetime = NOW) -> list[QueueSample]:
    samples = []
    for i in range(REQUESTS_READY + 1):  # every 5 s over the last 10 minutes
        taken = utc_iso(now - timedelta(seconds=5 * (REQUESTS_READY - i)))
        samples.append(
            QueueSample(
                taken, "/", REQUESTS, i, REQUESTS_UNACKED, 1, 2.0, 1.5, 1.5, False, "management"
            )
        )
        samples.append(
            QueueSample(taken, "/", DLQ, DLQ_READY, 0, 0, 0.0, 0.0, 0.0, True, "management")
        )
    return samples


def write_history(path: Path, now: datetime = NOW) -> None:
    with EventStore(path) as store:
        store.insert_batch(
            sorted([*outcome_events(now), *lifecycle_events(now)], key=lambda e: e.received_at)
        )
    with QueueSampleStore(path) as samples:
        samples.add(queue_samples(now))
