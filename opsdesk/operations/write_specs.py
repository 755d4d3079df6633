"""The specs of the small writes that touch no queue's messages: declare a queue, publish one
test message. Plan.spec carries them from the preview to the run like every other action's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DeclareQueueSpec:
    """A queue to create exactly so; `arguments` are sent as they are (x-queue-type included)."""

    queue: str
    queue_type: str  # classic | quorum | stream
    durable: bool = True
    arguments: dict[str, Any] = field(default_factory=dict, hash=False)

    def describe(self) -> str:
        durability = "durable" if self.durable else "transient"
        shown = {k: v for k, v in self.arguments.items() if k != "x-queue-type"}
        with_arguments = f" with arguments {_json(shown)}" if shown else " without arguments"
        return f"declare {durability} {self.queue_type} queue {self.queue!r}{with_arguments}"


@dataclass(frozen=True, slots=True)
class PublishTestSpec:
    """One message an operator typed, published mandatory and confirmed."""

    exchange: str  # "" is the default exchange
    routing_key: str
    body: bytes
    content_type: str
    message_id: str
    headers: dict[str, Any] = field(default_factory=dict, hash=False)  # as sent
    # The queues the route tracer said it reaches when planned; None: it could not tell.
    expected_queues: tuple[str, ...] | None = None

    def describe(self) -> str:
        where = (
            f"queue {self.routing_key!r} (default exchange)"
            if self.exchange == ""
            else f"exchange {self.exchange!r} with routing key {self.routing_key!r}"
        )
        return f"publish test message {self.message_id} to {where}"


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
