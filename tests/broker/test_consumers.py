"""Who consumes a queue, and the broker's connections and channels, against the real broker.

A blocked connection needs a resource alarm: node health's tests raise one, not these.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pika
import pytest
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.connections import BrokerConnections, ConnectionInfo, read_connections
from opsdesk.broker.consumers import QueueConsumers, read_consumers
from opsdesk.broker.management_api import ManagementClient, ManagementNotFound
from opsdesk.config.endpoint import BrokerEndpoint
from tests.conftest import BROKER_URL, BrokerObjects, poll_until

pytestmark = pytest.mark.broker


@pytest.fixture
def client() -> ManagementClient:
    return ManagementClient(BrokerEndpoint(url=BROKER_URL))


@pytest.fixture
def service(unique_name: str) -> Iterator[BlockingConnection]:
    """A consuming service's connection, named as a client names it."""
    parameters = pika.URLParameters(BROKER_URL)
    parameters.client_properties = {
        "connection_name": f"{unique_name}.settlement-worker",
        "product": "settlement-service",
    }
    connection = pika.BlockingConnection(parameters)
    try:
        yield connection
    finally:
        connection.close()


def test_consumers_of_a_queue_with_their_connection(
    broker: BrokerObjects,
    unique_name: str,
    client: ManagementClient,
    service: BlockingConnection,
) -> None:
    queue = broker.queue(unique_name)
    manual = service.channel()
    manual.basic_qos(prefetch_count=7)
    manual.basic_consume(queue, lambda *_: None, consumer_tag=f"{unique_name}.manual")
    automatic = service.channel()
    automatic.basic_qos(prefetch_count=3)
    automatic.basic_consume(
        queue, lambda *_: None, auto_ack=True, exclusive=False, consumer_tag="auto"
    )
    found: list[QueueConsumers] = []

    def both_listed() -> bool:
        found[:] = [read_consumers(client, queue)]
        # A consumer is listed before its channel's details, which come with the broker's next
        # statistics emission (~5 s later).
        consumers = found[0].consumers
        return len(consumers) == 2 and all(c.channel_number is not None for c in consumers)

    poll_until(both_listed, 20.0, f"two consumers never listed: {found}")
    by_tag = {c.consumer_tag: c for c in found[0].consumers}
    first, second = by_tag[f"{unique_name}.manual"], by_tag["auto"]
    assert (first.prefetch, first.ack_required, second.prefetch, second.ack_required) == (
        7,
        True,
        3,
        False,
    )
    assert first.channel_number != second.channel_number
    for consumer in (first, second):
        assert consumer.queue == queue and consumer.vhost == "/"
        assert consumer.client.connection_name == f"{unique_name}.settlement-worker"
        assert consumer.label == f"{unique_name}.settlement-worker"
        assert consumer.client.product == "settlement-service"
        assert consumer.peer_host == "127.0.0.1" and consumer.user == "guest"
        assert consumer.active and not consumer.exclusive
        assert consumer.connection_name.endswith("-> 127.0.0.1:5672")
        assert consumer.connected_at is not None
        assert timedelta(0) <= datetime.now(UTC) - consumer.connected_at < timedelta(minutes=1)
    assert found[0].to_dict()["consumers"][0]["client_connection_name"] == (
        f"{unique_name}.settlement-worker"
    )


def test_a_queue_without_consumers_and_a_missing_queue(
    broker: BrokerObjects, unique_name: str, client: ManagementClient
) -> None:
    queue = broker.queue(unique_name)
    assert read_consumers(client, queue).consumers == ()
    with pytest.raises(ManagementNotFound):
        read_consumers(client, f"{unique_name}.missing")


def test_connections_and_channels_of_the_broker(
    broker: BrokerObjects,
    unique_name: str,
    client: ManagementClient,
    service: BlockingConnection,
) -> None:
    queue = broker.queue(unique_name)
    channel = service.channel()
    channel.basic_qos(prefetch_count=5)
    channel.basic_consume(queue, lambda *_: None)
    service.channel().confirm_delivery()
    name = f"{unique_name}.settlement-worker"
    seen: list[BrokerConnections] = []

    def mine() -> ConnectionInfo | None:
        return next((c for c in seen[0].connections if c.client.connection_name == name), None)

    def reported() -> bool:
        seen[:] = [read_connections(client, "/")]
        connection = mine()
        return connection is not None and connection.channels == 2 and connection.state is not None

    # Listed after one statistics emission, its channel count after the next (~10 s here).
    poll_until(reported, 20.0, "the service's connection never showed its two channels")
    connection = mine()
    assert connection is not None
    assert (connection.state, connection.user, connection.vhost) == ("running", "guest", "/")
    assert connection.client.product == "settlement-service" and connection.label == name
    assert connection.protocol == "AMQP 0-9-1" and connection.peer_host == "127.0.0.1"
    assert not connection.blocked and not connection.flow_controlled
    assert connection not in seen[0].held_back()
    channels = seen[0].channels_of(connection.name)
    assert sorted((c.consumers, c.prefetch, c.confirm) for c in channels) == [
        (0, 0, True),
        (1, 5, False),
    ]
    assert all(c.state == "running" and not c.flow_controlled for c in channels)
    everywhere = read_connections(client)
    assert everywhere.vhost is None
    assert connection.name in {c.name for c in everywhere.connections}
