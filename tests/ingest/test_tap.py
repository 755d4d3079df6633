"""The tap against the real broker: at-least-once ingest, exactly-once storage."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pika
import pytest

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.events.model import PaymentEvent, Status
from opsdesk.foreground import Foreground
from opsdesk.ingest.classic_tap import ClassicTapSource, DeliveryBatch
from opsdesk.ingest.tap import Tap
from opsdesk.ingest.tap_state import TapCounters, TapListener, TapPhase, TapState
from opsdesk.ingest.thread_writer import ThreadWriter
from opsdesk.ingest.writer_choice import tap_writer
from opsdesk.store.event_store import EventStore
from opsdesk.thread_priority import BACKGROUND_NICENESS, MAX_NICENESS
from tests.conftest import BROKER_URL, BrokerObjects
from tests.ingest.conftest import rabbitmqctl

pytestmark = pytest.mark.broker


class Recorder:
    """TapListener that lets a test wait for a condition on what the tap reported."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.states: list[TapState] = []
        self.counters = TapCounters()
        self.stored: list[PaymentEvent] = []

    def on_state(self, state: TapState) -> None:
        with self.cond:
            self.states.append(state)
            self.cond.notify_all()

    def on_counters(self, counters: TapCounters) -> None:
        with self.cond:
            self.counters = counters
            self.cond.notify_all()

    def on_stored(self, events: Sequence[PaymentEvent]) -> None:
        with self.cond:
            self.stored.extend(events)
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, timeout), "condition not reached in time"

    def wait_connected(self) -> None:
        self.wait_for(lambda: any(s.phase is TapPhase.CONNECTED for s in self.states))


class GatedRecorder(Recorder):
    """Holds the tap's writer once `hold_after` events are stored, until released."""

    def __init__(self, hold_after: int) -> None:
        super().__init__()
        self.hold_after = hold_after
        self.holding = threading.Event()
        self.release = threading.Event()

    def on_stored(self, events: Sequence[PaymentEvent]) -> None:
        super().on_stored(events)
        if len(self.stored) >= self.hold_after and not self.release.is_set():
            self.holding.set()
            self.release.wait(30)


def native_event(i: int, status: str = "succeeded") -> bytes:
    return json.dumps(
        {
            "event_id": f"evt-{i}",
            "type": f"payment.{status}",
            "payment_id": f"pay-{i}",
            "merchant": "acme",
            "amount_minor": 1000 + i,
            "currency": "EUR",
            "card": "4111 1111 1111 1111",
        }
    ).encode()


def publish_native(broker: BrokerObjects, exchange: str, count: int) -> None:
    """`count` native succeeded events, each with its own message_id m-<i>."""
    for i in range(count):
        broker.publish(exchange, "payment.succeeded", native_event(i), message_id=f"m-{i}")


def make_profile(exchange: str, queue: str, url: str = BROKER_URL, **tap: object) -> Profile:
    return Profile(
        name="test",
        endpoint=BrokerEndpoint(url=url),
        bindings=(Binding(exchange, "payment.#"),),
        tap=replace(TapSettings(queue=queue, batch_interval=0.05), **tap),  # type: ignore[arg-type]
    )


def classic_tap(
    profile: Profile, db: Path, listener: TapListener, shows_events: bool = True
) -> Tap[DeliveryBatch]:
    """Built as the window (shows_events) and `collect` (not) build theirs."""
    writer = tap_writer(profile, db, shows_events=shows_events)
    return Tap(ClassicTapSource(profile), writer, listener)


