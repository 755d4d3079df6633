"""Where a queue's dead letters go, and theirs after them: Q -> DLX -> queues -> their DLX ...

A dead letter is routed by the queue's dead-letter routing key when it has one, else by the
message's own key (which the caller may know, e.g. from the binding that feeds the queue).
Where the key decides and is not known, a step lists every queue the exchange could reach
under some key instead of one answer. A dead-letter exchange that does not exist drops the
message. A chain that comes back to a queue already in it is a cycle: RabbitMQ drops a
message that would go round one without any consumer rejecting it (expiry, length limit).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from opsdesk.broker.route_tracer import Route, trace
from opsdesk.broker.topology import DEFAULT_EXCHANGE, SettingSource, Topology

_KEYLESS_TYPES = ("fanout",)  # routes without looking at the key or the headers


@dataclass(frozen=True, slots=True)
class DeadLetterStep:
    """One queue's dead letters: to which exchange, by which key, and where they land."""

    queue: str
    exchange: str  # its dead-letter exchange ("" is the default exchange)
    set_by: SettingSource  # a queue argument or a policy
    routing_key: str | None  # what they are routed by; None: their own key, not known here
    key_from: Literal["queue", "message"]  # the queue's dead-letter routing key, or theirs
    exchange_exists: bool  # False: the broker drops them
    route: Route | None  # None when the exchange is missing or the unknown key would decide
    possible_queues: tuple[str, ...] = ()  # key unknown: every queue reachable under some key
    returns_to: tuple[str, ...] = ()  # queues earlier in the chain they come back to

    @property
    def queues(self) -> tuple[str, ...]:
        """Where these dead letters land (or may land, when the key is not known)."""
        return self.route.queue_names if self.route is not None else self.possible_queues


@dataclass(frozen=True, slots=True)
class DeadLetterChain:
    queue: str
    found: bool  # False: no such queue in the topology
    routing_key: str | None  # the messages' key the chain was followed with, if known
    steps: tuple[DeadLetterStep, ...] = ()  # breadth first from `queue`
    headers: dict[str, Any] = field(default_factory=dict, hash=False)

    def step_for(self, queue: str) -> DeadLetterStep | None:
        return next((step for step in self.steps if step.queue == queue), None)

    @property
    def ends(self) -> tuple[str, ...]:
        """Queues the chain reaches that dead-letter nowhere further."""
        reached = {q for step in self.steps for q in step.queues}
        return tuple(sorted(q for q in reached if self.step_for(q) is None))


def dead_letter_chain(
    topology: Topology,
    queue: str,
    routing_key: str | None = None,
    headers: Mapping[str, Any] | None = None,
) -> DeadLetterChain:
    """Follow `queue`'s dead letters; `routing_key`/`headers`: those of its messages, if known."""
    headers = dict(headers or {})
    if queue not in topology.queues:
        return DeadLetterChain(queue, False, routing_key, headers=headers)
    steps: list[DeadLetterStep] = []
    followed = {(queue, routing_key)}
    # Each entry: a queue, the key its messages carry, and the queues they came through.
    pending = deque([(queue, routing_key, frozenset({queue}))])
    while pending:
        name, key, behind = pending.popleft()
        step = _step(topology, name, key, headers, behind)
        if step is None:
            continue
        steps.append(step)
        for reached in step.queues:
            if reached in step.returns_to or (reached, step.routing_key) in followed:
                continue  # a cycle is named once, not followed round again
            followed.add((reached, step.routing_key))
            pending.append((reached, step.routing_key, behind | {reached}))
    return DeadLetterChain(queue, True, routing_key, tuple(steps), headers)


def _step(
    topology: Topology,
    name: str,
    key: str | None,
    headers: dict[str, Any],
    behind: frozenset[str],
) -> DeadLetterStep | None:
    queue = topology.queues.get(name)
    if queue is None or queue.dead_letter_exchange is None:
        return None
    exchange = queue.dead_letter_exchange
    own_key = queue.dead_letter_routing_key
    dead_letter_key = own_key if own_key is not None else key
    exists = exchange == DEFAULT_EXCHANGE or exchange in topology.exchanges
    route: Route | None = None
    possible: tuple[str, ...] = ()
    if exists and dead_letter_key is None and not _keyless(topology, exchange):
        possible = reachable_queues(topology, exchange)
    elif exists:
        route = trace(topology, exchange, dead_letter_key or "", headers)
    landed = route.queue_names if route is not None else possible
    return DeadLetterStep(
        queue=name,
        exchange=exchange,
        set_by=queue.dead_letter_from or "argument",
        routing_key=dead_letter_key,
        key_from="queue" if own_key is not None else "message",
        exchange_exists=exists,
        route=route,
        possible_queues=possible,
        returns_to=tuple(q for q in landed if q in behind),
    )


def _keyless(topology: Topology, exchange: str) -> bool:
    """Whether nothing reachable from `exchange` looks at the routing key or headers."""
    if exchange == DEFAULT_EXCHANGE:
        return False
    return all(
        topology.exchanges[name].type in _KEYLESS_TYPES
        for name in _exchanges_from(topology, exchange)
    )


def reachable_queues(topology: Topology, exchange: str) -> tuple[str, ...]:
    """Every queue a message to `exchange` could reach under some key and headers."""
    queues = {
        binding.destination
        for name in _exchanges_from(topology, exchange)
        for binding in topology.bindings_from(name)
        if binding.destination_type == "queue"
    }
    if exchange == DEFAULT_EXCHANGE:
        queues |= set(topology.queues)
    return tuple(sorted(queues))


def _exchanges_from(topology: Topology, exchange: str) -> list[str]:
    """`exchange` and every exchange its bindings or alternate exchanges lead to."""
    seen = [exchange] if exchange in topology.exchanges else []
    pending = list(seen)
    while pending:
        current = topology.exchanges[pending.pop()]
        following = [
            b.destination
            for b in topology.bindings_from(current.name)
            if b.destination_type == "exchange"
        ]
        if current.alternate_exchange is not None:
            following.append(current.alternate_exchange)
        for name in following:
            if name in topology.exchanges and name not in seen:
                seen.append(name)
                pending.append(name)
    return seen
