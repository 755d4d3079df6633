"""pika's private attributes that opsdesk relies on, checked on real objects of the installed pika.

When a pika upgrade renames one of them, these fail and name the pika_compat function that
needs it; opsdesk itself would only get slower (or, for `_impl`, break in an operator's move).
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import pika
import pika.channel
import pytest
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.broker.pika_compat import (
    ack_unflushed,
    async_channel,
    coalesce_output,
    connected_parameters,
    end_wait,
    reject_unflushed,
    server_properties,
)
from tests.conftest import BrokerObjects

pytestmark = pytest.mark.broker

PROPS = pika.BasicProperties(delivery_mode=2)


@pytest.fixture
def connection(broker: BrokerObjects) -> BlockingConnection:
    """The broker fixture's own connection: a real one, closed after the test."""
    return broker.connection


def _tx_buffers(connection: BlockingConnection) -> Any:
    return getattr(getattr(connection._impl, "_transport", None), "_tx_buffers", None)


# (what pika_compat reaches for, the functions that need it, a check on the real objects)
PRIVATE_ATTRIBUTES: list[tuple[str, str, Callable[[BlockingConnection, BlockingChannel], bool]]] = [
    (
        "BlockingChannel._impl",
        "async_channel, ack_unflushed, reject_unflushed",
        lambda conn, channel: isinstance(getattr(channel, "_impl", None), pika.channel.Channel),
    ),
    (
        "BlockingConnection._request_channel_dispatch",
        "end_wait",
        lambda conn, channel: callable(getattr(conn, "_request_channel_dispatch", None)),
    ),
    (
        "BlockingConnection._impl._transport._tx_buffers",
        "coalesce_output",
        lambda conn, channel: isinstance(_tx_buffers(conn), deque),
    ),
    (
        "BlockingConnection._impl.server_properties",
        "server_properties",
        lambda conn, channel: isinstance(getattr(conn._impl, "server_properties", None), dict),
    ),
    (
        "BlockingConnection._impl.params",
        "connected_parameters",
        lambda conn, channel: getattr(getattr(conn._impl, "params", None), "port", None) == 5672,
    ),
]


@pytest.mark.parametrize(
    ("attribute", "needed_by", "present"),
    PRIVATE_ATTRIBUTES,
    ids=[attribute for attribute, _, _ in PRIVATE_ATTRIBUTES],
)
def test_the_installed_pika_still_has_the_attribute(
    connection: BlockingConnection,
    attribute: str,
    needed_by: str,
    present: Callable[[BlockingConnection, BlockingChannel], bool],
) -> None:
    channel = connection.channel()
    assert present(connection, channel), (
        f"pika {pika.__version__} has no {attribute} (or it changed type): "
        f"opsdesk/broker/pika_compat.py {needed_by} must be adapted before raising pika's bound"
    )
    channel.close()


def test_async_channel_is_the_same_channel_without_the_waits(
    broker: BrokerObjects, connection: BlockingConnection, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    blocking = connection.channel()
    channel = async_channel(blocking)
    assert channel.channel_number == blocking.channel_number and channel.is_open
    channel.basic_publish("", queue, b"through the channel underneath", PROPS)
    connection.process_data_events(time_limit=0)
    blocking.close()  # after the publish on the same connection: the broker has it by now
    assert broker.message_count(queue) == 1


def test_end_wait_ends_process_data_events_at_once(connection: BlockingConnection) -> None:
    channel = connection.channel()
    end_wait(connection, channel)
    started = time.monotonic()
    connection.process_data_events(time_limit=20.0)  # without end_wait: 20 s
    assert time.monotonic() - started < 10.0
    channel.close()


def test_unflushed_ack_and_reject_leave_with_the_next_write(
    broker: BrokerObjects, connection: BlockingConnection, unique_name: str
) -> None:
    dead = broker.queue(unique_name + ".dlq")
    queue = broker.queue(
        unique_name, **{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead}
    )
    broker.publish("", queue, b"to ack")
    broker.publish("", queue, b"to reject")
    channel = connection.channel()
    first, _, _ = channel.basic_get(queue)
    second, _, _ = channel.basic_get(queue)
    assert first is not None and second is not None
    ack_unflushed(channel, first.delivery_tag)
    reject_unflushed(channel, second.delivery_tag)
    assert len(_tx_buffers(connection)) == 2  # one frame each, neither sent yet
    connection.process_data_events(time_limit=0)
    channel.close()  # without the ack and reject the close would requeue both
    assert broker.message_count(queue) == 0
    assert broker.message_count(dead) == 1


def test_coalescing_keeps_every_byte_in_order(
    broker: BrokerObjects, connection: BlockingConnection, unique_name: str
) -> None:
    queue = broker.queue(unique_name)
    channel = connection.channel()
    for n in range(50):
        async_channel(channel).basic_publish("", queue, b"body-%03d" % n, PROPS)
    buffers = _tx_buffers(connection)
    assert len(buffers) == 150  # method, header and body frame for each, not yet sent
    coalesce_output(connection)
    assert len(buffers) == 1
    connection.process_data_events(time_limit=0)
    channel.close()
    bodies = []
    while (got := broker.channel.basic_get(queue, auto_ack=True))[0] is not None:
        bodies.append(got[2])
    assert bodies == [b"body-%03d" % n for n in range(50)]


def test_server_properties_name_the_broker_and_its_version(connection: BlockingConnection) -> None:
    props = server_properties(connection)
    version = props.get("version", b"")
    text = version.decode() if isinstance(version, bytes) else str(version)
    assert re.match(r"\d+\.\d+", text), props


def test_connected_parameters_are_those_of_the_node_reached(connection: BlockingConnection) -> None:
    params = connected_parameters(connection)
    assert params is not None and (params.host, params.port) == ("127.0.0.1", 5672)
