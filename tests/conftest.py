"""Fixtures shared by every test: thread hygiene and the real broker."""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pika
import pika.exceptions
import pytest

from opsdesk.ui.main_thread_gc import collect_due

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never read the user's real profiles.
os.environ["OPSDESK_CONFIG"] = os.path.join(os.path.dirname(__file__), "no-such-profiles.toml")
os.environ.pop("OPSDESK_URL", None)
os.environ.pop("OPSDESK_PASSWORD", None)

BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
# As in the app (opsdesk.ui.main_thread_gc): the cycle collector never runs on a worker
# thread, where it could free an earlier test's widgets. Tests collect on this thread.
gc.disable()

# pytest-timeout's signal only fires when Python code runs; a hang inside C (a Qt or SQLite
# call) would hold CI until its own limit. faulthandler's watchdog thread ends the run instead,
# with every thread's stack printed.
HARD_TIMEOUT_S = 300


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    faulthandler.dump_traceback_later(HARD_TIMEOUT_S, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def poll_until(
    condition: Callable[[], bool], timeout: float, failure: str, interval: float = 0.05
) -> None:
    """Wait for state that raises no signal (another process, the broker's counters, a port).

    The one place the tests poll: a condition checked every `interval` up to a deadline.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(interval)


@pytest.fixture(autouse=True)
def no_thread_left_running() -> Iterator[None]:
    """A test that leaves a thread running fails."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    for thread in threading.enumerate():
        if thread not in before:
            thread.join(max(0.0, deadline - time.monotonic()))
    collect_due()
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"threads left running: {[t.name for t in leaked]}"


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A broker-object name no other test (or run) uses."""
    return f"test.{request.node.name[:40]}.{uuid.uuid4().hex[:8]}".replace("[", "_").replace(
        "]", "_"
    )


class BrokerObjects:
    """Declares queues/exchanges for a test and deletes them afterwards."""

    def __init__(self) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()  # a publish returns once the broker has the message
        self.queues: list[str] = []
        self.exchanges: list[str] = []

    def exchange(self, name: str, kind: str = "topic") -> str:
        self.channel.exchange_declare(name, kind, durable=False, auto_delete=False)
        self.exchanges.append(name)
        return name

    def queue(self, name: str, **arguments: object) -> str:
        self.channel.queue_declare(name, durable=True, arguments=arguments or None)
        self.queues.append(name)
        return name

    def track_queue(self, name: str) -> str:
        """A queue the code under test declares: delete it afterwards too."""
        self.queues.append(name)
        return name

    def message_count(self, queue: str) -> int:
        return self.channel.queue_declare(queue, passive=True).method.message_count

    def publish(self, exchange: str, routing_key: str, body: bytes, **props: object) -> None:
        self.channel.basic_publish(
            exchange,
            routing_key,
            body,
            pika.BasicProperties(**props),  # type: ignore[arg-type]
        )

    def reconnect(self) -> None:
        """A fresh connection, e.g. after the test restarted the broker."""
        with contextlib.suppress(pika.exceptions.AMQPError):  # dead already: hence reconnecting
            self.connection.close()
        self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def cleanup(self) -> None:
        if not self.connection.is_open:
            self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = self.connection.channel()
        for queue in self.queues:
            channel.queue_delete(queue)
        for exchange in self.exchanges:
            channel.exchange_delete(exchange)
        self.connection.close()


@pytest.fixture
def broker() -> Iterator[BrokerObjects]:
    objects = BrokerObjects()
    try:
        yield objects
    finally:
        objects.cleanup()


@pytest.fixture
def payments(broker: BrokerObjects, unique_name: str) -> tuple[str, str]:
    """(a topic exchange of payment events, a processor queue bound to it for payment.#)."""
    exchange = broker.exchange(unique_name + ".payments", "topic")
    queue = broker.queue(unique_name + ".processor")
    broker.channel.queue_bind(queue, exchange, "payment.#")
    return exchange, queue
