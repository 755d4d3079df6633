"""Replaying 100 failed payments with the simulator's payment service running (issue 11).

The simulated payment system publishes; `opsdesk collect` keeps the history as the window's tap
would; 100 failed payments are replayed by id. The processor must receive each payment's
request (not its failure) with its original idempotency key, and each payment's new outcome
must reach its timeline and the batch's outcome; counted by payment, none counts twice.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pika
import pytest

from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.events.replay_headers import REPLAY_OF
from opsdesk.operations.payment_history import payment_steps
from opsdesk.operations.replay_outcomes import OutcomeKind, follow_outcomes, sent_payments
from opsdesk.operations.service import Operations
from opsdesk.simulator.engine import declare_topology, run_simulation, teardown
from opsdesk.simulator.settings import SimulatorSettings
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.values import CountBasis
from tests.conftest import BROKER_URL, BrokerObjects, poll_until
from tests.ingest.test_collect import collect_command
from tests.operations.conftest import make_profile

pytestmark = pytest.mark.broker

PAYMENTS = 100
REASON = "PSP outage, retry after recovery"


class RunningSystem:
    """The simulator (traffic and its processor) on a thread until stop()."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self._stop = threading.Event()
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(settings,), name="test-payments")
        self._thread.start()

    def _run(self, settings: SimulatorSettings) -> None:
        try:
            run_simulation(settings, self._stop)
        except BaseException as exc:  # reported by the test, not lost on a thread
            self.errors.append(exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        assert not self._thread.is_alive(), "the simulator did not stop"


@pytest.fixture
def system(broker: BrokerObjects, unique_name: str, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A payment system at 300 events/s, half its payments failing, and a collector."""
    settings = SimulatorSettings(
        endpoint=BrokerEndpoint(url=BROKER_URL),
        exchange=f"{unique_name}.events",
        rate=300.0,
        failure_rate=0.5,
        retry_success_rate=0.7,
        seed=11,
        poison_rate=0.0,
        pan_leak_rate=0.0,  # a masked body cannot be re-sent (its own refusal, tested elsewhere)
    )
    declare_topology(broker.channel, settings)
    tap = broker.track_queue(f"{unique_name}.tap")  # collect declares and binds it
    db = tmp_path / "history.sqlite"
    collector = subprocess.Popen(
        collect_command(db, settings.exchange, tap), stdout=subprocess.DEVNULL
    )
    running = RunningSystem(settings)
    try:
        yield db, settings.exchange
    finally:
        running.stop()
        collector.send_signal(signal.SIGTERM)
        collector.wait(60)
        teardown(settings.endpoint, settings)
    assert not running.errors, running.errors


def _failed_payments_with_requests(db: Path) -> list[str]:
    """Payments whose only outcome so far is a failure and whose request the history holds."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute(
            "SELECT f.payment_id FROM events f WHERE f.status = 'failed' AND f.replay_of IS NULL "
            "AND EXISTS (SELECT 1 FROM events r WHERE r.payment_id = f.payment_id "
            "  AND r.type = 'payment.requested' AND r.replay_of IS NULL) "
            "AND NOT EXISTS (SELECT 1 FROM events s WHERE s.payment_id = f.payment_id "
            "  AND s.status = 'succeeded') "
            "GROUP BY f.payment_id ORDER BY min(f.id) LIMIT ?",
            (PAYMENTS,),
        ).fetchall()
    except sqlite3.Error:
        return []  # the collector has not created its tables yet
    finally:
        conn.close()
    return [row[0] for row in rows]


def test_replaying_100_failed_payments_retries_each_and_follows_it_to_its_new_outcome(
    broker: BrokerObjects, unique_name: str, system: tuple[Path, str]
) -> None:
    db, exchange = system
    started = datetime.now(UTC)
    found: list[str] = []

    def enough() -> bool:
        found[:] = _failed_payments_with_requests(db)
        return len(found) == PAYMENTS

    poll_until(enough, 60, f"{PAYMENTS} failed payments never reached the history: {len(found)}")
    # What the processor receives: a queue bound as its own is (every request).
    seen = broker.queue(f"{unique_name}.seen")
    broker.channel.queue_bind(seen, exchange, "payment.requested")

    ops = Operations(make_profile(), db)
    plan = ops.plan_payment_replay(found, reason=REASON)
    assert [p.payment_id for p in plan.replay_payments] == found
    assert not [p for p in plan.replay_payments if p.blocked], [
        (p.payment_id, p.refusal, p.guards) for p in plan.replay_payments if p.blocked
    ]
    result = ops.execute(plan)
    assert result.done == PAYMENTS, result
    sent = sent_payments(result)
    assert sorted(s.payment_id for s in sent) == sorted(found)

    batch = follow_outcomes(db, sent, timeout=60)
    assert batch.complete, batch.summary()
    assert {o.payment_id for o in batch.outcomes} == set(found)
    kinds = {o.kind for o in batch.outcomes}
    assert kinds <= {OutcomeKind.SUCCEEDED, OutcomeKind.FAILED}, batch.summary()
    assert batch.summary().startswith(f"{PAYMENTS} replayed: ")

    # The processor got each payment's request, not its failure, with its idempotency key.
    steps = payment_steps(db, found)
    requests = {
        p: next(s for s in steps[p] if s.type == "payment.requested" and s.replay_of is None)
        for p in found
    }
    replayed: dict[str, tuple[pika.BasicProperties, dict[str, object]]] = {}
    poll_until(
        lambda: _take_replays(broker, seen, replayed) >= PAYMENTS,
        30,
        f"the replayed requests never all arrived: {len(replayed)}",
    )
    assert sorted(replayed) == sorted(found), "one request per payment, nothing else"
    for payment_id, (properties, body) in replayed.items():
        request = requests[payment_id]
        assert (properties.headers or {})[REPLAY_OF] == request.event_id
        assert body["type"] == "payment.requested"
        assert request.idempotency_key and body["idempotency_key"] == request.idempotency_key

    # Each payment's timeline holds the replay copy and then the new outcome the batch names.
    for outcome in batch.outcomes:
        timeline = payment_steps(db, [outcome.payment_id])[outcome.payment_id]
        copies = [s for s in timeline if s.replay_of is not None]
        request = requests[outcome.payment_id]
        assert [(c.replay_of, c.idempotency_key) for c in copies] == [
            (request.event_id, request.idempotency_key)
        ]
        assert outcome.event_id in {s.event_id for s in timeline}

    # By payment each replayed payment counts once, by its final outcome.
    with Statistics(db) as stats:
        end = datetime.now(UTC) + timedelta(minutes=1)
        by_attempt = stats.outcomes(started - timedelta(minutes=5), end)
        by_payment = stats.outcomes(started - timedelta(minutes=5), end, basis=CountBasis.PAYMENT)
    assert sum(by_attempt) - sum(by_payment) >= PAYMENTS, (by_attempt, by_payment)


def _take_replays(
    broker: BrokerObjects,
    queue: str,
    replayed: dict[str, tuple[pika.BasicProperties, dict[str, object]]],
) -> int:
    """Drain `queue`, keeping the replayed requests by payment id; how many so far."""
    while True:
        method, properties, body = broker.channel.basic_get(queue, auto_ack=True)
        if method is None:
            return len(replayed)
        if REPLAY_OF in (properties.headers or {}):
            document = json.loads(body)
            payment_id = document["payment_id"]
            assert payment_id not in replayed, f"{payment_id} replayed twice"
            replayed[payment_id] = (properties, document)
