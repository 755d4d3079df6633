"""Hand-made topologies for the route tracer's pure tests."""

from __future__ import annotations

from typing import Any

from opsdesk.broker.topology import Binding, Exchange, Queue, Topology


class Wiring:
    """A topology built line by line: `w.exchange("x", "topic")`, `w.bind("x", "q", "a.*")`."""

    def __init__(self) -> None:
        self.exchanges: dict[str, Exchange] = {"": Exchange("", "direct")}
        self.queues: dict[str, Queue] = {}
        self.bindings: list[Binding] = []

    def exchange(self, name: str, kind: str = "topic", **settings: Any) -> Wiring:
        self.exchanges[name] = Exchange(name, kind, **settings)
        return self

    def queue(self, name: str, **settings: Any) -> Wiring:
        self.queues[name] = Queue(name, **settings)
        return self

    def bind(self, source: str, queue: str, key: str = "", **arguments: Any) -> Wiring:
        self.queues.setdefault(queue, Queue(queue))
        self.bindings.append(Binding(source, queue, "queue", key, arguments))
        return self

    def bind_exchange(self, source: str, destination: str, key: str = "") -> Wiring:
        self.bindings.append(Binding(source, destination, "exchange", key))
        return self

    def topology(self) -> Topology:
        return Topology.of(self.exchanges.values(), self.queues.values(), self.bindings)
