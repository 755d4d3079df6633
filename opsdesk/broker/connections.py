"""The broker's connections and channels from the management API, and which are held back.

A connection in state `blocked` has had its publishes stopped by a memory or disk alarm;
`blocking` will be stopped the moment it publishes; `flow` is being slowed by credit flow
(the broker cannot keep up). A channel in `flow` is slowed the same way. These figures come
from the API's statistics, refreshed every 5 s by default: `read_at` says when they were read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from opsdesk.broker.api_fields import (
    dict_entries,
    epoch_ms,
    int_field,
    mapping_field,
    text_field,
)
from opsdesk.broker.management_api import ManagementClient

HELD_STATES = frozenset({"blocked", "blocking", "flow"})

_CONNECTION_COLUMNS = (
    "name,user,vhost,state,channels,client_properties,user_provided_name,"
    "peer_host,peer_port,protocol,node,connected_at"
)
_CHANNEL_COLUMNS = (
    "name,number,user,vhost,state,consumer_count,prefetch_count,global_prefetch_count,"
    "messages_unacknowledged,messages_unconfirmed,confirm,transactional,connection_details"
)


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """What the client said about itself when it connected (its client properties)."""

    connection_name: str | None = None  # the name the application gave its connection
    product: str | None = None  # e.g. "pika", "RabbitMQ" (Java), "payments-api"
    version: str | None = None
    platform: str | None = None

    @staticmethod
    def of(entry: dict[str, Any]) -> ClientIdentity:
        props = mapping_field(entry.get("client_properties"))
        name = props.get("connection_name") or entry.get("user_provided_name")
        return ClientIdentity(
            connection_name=text_field(name),
            product=text_field(props.get("product")),
            version=text_field(props.get("version")),
            platform=text_field(props.get("platform")),
        )


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    name: str  # the broker's name for it: "10.0.0.5:52792 -> 10.0.0.9:5672"
    user: str
    vhost: str
    state: str | None  # running, blocked, blocking, flow, closing, ...; None: not reported yet
    channels: int | None
    client: ClientIdentity
    peer_host: str | None
    peer_port: int | None
    protocol: str | None  # "AMQP 0-9-1", ...
    node: str | None
    connected_at: datetime | None  # UTC
    read_at: datetime  # UTC

    @property
    def blocked(self) -> bool:
        """Publishes are stopped (or will be at the next publish) by a resource alarm."""
        return self.state in ("blocked", "blocking")

    @property
    def flow_controlled(self) -> bool:
        return self.state == "flow"

    @property
    def label(self) -> str:
        """The client's own name for the connection when it gave one, else the broker's."""
        return self.client.connection_name or self.name


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    name: str  # "<connection name> (<number>)"
    connection_name: str
    number: int | None
    user: str
    vhost: str
    state: str | None  # running, flow, closing, ...
    consumers: int | None
    prefetch: int | None  # per consumer; 0 is unlimited
    global_prefetch: int | None  # shared by the channel's consumers; 0 is unlimited
    unacked: int | None
    unconfirmed: int | None
    confirm: bool  # publisher confirms on
    transactional: bool
    read_at: datetime

    @property
    def flow_controlled(self) -> bool:
        return self.state == "flow"


@dataclass(frozen=True, slots=True)
class BrokerConnections:
    read_at: datetime
    vhost: str | None  # None: every vhost the user may see
    connections: tuple[ConnectionInfo, ...]
    channels: tuple[ChannelInfo, ...]

    def held_back(self) -> tuple[ConnectionInfo, ...]:
        """Connections blocked, about to be blocked, or flow-controlled."""
        return tuple(c for c in self.connections if c.state in HELD_STATES)

    def channels_in_flow(self) -> tuple[ChannelInfo, ...]:
        return tuple(c for c in self.channels if c.flow_controlled)

    def channels_of(self, connection_name: str) -> tuple[ChannelInfo, ...]:
        return tuple(c for c in self.channels if c.connection_name == connection_name)


def read_connections(client: ManagementClient, vhost: str | None = None) -> BrokerConnections:
    """Connections and channels of `vhost`, or of the whole broker when None."""
    prefix = "/api" if vhost is None else f"/api/vhosts/{quote(vhost, safe='')}"
    connections = client.get(f"{prefix}/connections?columns={_CONNECTION_COLUMNS}")
    channels = client.get(f"{prefix}/channels?columns={_CHANNEL_COLUMNS}")
    read_at = datetime.now(UTC)
    return BrokerConnections(
        read_at=read_at,
        vhost=vhost,
        connections=tuple(
            sorted((connection_info(e, read_at) for e in dict_entries(connections)), key=_by_name)
        ),
        channels=tuple(
            sorted((channel_info(e, read_at) for e in dict_entries(channels)), key=_by_name)
        ),
    )


def read_connection_list(client: ManagementClient, vhost: str) -> dict[str, ConnectionInfo]:
    """The connections of `vhost` by the broker's name for them (no channels)."""
    answer = client.get(
        f"/api/vhosts/{quote(vhost, safe='')}/connections?columns={_CONNECTION_COLUMNS}"
    )
    read_at = datetime.now(UTC)
    infos = (connection_info(e, read_at) for e in dict_entries(answer))
    return {info.name: info for info in infos}


def connection_info(entry: dict[str, Any], read_at: datetime) -> ConnectionInfo:
    return ConnectionInfo(
        name=str(entry.get("name", "")),
        user=str(entry.get("user", "")),
        vhost=str(entry.get("vhost", "")),
        state=text_field(entry.get("state")),
        channels=int_field(entry.get("channels")),
        client=ClientIdentity.of(entry),
        peer_host=text_field(entry.get("peer_host")),
        peer_port=int_field(entry.get("peer_port")),
        protocol=text_field(entry.get("protocol")),
        node=text_field(entry.get("node")),
        connected_at=epoch_ms(entry.get("connected_at")),
        read_at=read_at,
    )


def channel_info(entry: dict[str, Any], read_at: datetime) -> ChannelInfo:
    details = mapping_field(entry.get("connection_details"))
    return ChannelInfo(
        name=str(entry.get("name", "")),
        connection_name=str(details.get("name", "")),
        number=int_field(entry.get("number")),
        user=str(entry.get("user", "")),
        vhost=str(entry.get("vhost", "")),
        state=text_field(entry.get("state")),
        consumers=int_field(entry.get("consumer_count")),
        prefetch=int_field(entry.get("prefetch_count")),
        global_prefetch=int_field(entry.get("global_prefetch_count")),
        unacked=int_field(entry.get("messages_unacknowledged")),
        unconfirmed=int_field(entry.get("messages_unconfirmed")),
        confirm=bool(entry.get("confirm", False)),
        transactional=bool(entry.get("transactional", False)),
        read_at=read_at,
    )


def _by_name(info: ConnectionInfo | ChannelInfo) -> str:
    return info.name
