"""The queue monitor against the real broker: management API, passive-declare fallback, problems."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pika
import pytest

from opsdesk.broker.queue_monitor import BrokerUnreachable, QueueMonitor
from opsdesk.broker.queue_sample import (
    MonitorPhase,
    MonitorState,
    QueueInfo,
    QueueSample,
    looks_like_dead_letter,
)
from opsdesk.config import Profile
from tests.conftest import BROKER_URL, BrokerObjects
from tests.monitor_profile import broker_url_at, closed_port, monitor_profile

pytestmark = pytest.mark.broker

STATS_DEADLINE = 15.0  # the management plugin refreshes its figures every 5 s


class Recorder:
    """MonitorListener that lets a test wait for a condition on what the monitor reported."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.states: list[MonitorState] = []
        self.rounds: list[list[QueueSample]] = []
        self.queue_lists: list[list[QueueInfo]] = []

    def on_state(self, state: MonitorState) -> None:
        with self.cond:
            self.states.append(state)
            self.cond.notify_all()

    def on_samples(self, samples: list[QueueSample]) -> None:
        with self.cond:
            self.rounds.append(samples)
            self.cond.notify_all()

    def on_queue_list(self, queues: list[QueueInfo]) -> None:
        with self.cond:
            self.queue_lists.append(queues)
            self.cond.notify_all()

    def latest(self, queue: str) -> QueueSample | None:
        for samples in reversed(self.rounds):
            for sample in samples:
                if sample.queue == queue:
                    return sample
        return None

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise AssertionError(
                    f"condition not reached in time; last state {self.states[-1:]}, "
                    f"last round {self.rounds[-1:]}"
                )


@pytest.fixture
def run_monitor() -> Iterator[Callable[[Profile], Recorder]]:
    monitors: list[QueueMonitor] = []

    def start(profile: Profile) -> Recorder:
        recorder = Recorder()
        monitor = QueueMonitor(profile, recorder)
        monitors.append(monitor)
        monitor.start()
        return recorder

    yield start
    for monitor in monitors:
        monitor.stop(timeout=5.0)
        assert not monitor.is_alive()


@pytest.fixture
def consumer_channel() -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        yield connection.channel()
    finally:
        connection.close()


def publish(broker: BrokerObjects, queue: str, count: int) -> None:
    for i in range(count):
        broker.publish("", queue, f"m{i}".encode())


def test_depth_then_draining_through_the_management_api(
    broker: BrokerObjects, unique_name: str, run_monitor, consumer_channel
) -> None:
    queue = broker.queue(unique_name)
    publish(broker, queue, 7)
    recorder = run_monitor(monitor_profile((queue,)))

    def api_sample() -> QueueSample | None:
        sample = recorder.latest(queue)
        return sample if sample and sample.source == "management" else None

    recorder.wait_for(
        lambda: (s := api_sample()) is not None and s.messages_ready == 7, STATS_DEADLINE
    )
    sample = api_sample()
    assert sample is not None
    assert (sample.messages_unacked, sample.consumers, sample.is_dead_letter) == (0, 0, False)
    assert sample.publish_rate is not None and sample.deliver_rate is not None
    assert recorder.states[-1].phase is MonitorPhase.SAMPLING
    assert not recorder.states[-1].degraded
    assert any(queue in {info.name for info in ql} for ql in recorder.queue_lists)

    # A consumer that never acks: everything moves from ready to unacked.
    consumer_channel.basic_consume(queue, lambda *args: None, auto_ack=False)
    consumer_channel.connection.process_data_events(time_limit=0.1)
    recorder.wait_for(
        lambda: (
            (s := api_sample()) is not None
            and (s.consumers, s.messages_ready, s.messages_unacked) == (1, 0, 7)
        ),
        STATS_DEADLINE,
    )


def test_fallback_to_passive_declares_says_so(
    broker: BrokerObjects, unique_name: str, run_monitor, consumer_channel
) -> None:
    queue = broker.queue(unique_name)
    publish(broker, queue, 5)
    profile = monitor_profile((queue,), api=False)
    recorder = run_monitor(profile)

    recorder.wait_for(lambda: (s := recorder.latest(queue)) is not None and s.messages_ready == 5)
    sample = recorder.latest(queue)
    assert sample is not None
    assert sample.source == "amqp"
    assert (sample.messages_unacked, sample.publish_rate, sample.deliver_rate) == (None, None, None)
    state = recorder.states[-1]
    assert state.degraded and state.source == "amqp"
    api = profile.monitor.management_url
    assert state.detail.startswith(f"Nothing answers at {api}: the connection was refused")
    assert "no unacked counts or rates" in state.detail
    assert "Errno" not in state.detail
    assert recorder.queue_lists == []  # no queue list without the API

    consumer_channel.basic_consume(queue, lambda *args: None, auto_ack=False)
    consumer_channel.connection.process_data_events(time_limit=0.1)
    recorder.wait_for(
        lambda: (
            (s := recorder.latest(queue)) is not None and (s.consumers, s.messages_ready) == (1, 0)
        )
    )


