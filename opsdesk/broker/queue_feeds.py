"""Why does queue Q receive nothing? Every way a message can reach it, and what each needs.

Walking the bindings backwards from the queue (exchange-to-exchange bindings and alternate
exchanges included) gives every path from an exchange a client can publish to; the default
exchange is always one (routing key = the queue's name). Along one path the routing key
stays the same, so the topic and direct binding keys on it must all match that one key:
`example_key` is one that does, and a path where none can is said so. Headers bindings on
the way ask for headers, not a key; a hop through an alternate exchange takes only what
matched no binding of the exchange before it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from opsdesk.broker.route_tracer import Hop, RoutePath
from opsdesk.broker.topic_match import (
    KeyPattern,
    exact_pattern,
    key_through,
    pattern_matches,
    topic_pattern,
)
from opsdesk.broker.topology import DEFAULT_EXCHANGE, Binding, Topology

MAX_PATHS = 100
MAX_HOPS = 8
_MAX_EXPLORED = 20 * MAX_PATHS  # partial paths looked at, internal exchanges' included


@dataclass(frozen=True, slots=True)
class FeedPath:
    path: RoutePath  # from an exchange a client can publish to, to the queue
    any_key: bool  # no binding on the path looks at the routing key
    example_key: str | None  # a routing key every binding key on it matches; None: no such key
    headers_bindings: tuple[dict[str, Any], ...]  # arguments of the headers bindings on it
    through_alternate: bool  # takes only what matched nothing at an exchange on the way
    dead_lettered_from: tuple[str, ...]  # queues whose dead letters enter at its start

    @property
    def possible(self) -> bool:
        return self.any_key or self.example_key is not None


@dataclass(frozen=True, slots=True)
class QueueFeeds:
    queue: str
    found: bool  # False: no such queue in the topology
    bindings: tuple[Binding, ...] = ()  # bound straight to the queue (not the default exchange)
    paths: tuple[FeedPath, ...] = ()  # shortest first; the default exchange's among them
    truncated: bool = False  # more than MAX_PATHS ways in (or longer than MAX_HOPS)

    @property
    def has_bindings(self) -> bool:
        return bool(self.bindings)

    @property
    def possible_paths(self) -> tuple[FeedPath, ...]:
        return tuple(p for p in self.paths if p.possible)


def queue_feeds(topology: Topology, queue: str) -> QueueFeeds:
    if queue not in topology.queues:
        return QueueFeeds(queue, False)
    bindings = topology.bindings_to(queue, "queue")
    hops, truncated = _paths_into(topology, queue, bindings)
    dead_letterers = _dead_letterers(topology)
    paths = tuple(_feed_path(RoutePath(h), dead_letterers) for h in hops)
    return QueueFeeds(queue, True, bindings, paths, truncated)


def _paths_into(
    topology: Topology, queue: str, bindings: tuple[Binding, ...]
) -> tuple[list[tuple[Hop, ...]], bool]:
    default = Hop(DEFAULT_EXCHANGE, "direct", queue, "queue", "default", queue)
    found: list[tuple[Hop, ...]] = [(default,)]
    pending: deque[tuple[Hop, ...]] = deque((_hop(topology, b),) for b in bindings)
    truncated = False
    explored = 0
    while pending:
        explored += 1
        if explored > _MAX_EXPLORED:
            return found, True
        tail = pending.popleft()
        source = topology.exchanges.get(tail[0].source)
        if source is None:
            continue
        if not source.internal:
            if len(found) >= MAX_PATHS:
                return found, True
            found.append(tail)
        if len(tail) >= MAX_HOPS:
            truncated = truncated or bool(_feeders(topology, source.name))
            continue
        on_path = {hop.source for hop in tail}
        pending.extend(
            (hop, *tail) for hop in _feeders(topology, source.name) if hop.source not in on_path
        )
    return found, truncated


def _feeders(topology: Topology, exchange: str) -> list[Hop]:
    """The hops into `exchange`: exchange-to-exchange bindings, and alternates it serves."""
    hops = [_hop(topology, b) for b in topology.bindings_to(exchange, "exchange")]
    hops += [
        Hop(x.name, x.type, exchange, "exchange", "alternate")
        for x in topology.alternate_for(exchange)
    ]
    return hops


def _hop(topology: Topology, binding: Binding) -> Hop:
    source = topology.exchanges.get(binding.source)
    return Hop.of_binding(binding, source.type if source is not None else "")


def _key_pattern(hop: Hop) -> KeyPattern | None:
    if hop.via == "default" or (hop.via == "binding" and hop.source_type == "direct"):
        return exact_pattern(hop.binding_key)
    if hop.via == "binding" and hop.source_type == "topic":
        return topic_pattern(hop.binding_key)
    return None


def _feed_path(
    path: RoutePath, dead_letterers: dict[str, list[tuple[str, str | None]]]
) -> FeedPath:
    patterns = [p for p in map(_key_pattern, path.hops) if p is not None]
    dead_lettered = [
        queue
        for queue, key in dead_letterers.get(path.start, [])
        if key is None or all(pattern_matches(p, key) for p in patterns)
    ]
    return FeedPath(
        path=path,
        any_key=not patterns,
        example_key=key_through(patterns) if patterns else None,
        headers_bindings=tuple(
            h.arguments for h in path.hops if h.via == "binding" and h.source_type == "headers"
        ),
        through_alternate=any(h.via == "alternate" for h in path.hops),
        dead_lettered_from=tuple(sorted(dead_lettered)),
    )


def _dead_letterers(topology: Topology) -> dict[str, list[tuple[str, str | None]]]:
    """Dead-letter exchange -> (queue, its dead-letter routing key) for queues that have one."""
    by_exchange: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for queue in topology.queues.values():
        if queue.dead_letter_exchange is not None:
            by_exchange[queue.dead_letter_exchange].append(
                (queue.name, queue.dead_letter_routing_key)
            )
    return by_exchange
