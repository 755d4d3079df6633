"""The simulator on the real broker: exact counts, dead-lettering, the stuck queue, teardown."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker

from opsdesk.commands.simulate import add_arguments, settings_from_args
from opsdesk.simulator.engine import declare_topology, run_simulation, teardown
from opsdesk.simulator.settings import SimulatorSettings
from tests.conftest import BROKER_URL
from tests.simulator.conftest import ENDPOINT

pytestmark = pytest.mark.broker

LIFECYCLES = (
    ("payment.requested", "payment.authorized", "payment.succeeded", "payment.refunded"),
    ("payment.requested", "payment.authorized", "payment.failed"),
    ("payment.requested", "payment.failed"),
)
ERROR_CODES = {
    "insufficient_funds",
    "card_declined",
    "expired_card",
    "gateway_timeout",
    "fraud_suspected",
    "do_not_honor",
    "processing_error",
}


def tap(connection: pika.BlockingConnection, settings: SimulatorSettings) -> str:
    """A temporary queue bound to everything on the simulator's exchange."""
    channel = connection.channel()
    declare_topology(channel, settings)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, settings.exchange, "#")
    return str(queue)


def ready(connection: pika.BlockingConnection, queue: str) -> int:
    return int(connection.channel().queue_declare(queue, passive=True).method.message_count)


def wait_for_count(
    connection: pika.BlockingConnection, queue: str, expected: int, timeout: float = 5.0
) -> int:
    deadline = time.monotonic() + timeout
    count = ready(connection, queue)
    while count != expected and time.monotonic() < deadline:
        connection.process_data_events(time_limit=0.05)
        count = ready(connection, queue)
    return count


def drain(
    connection: pika.BlockingConnection, queue: str, expected: int
) -> list[tuple[pika.spec.Basic.Deliver, pika.BasicProperties, bytes]]:
    channel = connection.channel()
    channel.basic_qos(prefetch_count=500)
    received = []
    for method, properties, body in channel.consume(queue, inactivity_timeout=2.0):
        if method is None:
            break
        received.append((method, properties, body))
        channel.basic_ack(method.delivery_tag)
        if len(received) == expected:
            # One more short wait proves nothing beyond `expected` is there.
            method, _, _ = next(channel.consume(queue, inactivity_timeout=0.2))
            assert method is None, "more messages than events published"
            break
    channel.cancel()
    return received


def test_count_events_reach_the_exchange_exactly_once_with_matching_statuses(
    connection, make_settings
):
    settings = make_settings(count=400, failure_rate=0.3, with_processor=False)
    queue = tap(connection, settings)

    summary = run_simulation(settings)

    assert summary.published == 400
    assert summary.poison == 0 and summary.unroutable == 0 and not summary.stopped
    received = drain(connection, queue, 400)
    assert len(received) == 400
    bodies = []
    for method, properties, raw in received:
        body = json.loads(raw)
        bodies.append(body)
        assert properties.message_id == body["event_id"]
        assert properties.content_type == "application/json"
        assert properties.delivery_mode == 2
        assert properties.app_id == "opsdesk-simulator"
        assert isinstance(properties.timestamp, int)
        assert method.routing_key == body["type"]
        assert type(body["amount_minor"]) is int and body["amount_minor"] > 0
        assert body["occurred_at"].endswith("Z")
        assert 400 <= len(raw) <= 1300
        if body["type"] == "payment.failed":
            assert body["error_code"] in ERROR_CODES
        else:
            assert body["error_code"] is None
    assert len({b["event_id"] for b in bodies}) == 400
    assert Counter(b["status"] for b in bodies) == summary.by_status
    assert Counter(b["type"] for b in bodies) == summary.by_type
    assert set(summary.by_status) <= {"pending", "succeeded", "failed", "refunded"}
    assert summary.by_status["failed"] > 0 and summary.by_status["succeeded"] > 0
    assert summary.payments == len({b["payment_id"] for b in bodies})

    # Each payment's events, in publish order, follow one of the lifecycles.
    sequences: dict[str, list[str]] = defaultdict(list)
    for body in bodies:
        sequences[body["payment_id"]].append(body["type"])
    for types in sequences.values():
        assert any(tuple(types) == life[: len(types)] for life in LIFECYCLES), types
    # Lifecycles overlap: another payment starts before the first one has finished.
    order = [b["payment_id"] for b in bodies]
    first = order[0]
    assert len(set(order[: order.index(first, 1)])) > 1

    # Nobody consumes the settlement queue: every succeeded payment is still waiting there.
    topology = settings.topology()
    assert ready(connection, topology.stuck_queue) == summary.by_type["payment.succeeded"]
    assert ready(connection, topology.processing_queue) == summary.payments
    assert ready(connection, topology.unrouted_queue) == 0


