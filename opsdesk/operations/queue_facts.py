"""What an operation must know about queues and exchanges before it touches them."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pika.exceptions
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.delivery_limit import (
    UNKNOWN_VERSION,
    DeliveryLimit,
    effective_limit,
    unknown_limit,
)
from opsdesk.broker.management_api import (
    ManagementClient,
    ManagementError,
    queue_info,
)
from opsdesk.broker.pika_compat import server_properties
from opsdesk.operations.errors import NotFound, Refused
from opsdesk.operations.selection import topic_matches

log = logging.getLogger(__name__)


MANAGEMENT_TIMEOUT = 5.0  # seconds


@dataclass(frozen=True, slots=True)
class QueueFacts:
    name: str
    ready: int  # messages ready now (a passive declare's count)
    consumers: int
    type: str | None  # classic | quorum | stream; None: unknown (management API unreachable)
    dead_letter_exchange: str | None = None  # "" is the default exchange
    dead_letter_routing_key: str | None = None
    # The limit the broker applies (argument and policy resolved, RabbitMQ 4's default), or an
    # assumption when the management API could not say (see broker/delivery_limit.py).
    limit: DeliveryLimit = field(default_factory=lambda: unknown_limit(UNKNOWN_VERSION))
    management_error: str | None = None  # why the management API could not tell us more
    version: tuple[int, int] = UNKNOWN_VERSION  # the broker's (major, minor)

    @property
    def delivery_limit(self) -> int | None:
        return self.limit.value

    def fate_of_dead_letter(self) -> str:
        """Where a message the broker dead-letters from this queue goes, in words."""
        if self.type is None:
            return "dead-letter or drop it"
        if self.dead_letter_exchange is None:
            return "drop it (the queue has no dead-letter exchange)"
        return f"dead-letter it into exchange {self.dead_letter_exchange!r}"


def refuse_streams(facts: QueueFacts, what: str) -> None:
    """Streams keep messages after they are read: taking one out of them is not a thing."""
    if facts.type == "stream":
        raise Refused(f"{facts.name!r} is a stream: messages cannot be {what} from it")


def management_client(endpoint: Any, management_url: str | None) -> ManagementClient | None:
    try:
        # Longer than the monitor's: operations run on a worker and need the answer.
        return ManagementClient(endpoint, management_url, timeout=MANAGEMENT_TIMEOUT)
    except ValueError as exc:  # InvalidManagementURL
        log.warning("management API not usable: %s", exc)
        return None


def read_queue_facts(
    connection: BlockingConnection, client: ManagementClient | None, queue: str
) -> QueueFacts:
    """Depth and consumers over AMQP; type, dead-letter route and limit from the management API."""
    ready, consumers = _passive_queue(connection, queue)
    version = broker_version(connection, client)
    unknown = unknown_limit(version)
    if client is None:
        return QueueFacts(
            queue,
            ready,
            consumers,
            None,
            limit=unknown,
            management_error="not configured",
            version=version,
        )
    try:
        entry = client.queue(queue)
    except ManagementError as exc:
        return QueueFacts(
            queue,
            ready,
            consumers,
            None,
            limit=unknown,
            management_error=str(exc),
            version=version,
        )
    info = queue_info(entry, set())
    policy = entry.get("effective_policy_definition")
    return QueueFacts(
        name=queue,
        ready=ready,
        consumers=consumers,
        type=info.type,
        dead_letter_exchange=info.dead_letter_exchange,
        dead_letter_routing_key=info.dead_letter_routing_key,
        limit=effective_limit(
            info.type, info.arguments, policy if isinstance(policy, dict) else None, version
        ),
        version=version,
    )


def _passive_queue(connection: BlockingConnection, queue: str) -> tuple[int, int]:
    channel = connection.channel()  # a failed passive declare closes its channel
    try:
        frame = channel.queue_declare(queue, passive=True)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            raise NotFound(f"queue {queue!r} does not exist") from exc
        raise
    channel.close()
    return int(frame.method.message_count), int(frame.method.consumer_count)


def queue_exists(connection: BlockingConnection, queue: str) -> bool:
    try:
        _passive_queue(connection, queue)
    except NotFound:
        return False
    return True


def declare_queue(connection: BlockingConnection, queue: str) -> None:
    """Create `queue` as a durable classic queue without arguments (a parking queue)."""
    channel = connection.channel()
    try:
        channel.queue_declare(queue, durable=True)
    finally:
        if channel.is_open:
            channel.close()


def exchange_exists(connection: BlockingConnection, exchange: str) -> bool:
    if exchange == "":
        return True  # the default exchange always exists
    channel = connection.channel()
    try:
        channel.exchange_declare(exchange, passive=True)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            return False
        raise
    channel.close()
    return True


def server_version(connection: BlockingConnection) -> tuple[int, int]:
    """The broker's (major, minor); (0, 0) when it does not say."""
    raw = server_properties(connection).get("version", b"")
    return parse_version(raw.decode() if isinstance(raw, bytes) else str(raw))


def broker_version(
    connection: BlockingConnection, client: ManagementClient | None
) -> tuple[int, int]:
    """The connection's word for it, else the management API overview's; (0, 0) if neither."""
    version = server_version(connection)
    if version != UNKNOWN_VERSION or client is None:
        return version
    try:
        overview = client.get("/api/overview")
    except ManagementError as exc:
        log.info("broker version not read from the management API: %s", exc)
        return version
    return (
        parse_version(str(overview.get("rabbitmq_version", "")))
        if isinstance(overview, dict)
        else version
    )


def parse_version(text: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else UNKNOWN_VERSION


class RouteCheck:
    """Whether an exchange routes a routing key to somewhere (True / False / None = can't tell)."""

    def __init__(
        self,
        exchange: str,
        exchange_type: str | None,
        bindings: list[dict[str, Any]] | None,
        queue_exists: Callable[[str], bool],
    ) -> None:
        self.exchange = exchange
        self._type = exchange_type
        self._bindings = bindings
        self._queue_exists = queue_exists
        self._known: dict[str, bool | None] = {}

    def routes(self, routing_key: str) -> bool | None:
        if routing_key not in self._known:
            self._known[routing_key] = self._routes(routing_key)
        return self._known[routing_key]

    def _routes(self, routing_key: str) -> bool | None:
        if self.exchange == "":
            return self._queue_exists(routing_key)
        if self._bindings is None:
            return None
        if not self._bindings:
            return False
        keys = [str(b.get("routing_key", "")) for b in self._bindings]
        if self._type == "fanout":
            return True
        if self._type == "direct":
            return routing_key in keys
        if self._type == "topic":
            return any(topic_matches(key, routing_key) for key in keys)
        return None  # headers or a plugin type: bindings exist, the match is the broker's


def route_check(
    connection: BlockingConnection, client: ManagementClient | None, exchange: str
) -> RouteCheck:
    """A RouteCheck for `exchange`, as precise as the management API allows."""

    def exists(queue: str) -> bool:
        return queue_exists(connection, queue)

    if exchange == "" or client is None:
        return RouteCheck(exchange, None, None, exists)
    try:
        bindings = client.bindings_from(exchange)
        kind = client.exchange_type(exchange)
    except ManagementError as exc:
        log.info("cannot read bindings of %r: %s", exchange, exc)
        return RouteCheck(exchange, None, None, exists)
    return RouteCheck(exchange, kind, bindings, exists)