WRITERS = {
    "thread-writer": {"store_process": False},
    "process-writer": {"store_process": True},
}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_stores_each_event_once_and_acks_after_commit(
    tap_setup, broker: BrokerObjects, writer: dict[str, bool]
) -> None:
    exchange, queue, db = tap_setup
    recorder = Recorder()
    tap = classic_tap(make_profile(exchange, queue, **writer), db, recorder)
    tap.start()
    try:
        recorder.wait_connected()
        publish_native(broker, exchange, 50)
        broker.publish(exchange, "payment.failed", b"\xff\xfe not json")
        recorder.wait_for(lambda: recorder.counters.stored == 51)
    finally:
        tap.stop()
    assert not tap.is_alive()
    assert recorder.states[-1].phase is TapPhase.STOPPED
    assert recorder.counters.decode_errors == 1
    assert broker.message_count(queue) == 0, "everything stored was acked"
    with EventStore(db, readonly=True) as store:
        assert store.count() == 51
        events = store.latest(100)
    assert {e.event_id for e in events} >= {f"m-{i}" for i in range(50)}
    assert all("4111 1111 1111 1111" not in e.body for e in events), "card number masked"
    assert {e.status for e in events if e.decode_error is None} == {Status.SUCCEEDED}
    assert sorted(e.event_id for e in recorder.stored) == sorted(e.event_id for e in events)


class PriorityRecorder(Recorder):
    """Also notes the CPU priority (nice) of the thread each report came from."""

    def __init__(self) -> None:
        super().__init__()
        self.state_nice: set[int] = set()  # the consumer thread's
        self.stored_nice: set[int] = set()  # the writer thread's (commits report there)

    def on_state(self, state: TapState) -> None:
        if state.phase is TapPhase.CONNECTED:
            self.state_nice.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        super().on_state(state)

    def on_stored(self, events: Sequence[PaymentEvent]) -> None:
        self.stored_nice.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        super().on_stored(events)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
@pytest.mark.parametrize("background", [True, False], ids=["window", "collect"])
def test_the_windows_tap_threads_run_below_the_ui_thread(
    tap_setup, broker: BrokerObjects, background: bool
) -> None:
    exchange, queue, db = tap_setup
    recorder = PriorityRecorder()
    profile = make_profile(exchange, queue)
    front = Foreground() if background else None  # the window's UI thread, or none
    writer = ThreadWriter(db, with_events=True, foreground=front)
    tap = Tap(ClassicTapSource(profile), writer, recorder, foreground=front)
    ui_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    tap.start()
    try:
        recorder.wait_connected()
        publish_native(broker, exchange, 3)
        recorder.wait_for(lambda: recorder.counters.stored == 3)
    finally:
        tap.stop()
    lowered = {min(ui_nice + BACKGROUND_NICENESS, MAX_NICENESS)}
    assert recorder.state_nice == (lowered if background else {ui_nice})
    assert recorder.stored_nice == (lowered if background else {ui_nice})
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == ui_nice


def test_tap_queue_is_bounded_and_durable(tap_setup, broker: BrokerObjects) -> None:
    exchange, queue, db = tap_setup
    recorder = Recorder()
    tap = classic_tap(make_profile(exchange, queue, max_length=3), db, recorder)
    tap.start()
    recorder.wait_connected()
    tap.stop()
    # While the desk is closed the queue keeps the newest events and drops the oldest.
    for i in range(5):
        broker.publish(exchange, "payment.succeeded", native_event(i), message_id=f"m-{i}")
    assert broker.message_count(queue) == 3
    recorder = Recorder()
    tap = classic_tap(make_profile(exchange, queue, max_length=3), db, recorder)
    tap.start()
    try:
        recorder.wait_for(lambda: recorder.counters.stored == 3)
    finally:
        tap.stop()
    assert sorted(e.event_id for e in recorder.stored) == ["m-2", "m-3", "m-4"]


def test_reports_reconnecting_when_broker_unreachable(tmp_path: Path) -> None:
    recorder = Recorder()
    profile = make_profile("x", "q", url="amqp://guest:guest@127.0.0.1:1/%2F")
    tap = classic_tap(profile, tmp_path / "h.sqlite", recorder)
    tap.start()
    try:
        recorder.wait_for(lambda: any(s.phase is TapPhase.RECONNECTING for s in recorder.states))
    finally:
        tap.stop()
    reconnecting = next(s for s in recorder.states if s.phase is TapPhase.RECONNECTING)
    assert reconnecting.retry_in is not None and reconnecting.retry_in > 0
    # One plain sentence with what to check, not pika's exception text (finding 6, issue 9).
    assert reconnecting.detail.startswith("Nothing answers at 127.0.0.1:1")
    assert "is RabbitMQ running" in reconnecting.detail
    assert "AMQPConnectionError" not in reconnecting.detail
    assert recorder.states[-1].phase is TapPhase.STOPPED


