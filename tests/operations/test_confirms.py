"""ConfirmingPublisher against the real broker: verdicts, and waits that end when they arrive."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pika
import pytest
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.operations.confirms import ConfirmingPublisher
from opsdesk.operations.plan import OutcomeStatus
from tests.conftest import BROKER_URL, BrokerObjects

PROPS = pika.BasicProperties(delivery_mode=2)


@pytest.fixture
def connection() -> Iterator[BlockingConnection]:
    conn = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    yield conn
    if conn.is_open:
        conn.close()


def test_a_confirm_ends_the_wait_at_once(
    broker: BrokerObjects, connection: BlockingConnection, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    publisher: ConfirmingPublisher[str] = ConfirmingPublisher(connection)
    publisher.publish("only", "", queue, b"{}", PROPS)
    started = time.monotonic()
    verdicts = []
    while not verdicts:
        publisher.pump(30.0)  # without the early end each turn would last 30 s
        verdicts = publisher.poll()
    assert time.monotonic() - started < 10.0
    assert [(v.token, v.status) for v in verdicts] == [("only", OutcomeStatus.DONE)]
    assert broker.message_count(queue) == 1
    publisher.close()


def test_many_publishes_leave_together_and_each_gets_its_verdict(
    broker: BrokerObjects, connection: BlockingConnection, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    publisher: ConfirmingPublisher[int] = ConfirmingPublisher(connection)
    for n in range(200):
        publisher.publish(n, "", queue, b'{"n": %d}' % n, PROPS)
    publisher.publish(200, "", unique_name + ".nowhere", b"{}", PROPS)  # unroutable
    verdicts = publisher.wait(30.0)
    statuses = {v.token: v.status for v in verdicts}
    assert statuses == {n: OutcomeStatus.DONE for n in range(200)} | {200: OutcomeStatus.UNROUTABLE}
    assert broker.message_count(queue) == 200
    publisher.close()
