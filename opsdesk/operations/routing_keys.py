"""A copy sent to one queue keeps its routing key, and a parked message remembers where it lived.

Publishing to a queue through the default exchange means routing key = the queue's name, so a
parked message would carry the parking queue's name and a message sent home its home queue's,
and a consumer that dispatches on the routing key would see neither. Instead the copy is
published through the default exchange with its own routing key and a `BCC` header naming the
queue (RabbitMQ's sender-selected distribution: the broker routes to the BCC queue too and
removes the header before delivery). That is only safe when no queue is named like the routing
key (the default exchange would deliver a second copy there); then the queue's name is used, as
before, and the original key stays in `x-opsdesk-original-routing-key`.

Parking records, in headers of opsdesk's own, the queue the message was parked from and the
exchange and routing key it had there: RabbitMQ (3.13+) no longer interprets an `x-death`
header that a client republishes, and a park is no dead-lettering the broker would record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from opsdesk.broker.deliveries import plain_value
from opsdesk.operations.plan import Destination

BCC = "BCC"
PARKED_FROM = "x-opsdesk-parked-from"
PARKED_AT = "x-opsdesk-parked-at"
PARKED_BY = "x-opsdesk-parked-by"
ORIGINAL_EXCHANGE = "x-opsdesk-original-exchange"
ORIGINAL_ROUTING_KEY = "x-opsdesk-original-routing-key"
# Dropped when a parked message is sent home: its park is over, and a stale "parked from"
# must not decide where it goes the next time it dies.
PARK_HEADERS = (PARKED_FROM, PARKED_AT, PARKED_BY)


def header_text(headers: Mapping[str, Any] | None, name: str) -> str | None:
    value = plain_value((headers or {}).get(name))
    return value if isinstance(value, str) else None


def park_headers(
    headers: Mapping[str, Any] | None,
    queue: str,
    exchange: str,
    routing_key: str,
    operator: str,
    at: str,
) -> dict[str, Any]:
    """What a message parked from `queue` gains: where it was and how it got there."""
    # Delivered through the default exchange (a copy opsdesk made, sent home): the exchange it
    # was first published to is the one an earlier park recorded.
    known_exchange = exchange or header_text(headers, ORIGINAL_EXCHANGE) or ""
    return {
        PARKED_FROM: queue,
        PARKED_AT: at,
        PARKED_BY: operator,
        ORIGINAL_EXCHANGE: known_exchange,
        ORIGINAL_ROUTING_KEY: routing_key,
    }


class KeyKeeper:
    """The routing key and headers to publish a copy with so that it keeps its routing key."""

    def __init__(self, queue_exists: Callable[[str], bool]) -> None:
        self._queue_exists = queue_exists
        self._names: dict[str, bool] = {}

    def wire(self, destination: Destination, routing_key: str | None) -> tuple[str, dict[str, Any]]:
        """(routing key to publish with, headers to add) for a copy carrying `routing_key`.

        An exchange destination is published with its own routing key, as the operator chose.
        """
        if not destination.is_queue or routing_key is None:
            return destination.routing_key, {}
        if routing_key == destination.routing_key or self._taken(routing_key):
            return destination.routing_key, {}
        return routing_key, {BCC: [destination.routing_key]}

    def carried(self, destination: Destination, routing_key: str | None) -> str:
        """The routing key the copy arrives with."""
        return self.wire(destination, routing_key)[0]

    def _taken(self, routing_key: str) -> bool:
        """Whether a queue is named like `routing_key` (the default exchange would route there)."""
        if not routing_key:
            return False  # no queue is named ""
        if routing_key not in self._names:
            self._names[routing_key] = self._queue_exists(routing_key)
        return self._names[routing_key]