def test_sample_once_counts_by_api_and_by_passive_declare(
    broker: BrokerObjects, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    publish(broker, queue, 4)

    fallback = QueueMonitor(monitor_profile(api=False)).sample_once([queue])
    assert fallback.source == "amqp" and fallback.api_error
    assert [(s.queue, s.messages_ready, s.source) for s in fallback.samples] == [(queue, 4, "amqp")]

    result = QueueMonitor(monitor_profile()).sample_once([queue])
    assert result.source == "management" and result.api_error is None
    assert [(s.queue, s.messages_ready) for s in result.samples] == [(queue, 4)]
    assert result.queue_list is not None and queue in {q.name for q in result.queue_list}


def test_queue_behind_a_parking_exchange_is_flagged(
    broker: BrokerObjects, unique_name: str
) -> None:
    parking_exchange = broker.exchange(f"{unique_name}.parking-x", "fanout")
    parking = broker.queue(f"{unique_name}.parking")
    broker.channel.queue_bind(parking, parking_exchange)
    work = broker.queue(f"{unique_name}.work", **{"x-dead-letter-exchange": parking_exchange})
    assert not looks_like_dead_letter(parking)  # recognised by wiring alone

    result = QueueMonitor(monitor_profile()).sample_once([work, parking])

    flags = {s.queue: s.is_dead_letter for s in result.samples}
    assert flags == {work: False, parking: True}
    assert result.queue_list is not None
    listed = {q.name: q for q in result.queue_list}
    assert listed[parking].is_dead_letter
    assert listed[work].dead_letter_exchange == parking_exchange


@pytest.mark.parametrize("api", [True, False], ids=["management", "amqp"])
def test_missing_queue_is_reported_and_sampling_goes_on(
    broker: BrokerObjects, unique_name: str, run_monitor, api: bool
) -> None:
    present = broker.queue(f"{unique_name}.present")
    missing = f"{unique_name}.missing"
    recorder = run_monitor(monitor_profile((missing, present), api=api))

    # Three rounds: with the API the first reads the queue list, later ones GET each queue.
    recorder.wait_for(lambda: len(recorder.rounds) >= 3)
    assert all([s.queue for s in samples] == [present] for samples in recorder.rounds)
    state = recorder.states[-1]
    assert state.phase is MonitorPhase.SAMPLING
    assert [(p.queue, p.reason) for p in state.problems] == [(missing, "not_found")]


def test_queue_that_vanishes_is_reported(
    broker: BrokerObjects, unique_name: str, run_monitor
) -> None:
    queue = broker.queue(unique_name)
    recorder = run_monitor(monitor_profile((queue,)))
    recorder.wait_for(lambda: recorder.latest(queue) is not None)

    broker.channel.queue_delete(queue)
    broker.queues.remove(queue)

    recorder.wait_for(
        lambda: any(
            p.queue == queue and p.reason == "not_found" for p in recorder.states[-1].problems
        )
    )
    rounds_then = len(recorder.rounds)
    recorder.wait_for(lambda: len(recorder.rounds) > rounds_then)  # still sampling


def test_unreachable_broker_reconnects_with_backoff(run_monitor) -> None:
    url = broker_url_at(closed_port())
    profile = monitor_profile(("anything",), url=url, api=False)
    recorder = run_monitor(profile)

    recorder.wait_for(lambda: any(s.phase is MonitorPhase.RECONNECTING for s in recorder.states))
    reconnecting = next(s for s in recorder.states if s.phase is MonitorPhase.RECONNECTING)
    assert reconnecting.retry_in is not None and reconnecting.retry_in > 0
    where = profile.endpoint.host_port()
    # Plain sentences, the broker's first, then the management API's.
    assert reconnecting.detail.startswith(
        f"Nothing answers at {where}: the connection was refused (is RabbitMQ running"
    )
    assert f"Nothing answers at {profile.monitor.management_url}" in reconnecting.detail
    assert "AMQPConnectionError" not in reconnecting.detail and "Errno" not in reconnecting.detail
    assert reconnecting.interval == profile.monitor.interval
    assert recorder.rounds == []

    with pytest.raises(BrokerUnreachable, match=f"Nothing answers at {where}"):
        QueueMonitor(profile).sample_once()


def test_wrong_broker_port_is_reported_though_the_management_api_answers(
    broker: BrokerObjects, unique_name: str, run_monitor
) -> None:
    """Issue 9, finding 6: the API on 15672 answers for a profile whose AMQP port is wrong."""
    queue = broker.queue(unique_name)
    publish(broker, queue, 3)
    profile = monitor_profile((queue,), url=broker_url_at(closed_port()))
    recorder = run_monitor(profile)

    recorder.wait_for(lambda: recorder.latest(queue) is not None, STATS_DEADLINE)
    state = recorder.states[-1]
    assert state.phase is MonitorPhase.SAMPLING and state.source == "management"
    assert state.broker_error == (
        f"Nothing answers at {profile.endpoint.host_port()}: the connection was refused "
        "(is RabbitMQ running, and is the port right?)."
    )
    assert state.interval == profile.monitor.interval


def test_a_reachable_broker_has_no_broker_error(
    broker: BrokerObjects, unique_name: str, run_monitor
) -> None:
    queue = broker.queue(unique_name)
    recorder = run_monitor(monitor_profile((queue,)))
    recorder.wait_for(lambda: len(recorder.rounds) >= 2)
    sampling = [s for s in recorder.states if s.phase is MonitorPhase.SAMPLING]
    assert sampling and all(s.broker_error is None for s in sampling)
    assert all(s.source == "management" for s in sampling)


def test_stop_reports_stopped() -> None:
    recorder = Recorder()
    monitor = QueueMonitor(monitor_profile(interval=60.0), recorder)
    monitor.start()
    recorder.wait_for(lambda: len(recorder.rounds) >= 1)
    monitor.stop(timeout=5.0)  # must not wait out the 60 s interval
    assert not monitor.is_alive()
    assert recorder.states[-1].phase is MonitorPhase.STOPPED