def test_nothing_lost_when_broker_closes_all_connections(private_vhost: str, tmp_path) -> None:
    url = f"amqp://guest:guest@127.0.0.1:5672/{private_vhost}"
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    ch.exchange_declare("payments.events", "topic")
    profile = make_profile("payments.events", "tap", url=url, batch_size=20, prefetch=40)
    ch.queue_declare("tap", durable=True, arguments=profile.tap.queue_arguments())
    ch.queue_bind("tap", "payments.events", "payment.#")
    total = 3000
    for i in range(total):
        ch.basic_publish("payments.events", "payment.succeeded", native_event(i))
    conn.close()

    recorder = GatedRecorder(hold_after=200)
    tap = classic_tap(profile, tmp_path / "h.sqlite", recorder)
    tap.start()
    try:
        # The writer is held mid-stream with deliveries unacked on the first connection.
        assert recorder.holding.wait(30), "tap never got 200 events in"
        rabbitmqctl("close_all_connections", "--vhost", private_vhost, "opsdesk test")
        recorder.wait_for(lambda: any(s.phase is TapPhase.RECONNECTING for s in recorder.states))
        recorder.release.set()
        recorder.wait_for(lambda: recorder.counters.stored >= total, timeout=60)
    finally:
        recorder.release.set()
        tap.stop()
    phases = [s.phase for s in recorder.states]
    assert TapPhase.RECONNECTING in phases, "the close was noticed"
    assert phases.count(TapPhase.CONNECTED) >= 2, "and survived"
    with EventStore(tmp_path / "h.sqlite", readonly=True) as store:
        assert store.count() == total
    conn = pika.BlockingConnection(pika.URLParameters(url))
    assert conn.channel().queue_declare("tap", passive=True).method.message_count == 0
    conn.close()


def test_binds_an_exchange_that_appears_later(tap_setup, broker: BrokerObjects) -> None:
    _, queue, db = tap_setup
    late = queue + ".late-x"
    recorder = Recorder()
    tap = classic_tap(make_profile(late, queue), db, recorder)
    tap.start()
    try:
        recorder.wait_for(
            lambda: any("exchange not found" in s.detail for s in recorder.states), timeout=15
        )
        broker.exchange(late)
        recorder.wait_for(
            lambda: (
                recorder.states[-1].phase is TapPhase.CONNECTED
                and "not found" not in recorder.states[-1].detail
            ),
            timeout=15,
        )
        broker.publish(late, "payment.succeeded", native_event(1), message_id="late-1")
        recorder.wait_for(lambda: recorder.counters.stored == 1)
    finally:
        tap.stop()
    assert recorder.stored[0].event_id == "late-1"


def test_adyen_batch_stores_one_event_per_item_once(tap_setup, broker: BrokerObjects) -> None:
    exchange, queue, db = tap_setup
    body = (Path(__file__).parent.parent / "events/payloads/adyen_batch.json").read_bytes()
    recorder = Recorder()
    tap = classic_tap(make_profile(exchange, queue), db, recorder)
    tap.start()
    try:
        recorder.wait_connected()
        broker.publish(exchange, "payment.adyen", body)
        broker.publish(exchange, "payment.adyen", body)  # the provider resends the batch
        recorder.wait_for(lambda: recorder.counters.duplicates == 3)
    finally:
        tap.stop()
    assert recorder.counters.stored == 3
    assert {e.format for e in recorder.stored} == {"adyen"}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_without_events_only_counters_are_reported(
    tap_setup, broker: BrokerObjects, writer: dict[str, bool]
) -> None:
    exchange, queue, db = tap_setup
    recorder = Recorder()
    tap = classic_tap(make_profile(exchange, queue, **writer), db, recorder, shows_events=False)
    tap.start()
    try:
        recorder.wait_connected()
        publish_native(broker, exchange, 20)
        recorder.wait_for(lambda: recorder.counters.stored == 20)
    finally:
        tap.stop()
    assert recorder.stored == []  # nobody shows them: none decoded back or handed over
    assert broker.message_count(queue) == 0
