"""Where a message published to an exchange goes, worked out over a Topology (no broker call).

It follows the broker's own routing (rabbit_exchange:route): each exchange routes the message
by its type; an exchange where no binding matched hands it to its alternate exchange, if it
has one that exists; exchange-to-exchange bindings are followed, each exchange at most once
(so cycles end), and a queue reached by several paths gets the message once. The default
exchange ("") delivers to the queue named by the routing key. A message also carries the
routing keys in its CC and BCC headers (sender-selected distribution). Internal exchanges
refuse publishes but route what other exchanges pass them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from opsdesk.broker.headers_match import headers_match
from opsdesk.broker.topic_match import topic_matches
from opsdesk.broker.topology import DEFAULT_EXCHANGE, Binding, DestinationType, Exchange, Topology

Via = Literal["binding", "alternate", "default"]
Refusal = Literal["no_exchange", "internal"]
TRACED_TYPES = ("direct", "topic", "fanout", "headers")


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a path: from an exchange to a queue or another exchange."""

    source: str  # the exchange ("" is the default exchange)
    source_type: str
    destination: str
    destination_type: DestinationType
    via: Via  # a binding, the source's alternate exchange, or the default exchange's rule
    binding_key: str = ""  # the binding's key (the queue's name for the default exchange)
    arguments: dict[str, Any] = field(default_factory=dict, hash=False)  # headers bindings

    @classmethod
    def of_binding(cls, binding: Binding, source_type: str) -> Hop:
        return cls(
            binding.source,
            source_type,
            binding.destination,
            binding.destination_type,
            "binding",
            binding.routing_key,
            binding.arguments,
        )


@dataclass(frozen=True, slots=True)
class RoutePath:
    """Hops from the exchange published to (or a feeding exchange) to one queue."""

    hops: tuple[Hop, ...]

    @property
    def start(self) -> str:
        return self.hops[0].source

    @property
    def end(self) -> str:
        return self.hops[-1].destination

    @property
    def exchanges(self) -> tuple[str, ...]:
        return tuple(hop.source for hop in self.hops)


@dataclass(frozen=True, slots=True)
class QueueReached:
    queue: str
    paths: tuple[RoutePath, ...]  # shortest first; one per binding that delivers into it


@dataclass(frozen=True, slots=True)
class ExchangeVisit:
    """What happened to the message at one exchange on its way."""

    exchange: str
    type: str
    matched: tuple[Binding, ...]  # the bindings that took it
    alternate: str | None = None  # the alternate exchange it went to, nothing having matched
    note: str | None = None  # why the tracer cannot say more, or why the alternate failed


@dataclass(frozen=True, slots=True)
class Route:
    exchange: str
    routing_key: str
    headers: dict[str, Any] = field(default_factory=dict, hash=False)
    routing_keys: tuple[str, ...] = ()  # the routing key, then those in CC and BCC
    queues: tuple[QueueReached, ...] = ()  # by queue name
    visits: tuple[ExchangeVisit, ...] = ()  # in the order the exchanges were reached
    refusal: Refusal | None = None  # set: the broker refuses the publish itself
    untraceable: tuple[str, ...] = ()  # exchanges of types the tracer cannot follow

    @property
    def queue_names(self) -> tuple[str, ...]:
        return tuple(reached.queue for reached in self.queues)

    @property
    def routed(self) -> bool:
        return bool(self.queues)

    @property
    def complete(self) -> bool:
        """False when an exchange on the way has a type whose choices cannot be known."""
        return not self.untraceable


def routing_keys(routing_key: str, headers: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys the broker routes by: the message's, then those in its CC and BCC headers."""
    keys = [routing_key]
    for name in ("CC", "BCC"):
        extra = headers.get(name)
        if isinstance(extra, list | tuple):
            keys += [str(key) for key in extra if isinstance(key, str | bytes)]
    return tuple(dict.fromkeys(keys))


def trace(
    topology: Topology,
    exchange: str,
    routing_key: str,
    headers: Mapping[str, Any] | None = None,
) -> Route:
    """Where a message with `routing_key` and `headers` published to `exchange` lands."""
    headers = dict(headers or {})
    keys = routing_keys(routing_key, headers)
    route = Route(exchange, routing_key, headers, keys)
    if exchange == DEFAULT_EXCHANGE:
        return _default_exchange(topology, route)
    start = topology.exchanges.get(exchange)
    if start is None:
        return replace(route, refusal="no_exchange")
    if start.internal:
        return replace(route, refusal="internal")
    return _walk(topology, route)


def _default_exchange(topology: Topology, route: Route) -> Route:
    reached = [
        QueueReached(key, (RoutePath((Hop("", "direct", key, "queue", "default", key),)),))
        for key in sorted(route.routing_keys)
        if key in topology.queues
    ]
    matched = tuple(Binding("", q.queue, "queue", q.queue) for q in reached)
    return replace(route, queues=tuple(reached), visits=(ExchangeVisit("", "direct", matched),))


def _walk(topology: Topology, route: Route) -> Route:
    path_to: dict[str, tuple[Hop, ...]] = {route.exchange: ()}
    pending = deque([route.exchange])
    reached: dict[str, list[RoutePath]] = {}
    visits: list[ExchangeVisit] = []
    untraceable: list[str] = []
    while pending:
        exchange = topology.exchanges[pending.popleft()]
        visit, hops = _route_at(topology, exchange, route)
        visits.append(visit)
        if exchange.type not in TRACED_TYPES:
            untraceable.append(exchange.name)
        for hop in hops:
            path = (*path_to[exchange.name], hop)
            if hop.destination_type == "queue":
                reached.setdefault(hop.destination, []).append(RoutePath(path))
            elif hop.destination not in path_to and hop.destination in topology.exchanges:
                path_to[hop.destination] = path
                pending.append(hop.destination)
    queues = tuple(
        QueueReached(name, tuple(sorted(paths, key=lambda p: len(p.hops))))
        for name, paths in sorted(reached.items())
    )
    return replace(route, queues=queues, visits=tuple(visits), untraceable=tuple(untraceable))


def _route_at(
    topology: Topology, exchange: Exchange, route: Route
) -> tuple[ExchangeVisit, list[Hop]]:
    if exchange.type not in TRACED_TYPES:
        note = f"a {exchange.type} exchange chooses among its bindings itself: not traced"
        return ExchangeVisit(exchange.name, exchange.type, (), note=note), []
    matched = matching_bindings(exchange, topology.bindings_from(exchange.name), route)
    hops = [Hop.of_binding(binding, exchange.type) for binding in matched]
    visit = ExchangeVisit(exchange.name, exchange.type, matched)
    alternate = exchange.alternate_exchange
    if matched or alternate is None:
        return visit, hops
    if alternate not in topology.exchanges:
        note = f"its alternate exchange {alternate!r} does not exist"
        return replace(visit, note=note), []
    hop = Hop(exchange.name, exchange.type, alternate, "exchange", "alternate")
    return replace(visit, alternate=alternate), [hop]


def matching_bindings(
    exchange: Exchange, bindings: Sequence[Binding], route: Route
) -> tuple[Binding, ...]:
    """The bindings of `exchange` that take the message (its type is one of TRACED_TYPES)."""
    keys = route.routing_keys
    if exchange.type == "fanout":
        return tuple(bindings)
    if exchange.type == "direct":
        return tuple(b for b in bindings if b.routing_key in keys)
    if exchange.type == "topic":
        return tuple(b for b in bindings if any(topic_matches(b.routing_key, k) for k in keys))
    return tuple(b for b in bindings if headers_match(b.arguments, route.headers))