def test_processor_dead_letters_poison_and_acks_payments(connection, make_settings):
    settings = make_settings(count=200, poison_rate=0.2)
    topology = settings.topology()

    summary = run_simulation(settings)

    assert summary.published == 200
    assert summary.poison > 0
    assert wait_for_count(connection, topology.dead_letter_queue, summary.poison) == summary.poison
    assert wait_for_count(connection, topology.processing_queue, 0) == 0
    assert summary.dead_lettered == summary.poison
    assert summary.processed == summary.payments
    # Without a tap, events no queue is bound for land in the alternate exchange's queue.
    routed = summary.by_type["payment.requested"] + summary.by_type["payment.succeeded"]
    assert summary.unroutable == 0
    unrouted = summary.published - routed
    assert wait_for_count(connection, topology.unrouted_queue, unrouted) == unrouted

    channel = connection.channel()
    method, properties, body = channel.basic_get(topology.dead_letter_queue, auto_ack=True)
    assert method is not None
    with pytest.raises(ValueError):
        json.loads(body.decode("utf-8"))
    death = properties.headers["x-death"][0]
    assert death["queue"] == topology.processing_queue
    assert death["reason"] == "rejected"


def test_stop_ends_an_unbounded_run_promptly(make_settings):
    settings = make_settings(rate=50.0)
    stop = threading.Event()
    progressed = threading.Event()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(run_simulation(settings, stop, lambda n: progressed.set()))
    )
    worker.start()
    try:
        assert progressed.wait(5.0)
    finally:
        stop.set()
        stopped_at = time.monotonic()
        worker.join(5.0)
    assert not worker.is_alive()
    assert time.monotonic() - stopped_at < 1.5
    (summary,) = results
    assert summary.stopped
    assert summary.published > 0


def test_duration_bounds_the_run_and_rate_paces_it(make_settings):
    settings = make_settings(rate=40.0, duration=0.5, with_processor=False)

    summary = run_simulation(settings)

    assert not summary.stopped
    assert 15 <= summary.published <= 21
    assert summary.elapsed < 1.5


def test_teardown_deletes_every_queue_and_exchange(connection, make_settings):
    settings = make_settings()
    declare_topology(connection.channel(), settings)
    declare_topology(connection.channel(), settings)  # idempotent
    topology = settings.topology()

    teardown(ENDPOINT, settings)

    for queue in topology.queues():
        with pytest.raises(ChannelClosedByBroker) as excinfo:
            connection.channel().queue_declare(queue, passive=True)
        assert excinfo.value.reply_code == 404
    for exchange in topology.exchanges():
        with pytest.raises(ChannelClosedByBroker) as excinfo:
            connection.channel().exchange_declare(exchange, passive=True)
        assert excinfo.value.reply_code == 404


