"""The simulator's run: a small payment system on the broker, for demos and tests.

It publishes payment traffic (traffic.py) through a confirming publisher (publisher.py) into
its own topology (topology.py), with a payment service consuming beside it (processor.py).
Publishing uses confirms and `mandatory=True` on pika's BlockingChannel, which waits for each
confirm. Persistent messages into durable queues are confirmed only after the broker's disk
write, so the ceiling is about 700-900 events/s on a local broker (raw pika, same conditions:
~670/s; transient into a non-durable queue: ~2.7k/s). That is far above the default 20/s;
`--rate` beyond the ceiling simply runs flat out.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.simulator.processor import PaymentProcessor
from opsdesk.simulator.publisher import PublishStopped, SimulatedPublisher
from opsdesk.simulator.settings import SimulatorSettings
from opsdesk.simulator.topology import TopologyClash, declare, delete
from opsdesk.simulator.traffic import PaymentTraffic, poison_message

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.25  # seconds between on_progress calls
LOG_INTERVAL = 5.0


class SimulatorError(Exception):
    """The simulator cannot run; the message is one sentence an operator can act on."""


@dataclass(frozen=True)
class SimulationSummary:
    published: int  # events confirmed by the broker (poison excluded)
    payments: int  # payments started (= payment.requested events)
    by_type: dict[str, int]
    by_status: dict[str, int]  # per event, from its `status` field
    poison: int  # unreadable messages published besides the events
    unroutable: int = 0  # confirmed, but no queue was bound for the routing key
    republished: int = 0  # sent again after a nack or a lost connection: possible duplicates
    processed: int = 0  # processor acks (may include messages left by earlier runs)
    dead_lettered: int = 0  # processor rejects
    elapsed: float = 0.0
    stopped: bool = False  # ended by the stop event rather than count/duration
    # Replayed requests the processor answered, by answer: succeeded, failed, repeated, ...
    replies: dict[str, int] = field(default_factory=dict)


def declare_topology(channel: BlockingChannel, settings: SimulatorSettings) -> None:
    """Declare the simulator's exchanges and queues (durable, idempotent)."""
    declare(channel, settings.topology())


def teardown(endpoint: BrokerEndpoint, settings: SimulatorSettings) -> None:
    """Delete everything `declare_topology` declares for `settings`."""
    delete(endpoint, settings.topology())


def run_simulation(
    settings: SimulatorSettings,
    stop: threading.Event | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SimulationSummary:
    """Publish until count/duration is reached or `stop` is set; blocking, cleans up after itself.

    `on_progress` gets the number of events published so far, at most every 0.25 s and once at
    the end, on the calling thread.
    """
    stop = stop or threading.Event()
    # Poison draws from its own generator so a seed gives the same events at any poison rate.
    poison_rng = random.Random(None if settings.seed is None else f"poison-{settings.seed}")
    traffic = PaymentTraffic(
        random.Random(settings.seed),
        failure_rate=settings.failure_rate,
        refund_rate=settings.refund_rate,
        pan_leak_rate=settings.pan_leak_rate,
        in_flight=settings.in_flight,
    )
    topology = settings.topology()
    # Connecting first makes an unreachable broker an immediate error, not a retry loop.
    try:
        publisher = SimulatedPublisher(settings.endpoint, topology)
    except TopologyClash as exc:
        raise SimulatorError(str(exc)) from exc
    except (pika.exceptions.AMQPError, OSError) as exc:
        where = settings.endpoint.host_port()
        raise SimulatorError(describe_broker_failure(exc, where)) from exc
    processor = PaymentProcessor(
        settings.endpoint,
        topology.processing_queue,
        topology.exchange,
        retry_success_rate=settings.retry_success_rate,
        rng=random.Random(None if settings.seed is None else f"retry-{settings.seed}"),
    )
    by_type: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    published = poison = unroutable = 0
    started = time.monotonic()
    deadline = None if settings.duration is None else started + settings.duration
    last_progress = last_log = started
    completed = False
    log.info(
        "simulating payments on %s exchange %s at %.1f events/s",
        settings.endpoint.redacted_url(),
        topology.exchange,
        settings.rate,
    )
    try:
        if settings.with_processor:
            processor.start()
        while not stop.is_set():
            if settings.count is not None and published >= settings.count:
                completed = True
                break
            due = started + published / settings.rate
            now = time.monotonic()
            if deadline is not None and max(due, now) >= deadline:
                completed = True
                break
            if due > now:
                # Short waits keep the stop event responsive and heartbeats answered.
                stop.wait(min(due - now, 1.0))
                publisher.keepalive()
                continue
            event = traffic.next_event()
            if settings.with_processor:
                processor.remember(event)  # the outcomes it answers replays with
            unroutable += not publisher.publish(event, stop)
            published += 1
            by_type[event.event_type or ""] += 1
            by_status[event.status or ""] += 1
            if settings.poison_rate and poison_rng.random() < settings.poison_rate:
                unroutable += not publisher.publish(poison_message(poison_rng), stop)
                poison += 1
            now = time.monotonic()
            if on_progress is not None and now - last_progress >= PROGRESS_INTERVAL:
                on_progress(published)
                last_progress = now
            if now - last_log >= LOG_INTERVAL:
                log.info("published %d events (%d poison) so far", published, poison)
                last_log = now
    except PublishStopped:
        pass
    except TopologyClash as exc:  # re-declared differently while we were reconnecting
        raise SimulatorError(str(exc)) from exc
    finally:
        publisher.close()
        if settings.with_processor:
            # On a normal end let the processor empty its queue so poison reaches the DLQ;
            # when stopped (Ctrl-C, window closed) leave promptly.
            processor.stop(drain_timeout=settings.drain_timeout if completed else 0.0)
            processor.join(timeout=settings.drain_timeout + 10.0)
    if on_progress is not None:
        on_progress(published)
    summary = SimulationSummary(
        published=published,
        payments=by_type.get("payment.requested", 0),
        by_type=dict(by_type),
        by_status=dict(by_status),
        poison=poison,
        unroutable=unroutable,
        republished=publisher.republished,
        processed=processor.acked,
        dead_lettered=processor.rejected,
        elapsed=time.monotonic() - started,
        stopped=not completed,
        replies=dict(processor.replies),
    )
    log.info(
        "simulation finished: %d events for %d payments, %d poison, %d unroutable in %.1f s",
        summary.published,
        summary.payments,
        summary.poison,
        summary.unroutable,
        summary.elapsed,
    )
    return summary
