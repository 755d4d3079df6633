"""Stuck payments at a given clock, the click-through to their events, and the headline tiles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.events.timestamps import utc_iso
from opsdesk.store.statistics.headline import compute_headline
from opsdesk.store.statistics.reader import Statistics
from tests.store.history_factory import at, event, lifecycle, write

REQUESTED, AUTHORIZED = "payment.requested", "payment.authorized"
SUCCEEDED, FAILED, REFUNDED = "payment.succeeded", "payment.failed", "payment.refunded"


@pytest.fixture
def stats(tmp_path: Path) -> Iterator[Statistics]:
    path = tmp_path / "history.sqlite"
    write(
        path,
        [
            *lifecycle("pay-A", at(0), [(0, REQUESTED), (5, AUTHORIZED)], amount_minor=1500),
            *lifecycle("pay-B", at(0), [(0, REQUESTED), (1200, SUCCEEDED)], merchant="globex"),
            *lifecycle("pay-C", at(-25 * 3600), [(0, REQUESTED)]),  # beyond the horizon
            *lifecycle("pay-D", at(10), [(0, REQUESTED), (10, SUCCEEDED), (20, REFUNDED)]),
            *lifecycle("pay-E", at(60), [(0, REQUESTED)], currency="USD"),
            *lifecycle("pay-F", at(100), [(0, REQUESTED), (10, FAILED)]),
            # Delivered out of order: the outcome arrived before the authorization.
            *lifecycle("pay-G", at(1), [(0, SUCCEEDED), (39, AUTHORIZED)]),
        ],
    )
    with Statistics(path) as opened:
        yield opened


def test_nothing_is_stuck_before_the_minimum_age(stats: Statistics) -> None:
    assert stats.stuck_payments(at(540)) == []


def test_pending_payments_older_than_the_age_are_stuck_at_that_clock(stats: Statistics) -> None:
    stuck = stats.stuck_payments(at(900))
    # pay-B's success arrives at 1,200 s: at 900 s it is still stuck.
    assert [(p.payment_id, p.age_seconds) for p in stuck] == [
        ("pay-A", 900.0),
        ("pay-B", 900.0),
        ("pay-E", 840.0),
    ]
    a = stuck[0]
    assert (a.first_seen, a.last_seen) == (utc_iso(at(0)), utc_iso(at(5)))
    assert (a.merchant, a.amount_minor, a.currency, a.last_type) == (
        "acme",
        1500,
        "EUR",
        AUTHORIZED,
    )
    assert stuck[2].currency == "USD"


def test_a_payment_that_reached_an_outcome_is_no_longer_stuck(stats: Statistics) -> None:
    later = stats.stuck_payments(at(1300))
    assert [(p.payment_id, p.age_seconds) for p in later] == [("pay-A", 1300.0), ("pay-E", 1240.0)]
    assert [p.payment_id for p in stats.stuck_payments(at(1300), limit=1)] == ["pay-A"]
    shorter = stats.stuck_payments(at(1300), min_age=timedelta(minutes=30))
    assert shorter == []


def test_the_horizon_bounds_how_far_back_stuck_payments_are_sought(stats: Statistics) -> None:
    wide = stats.stuck_payments(at(1300), horizon=timedelta(hours=30))
    assert [p.payment_id for p in wide] == ["pay-C", "pay-A", "pay-E"]


def test_events_of_a_payment_in_arrival_order(stats: Statistics) -> None:
    events = stats.events_of("pay-D")
    assert [e.type for e in events] == [REQUESTED, SUCCEEDED, REFUNDED]
    assert [e.status.value for e in events] == ["pending", "succeeded", "refunded"]
    assert stats.events_of("pay-unknown") == []


def _sample(queue: str, ready: int, unacked: int | None, dead: bool) -> QueueSample:
    return QueueSample(
        utc_iso(at(0)), "/", queue, ready, unacked, 1, None, None, None, dead, "amqp"
    )


def test_headline_tiles(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    now = at(3600)
    write(
        path,
        [
            *(event(at(3600 - 60 * i)) for i in range(1, 9)),  # 8 successes in the last 8 min
            event(at(3600 - 180), FAILED),  # 3 min ago
            event(at(3600 - 600), FAILED),  # 10 min ago
            event(at(3600 - 1200), FAILED),  # 20 min ago: outside the 15-min rate window
            *lifecycle("pay-old", at(0), [(0, REQUESTED)]),
        ],
    )
    samples = {
        "orders": _sample("orders", 5, 2, False),
        "refunds": _sample("refunds", 4, None, False),
        "orders.dlq": _sample("orders.dlq", 3, 0, True),
    }
    with Statistics(path) as stats:
        tiles = compute_headline(stats, samples, now)
        empty = compute_headline(stats, {}, at(-7200))
    assert (tiles.success_rate, tiles.outcomes, tiles.failures_5m) == (0.8, 10, 1)
    assert tiles.oldest_stuck_seconds == 3600.0
    assert (tiles.messages_waiting, tiles.dead_letter_depth) == (11, 3)
    assert (empty.success_rate, empty.oldest_stuck_seconds, empty.messages_waiting) == (
        None,
        None,
        None,
    )