def test_names_derive_from_the_exchange():
    topology = SimulatorSettings(ENDPOINT).topology()
    assert topology.processing_queue == "payments.processing"
    assert topology.dead_letter_exchange == "payments.dlx"
    assert topology.dead_letter_queue == "payments.processing.dlq"
    assert topology.stuck_queue == "payments.settlement"
    assert topology.unrouted_queue == "payments.unrouted"
    custom = SimulatorSettings(ENDPOINT, exchange="acme", prefix="t1").topology()
    assert (custom.exchange, custom.stuck_queue) == ("acme", "t1.settlement")


def test_arguments_become_settings():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        [
            "--rate=50",
            "--count=10",
            "--failure-rate=0.5",
            "--seed=3",
            "--exchange=x.events",
            "--no-processor",
            "--retry-success-rate=0.25",
        ]
    )
    settings = settings_from_args(args, ENDPOINT)
    assert (settings.rate, settings.count, settings.duration) == (50.0, 10, None)
    assert settings.retry_success_rate == 0.25
    assert settings_from_args(parser.parse_args([]), ENDPOINT).retry_success_rate == 0.7
    assert (settings.failure_rate, settings.seed, settings.exchange) == (0.5, 3, "x.events")
    assert settings.with_processor is False
    assert settings_from_args(parser.parse_args([]), ENDPOINT).with_processor is True
    bad_values = (
        ["--failure-rate", "1.5"],
        ["--rate", "0"],
        ["--count", "-1"],
        ["--retry-success-rate", "1.01"],
        ["--retry-success-rate", "-0.1"],
    )
    for bad in bad_values:
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
    with pytest.raises(ValueError):
        SimulatorSettings(ENDPOINT, poison_rate=-0.1)
    with pytest.raises(ValueError, match="retry_success_rate"):
        SimulatorSettings(ENDPOINT, retry_success_rate=2.0)


def test_publisher_recovers_when_its_channel_is_closed_mid_run(connection, make_settings):
    settings = make_settings(count=150, rate=300.0, with_processor=False)
    under_way = threading.Event()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(run_simulation(settings, None, lambda n: under_way.set()))
    )
    worker.start()
    try:
        assert under_way.wait(5.0)
        # Publishing to a deleted exchange closes the channel (404): the publisher must
        # reconnect, declare again and go on.
        connection.channel().exchange_delete(settings.exchange)
    finally:
        worker.join(10.0)
    assert not worker.is_alive()
    (summary,) = results
    assert summary.published == 150
    assert summary.republished >= 1
    connection.channel().exchange_declare(settings.exchange, passive=True)


@pytest.mark.parametrize("clash", ["exchange type", "queue arguments"])
def test_a_clashing_topology_is_one_line_on_stderr_not_a_traceback(
    connection, make_settings, clash: str
):
    """Finding 9: an exchange declared with other arguments killed the CLI with a traceback."""
    settings = make_settings()
    topology = settings.topology()
    channel = connection.channel()
    if clash == "exchange type":
        channel.exchange_declare(settings.exchange, "direct", durable=True)
        name, expected = settings.exchange, ["its type is 'direct'", "declares 'topic'"]
    else:
        channel.queue_declare(topology.processing_queue, durable=True)  # no dead-letter exchange
        name, expected = (
            topology.processing_queue,
            [
                "its x-dead-letter-exchange is none",
                f"the simulator declares '{topology.dead_letter_exchange}')",
            ],
        )

    # The CLI's own process: its logging set-up and exit code, as a user's shell sees them.
    done = subprocess.run(
        [sys.executable, "-m", "opsdesk.cli", "simulate", "--url", BROKER_URL,
         "--exchange", settings.exchange, "--count", "1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    out, err = done.stdout, done.stderr
    assert done.returncode == 2
    assert "Traceback" not in err and "PRECONDITION_FAILED" not in err
    lines = [line for line in err.splitlines() if line.startswith("opsdesk simulate:")]
    assert len(lines) == 1, err
    kind = "exchange" if clash == "exchange type" else "queue"
    assert f"The {kind} '{name}' already exists with other settings" in lines[0]
    assert all(part in lines[0] for part in expected), lines[0]
    assert "published" not in out
