"""The simulated payment service answers replayed requests on the real broker.

The simulator runs (traffic and processor) while a queue bound with `payment.#` captures its
exchange; the tests replay a captured request the way opsdesk does (the stored body and
properties, a new message id, `x-opsdesk-replay-of`) and read what the processor publishes.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pika
import pytest

from opsdesk.events.replay_headers import REPLAY_OF
from opsdesk.simulator.attempts import IDEMPOTENT_REPLAYED
from opsdesk.simulator.engine import SimulationSummary, declare_topology, run_simulation
from opsdesk.simulator.settings import SimulatorSettings

pytestmark = pytest.mark.broker

T = TypeVar("T")
REQUESTED, SUCCEEDED, FAILED = "payment.requested", "payment.succeeded", "payment.failed"


@dataclass(frozen=True)
class Seen:
    """One message captured from the simulator's exchange."""

    routing_key: str
    properties: pika.BasicProperties
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        return dict(json.loads(self.raw))

    @property
    def payment_id(self) -> str:
        return str(self.body["payment_id"])

    @property
    def headers(self) -> dict[str, Any]:
        return dict(self.properties.headers or {})


class RunningSimulator:
    """run_simulation on a thread until stop(); everything on its exchange is captured."""

    def __init__(self, connection: pika.BlockingConnection, settings: SimulatorSettings) -> None:
        self._channel = connection.channel()
        declare_topology(self._channel, settings)
        self._capture = self._channel.queue_declare("", exclusive=True).method.queue
        self._channel.queue_bind(self._capture, settings.exchange, "payment.#")
        self._messages = self._channel.consume(self._capture, inactivity_timeout=0.05)
        self._publisher = connection.channel()
        self._publisher.confirm_delivery()
        self._exchange = settings.exchange
        self.seen: list[Seen] = []
        self._stop = threading.Event()
        self._summaries: list[SimulationSummary] = []
        self._thread = threading.Thread(
            target=lambda: self._summaries.append(run_simulation(settings, self._stop)),
            name="test-simulation",
        )
        self._thread.start()

    def wait_for(self, find: Callable[[list[Seen]], T | None], failure: str) -> T:
        """Capture until `find` finds what it looks for in everything captured so far."""
        deadline = time.monotonic() + 10.0
        while (found := find(self.seen)) is None:
            assert time.monotonic() < deadline, failure
            method, properties, body = next(self._messages)
            if method is not None:
                self._keep(method, properties, body)
        return found

    def replay(self, request: Seen, message_id: str | None = None) -> str:
        """Send `request` again as opsdesk replays it: same body and properties, new id."""
        message_id = message_id or f"replay-{uuid.uuid4()}"
        headers = {**request.headers, REPLAY_OF: request.properties.message_id}
        self.publish(request, message_id=message_id, headers=headers)
        return message_id

    def publish(self, request: Seen, **changes: Any) -> None:
        properties = {**vars(request.properties), **changes}
        self._publisher.basic_publish(
            self._exchange,
            request.routing_key,
            request.raw,
            pika.BasicProperties(**properties),
            mandatory=True,
        )

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> SimulationSummary:
        """Stop the run; then capture everything left (the processor confirmed all it sent)."""
        self._stop.set()
        self._thread.join(10.0)
        assert not self._thread.is_alive()
        self._channel.cancel()  # deliveries not yet read go back to the queue, in order
        while True:
            method, properties, body = self._channel.basic_get(self._capture)
            if method is None:
                break
            self._keep(method, properties, body)
        (summary,) = self._summaries
        return summary

    def _keep(self, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        self.seen.append(Seen(method.routing_key, properties, body))
        self._channel.basic_ack(method.delivery_tag)


@pytest.fixture
def simulate(
    connection: pika.BlockingConnection, make_settings: Callable[..., SimulatorSettings]
) -> Iterator[Callable[..., RunningSimulator]]:
    running: list[RunningSimulator] = []

    def start(**overrides: object) -> RunningSimulator:
        values: dict[str, object] = {"rate": 200.0, "failure_rate": 0.5, **overrides}
        simulator = RunningSimulator(connection, make_settings(**values))
        running.append(simulator)
        return simulator

    yield start
    for simulator in running:
        if not simulator.stopped:
            simulator.stop()


def finished(outcome: str) -> Callable[[list[Seen]], tuple[Seen, Seen] | None]:
    """Finds the first payment that ended in `outcome`: (its request, that outcome)."""

    def find(seen: list[Seen]) -> tuple[Seen, Seen] | None:
        requests = {
            s.payment_id: s
            for s in seen
            if s.routing_key == REQUESTED and REPLAY_OF not in s.headers
        }
        for s in seen:
            if s.routing_key == outcome and s.payment_id in requests:
                return requests[s.payment_id], s
        return None

    return find


def outcomes_of(payment_id: str, seen: list[Seen]) -> list[Seen]:
    return [s for s in seen if s.payment_id == payment_id and s.routing_key in (SUCCEEDED, FAILED)]


def answered(payment_id: str, known: set[str]) -> Callable[[list[Seen]], Seen | None]:
    """Finds an outcome of the payment whose event id is not in `known`."""

    def find(seen: list[Seen]) -> Seen | None:
        fresh = [s for s in outcomes_of(payment_id, seen) if s.properties.message_id not in known]
        return fresh[0] if fresh else None

    return find


@pytest.mark.parametrize(("retry_success_rate", "expected"), [(1.0, SUCCEEDED), (0.0, FAILED)])
def test_a_replayed_failed_payment_gets_exactly_one_new_outcome(
    simulate: Callable[..., RunningSimulator], retry_success_rate: float, expected: str
) -> None:
    simulator = simulate(retry_success_rate=retry_success_rate)
    request, failure = simulator.wait_for(finished(FAILED), "no payment failed")
    before = datetime.now(UTC).replace(microsecond=0)

    simulator.replay(request)
    answer = simulator.wait_for(
        answered(request.payment_id, {failure.properties.message_id}), "no answer to the replay"
    )
    summary = simulator.stop()

    outcomes = outcomes_of(request.payment_id, simulator.seen)
    assert [o.properties.message_id for o in outcomes] == [
        failure.properties.message_id,
        answer.properties.message_id,
    ]
    assert summary.replies == {expected.removeprefix("payment."): 1}
    body = answer.body
    assert answer.routing_key == body["type"] == expected
    assert body["status"] == expected.removeprefix("payment.")
    for name in ("payment_id", "merchant", "amount_minor", "currency", "idempotency_key"):
        assert body[name] == request.body[name] == failure.body[name]
    assert body["event_id"] == answer.properties.message_id != request.body["event_id"]
    assert datetime.fromisoformat(body["occurred_at"]) >= before
    # The shape and properties of the generator's own outcomes, so the desk reads it alike.
    assert list(body) == list(failure.body)
    assert list(body["gateway"]) == list(failure.body["gateway"])
    for name in ("content_type", "delivery_mode", "app_id", "correlation_id"):
        assert getattr(answer.properties, name) == getattr(failure.properties, name)
    assert answer.properties.type == expected
    assert (
        answer.headers
        == failure.headers
        == {
            "schema": "payments/v1",
            "x-merchant": body["merchant"],
        }
    )
    if expected == FAILED:  # declined again, for the same reason
        assert body["error_code"] == failure.body["error_code"] is not None
        assert body["gateway"]["response_code"] == failure.body["gateway"]["response_code"]
    else:
        assert body["error_code"] is None and body["gateway"]["response_code"] == "00"


def test_a_replayed_payment_that_had_succeeded_is_answered_with_its_success_not_charged(
    simulate: Callable[..., RunningSimulator],
) -> None:
    simulator = simulate(retry_success_rate=1.0)
    request, success = simulator.wait_for(finished(SUCCEEDED), "no payment succeeded")

    simulator.replay(request)
    repeat = simulator.wait_for(
        lambda seen: next((s for s in seen if IDEMPOTENT_REPLAYED in s.headers), None),
        "no answer to the replay",
    )
    summary = simulator.stop()

    assert summary.replies == {"repeated": 1}
    assert repeat.headers[IDEMPOTENT_REPLAYED] is True
    # The same event again (Stripe's original result): whoever dedupes by id keeps one.
    assert repeat.routing_key == SUCCEEDED
    assert repeat.properties.message_id == success.properties.message_id
    assert repeat.body == success.body
    outcome_ids = {o.properties.message_id for o in outcomes_of(request.payment_id, simulator.seen)}
    assert outcome_ids == {success.properties.message_id}


def test_a_recovered_payment_replayed_again_gets_its_recovery_not_a_second_charge(
    simulate: Callable[..., RunningSimulator],
) -> None:
    simulator = simulate(retry_success_rate=1.0)
    request, failure = simulator.wait_for(finished(FAILED), "no payment failed")
    simulator.replay(request)
    recovery = simulator.wait_for(
        answered(request.payment_id, {failure.properties.message_id}), "no answer to the replay"
    )

    simulator.replay(request)  # another replay, another message id
    repeat = simulator.wait_for(
        lambda seen: next((s for s in seen if IDEMPOTENT_REPLAYED in s.headers), None),
        "no answer to the second replay",
    )
    summary = simulator.stop()

    assert recovery.routing_key == SUCCEEDED
    assert repeat.properties.message_id == recovery.properties.message_id
    assert repeat.body == recovery.body
    assert summary.replies == {"succeeded": 1, "repeated": 1}


def test_duplicate_deliveries_of_a_request_bring_no_second_outcome(
    simulate: Callable[..., RunningSimulator],
) -> None:
    """A plain duplicate gets nothing; the same replay message twice, the same answer twice."""
    simulator = simulate(retry_success_rate=0.0)
    request, failure = simulator.wait_for(finished(FAILED), "no payment failed")
    replay_id = simulator.replay(request)
    retry = simulator.wait_for(
        answered(request.payment_id, {failure.properties.message_id}), "no answer to the replay"
    )

    simulator.publish(request)  # the original request again, as after a publisher's retry
    simulator.replay(request, message_id=replay_id)  # the replay again, as after a lost ack
    # The processor reads its queue in order: once a later payment's replay is answered,
    # both duplicates have been handled.
    later, later_failure = simulator.wait_for(
        lambda seen: finished(FAILED)([s for s in seen if s.payment_id != request.payment_id]),
        "no second payment failed",
    )
    simulator.replay(later)
    simulator.wait_for(
        answered(later.payment_id, {later_failure.properties.message_id}),
        "no answer to the later replay",
    )
    summary = simulator.stop()

    outcomes = outcomes_of(request.payment_id, simulator.seen)
    assert [o.properties.message_id for o in outcomes] == [
        failure.properties.message_id,
        retry.properties.message_id,
        retry.properties.message_id,  # the replay's redelivery: its answer again
    ]
    assert IDEMPOTENT_REPLAYED not in outcomes[1].headers
    assert outcomes[2].headers[IDEMPOTENT_REPLAYED] is True
    assert outcomes[2].body == outcomes[1].body
    assert summary.replies == {"failed": 2, "repeated": 1}
