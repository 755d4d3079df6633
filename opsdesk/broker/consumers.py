"""Who consumes a queue: each consumer with its connection, prefetch, ack mode and age.

Two GETs: the queue's `consumer_details`, then the vhost's connections for what the
consumers' clients call themselves and since when they are connected (only when the queue
has consumers). A connection that closed between the two reads leaves those fields empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from opsdesk.broker.api_fields import dict_entries, int_field, mapping_field, text_field
from opsdesk.broker.connections import ClientIdentity, ConnectionInfo, read_connection_list
from opsdesk.broker.management_api import ManagementClient


@dataclass(frozen=True, slots=True)
class ConsumerInfo:
    queue: str
    vhost: str
    consumer_tag: str
    connection_name: str  # the broker's name: "10.0.0.5:52792 -> 10.0.0.9:5672"
    client: ClientIdentity  # the client's own connection name, product, ...
    peer_host: str | None
    peer_port: int | None
    user: str | None
    channel: str  # the broker's channel name: "<connection name> (<number>)"
    channel_number: int | None
    prefetch: int | None  # unacked deliveries allowed; 0 is unlimited
    ack_required: bool  # manual acks; False: automatic (a crash loses what was in flight)
    exclusive: bool
    active: bool  # False: a single-active-consumer standby
    activity_status: str | None  # up, single_active, waiting
    connected_at: datetime | None  # UTC: when its connection opened
    read_at: datetime  # UTC
    arguments: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        """The client's own connection name when it gave one, else the broker's."""
        return self.client.connection_name or self.connection_name

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "vhost": self.vhost,
            "consumer_tag": self.consumer_tag,
            "connection_name": self.connection_name,
            "client_connection_name": self.client.connection_name,
            "client_product": self.client.product,
            "client_version": self.client.version,
            "client_platform": self.client.platform,
            "peer_host": self.peer_host,
            "peer_port": self.peer_port,
            "user": self.user,
            "channel": self.channel,
            "channel_number": self.channel_number,
            "prefetch": self.prefetch,
            "ack_required": self.ack_required,
            "exclusive": self.exclusive,
            "active": self.active,
            "activity_status": self.activity_status,
            "connected_at": self.connected_at.isoformat() if self.connected_at else None,
            "read_at": self.read_at.isoformat(),
            "arguments": self.arguments,
        }


@dataclass(frozen=True, slots=True)
class QueueConsumers:
    queue: str
    vhost: str
    read_at: datetime  # UTC
    consumers: tuple[ConsumerInfo, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "vhost": self.vhost,
            "read_at": self.read_at.isoformat(),
            "consumers": [c.to_dict() for c in self.consumers],
        }


def read_consumers(
    client: ManagementClient, queue: str, vhost: str | None = None
) -> QueueConsumers:
    """The consumers of `queue` in `vhost` (default: the client's).

    ManagementNotFound when the queue (or vhost) does not exist."""
    vhost = client.vhost if vhost is None else vhost
    path = f"/api/queues/{quote(vhost, safe='')}/{quote(queue, safe='')}"
    answer = client.get(f"{path}?columns=name,consumer_details")
    entries = dict_entries(answer.get("consumer_details") if isinstance(answer, dict) else None)
    connections = read_connection_list(client, vhost) if entries else {}
    read_at = datetime.now(UTC)
    consumers = tuple(
        sorted(
            (consumer_info(e, queue, vhost, connections, read_at) for e in entries),
            key=lambda c: (c.label, c.channel_number or 0, c.consumer_tag),
        )
    )
    return QueueConsumers(queue, vhost, read_at, consumers)


def consumer_info(
    entry: dict[str, Any],
    queue: str,
    vhost: str,
    connections: dict[str, ConnectionInfo],
    read_at: datetime,
) -> ConsumerInfo:
    channel = mapping_field(entry.get("channel_details"))
    connection_name = str(channel.get("connection_name", ""))
    connection = connections.get(connection_name)
    return ConsumerInfo(
        queue=queue,
        vhost=vhost,
        consumer_tag=str(entry.get("consumer_tag", "")),
        connection_name=connection_name,
        client=connection.client if connection else ClientIdentity(),
        peer_host=text_field(channel.get("peer_host")),
        peer_port=int_field(channel.get("peer_port")),
        user=text_field(channel.get("user")),
        channel=str(channel.get("name", "")),
        channel_number=int_field(channel.get("number")),
        prefetch=int_field(entry.get("prefetch_count")),
        ack_required=bool(entry.get("ack_required", True)),
        exclusive=bool(entry.get("exclusive", False)),
        active=bool(entry.get("active", True)),
        activity_status=text_field(entry.get("activity_status")),
        connected_at=connection.connected_at if connection else None,
        read_at=read_at,
        arguments=mapping_field(entry.get("arguments")),
    )
