"""What a sweep hands each selected message to, and what the handler may answer."""

from __future__ import annotations

from dataclasses import dataclass

import pika
import pika.spec

from opsdesk.operations.plan import Destination
from opsdesk.operations.selection import message_key


@dataclass(frozen=True, slots=True)
class SweptMessage:
    key: str
    exchange: str
    routing_key: str
    redelivered: bool
    properties: pika.BasicProperties
    body: bytes

    @classmethod
    def of(
        cls, method: pika.spec.Basic.Deliver, props: pika.BasicProperties, body: bytes
    ) -> SweptMessage:
        """The message of one delivery, keyed as a browse row is (selection.message_key)."""
        return cls(
            message_key(props, body),
            method.exchange,
            method.routing_key,
            bool(method.redelivered),
            props,
            body,
        )


@dataclass(frozen=True, slots=True)
class Publish:
    destination: Destination
    properties: pika.BasicProperties
    body: bytes
    # Published with this routing key instead of the destination's (a copy to a queue that
    # keeps its own key: the properties then carry the BCC header, see routing_keys.py).
    routing_key: str | None = None

    @property
    def wire_routing_key(self) -> str:
        return self.destination.routing_key if self.routing_key is None else self.routing_key


@dataclass(frozen=True, slots=True)
class Reject:
    """basic.reject(requeue=False): the broker dead-letters it atomically."""

    destination: Destination | None = None  # for the report only


@dataclass(frozen=True, slots=True)
class Leave:
    """Do not touch it; report why."""

    reason: str


Verdict = Publish | Reject | Leave


class Handler:
    """Decides what happens to one selected message; subclass per operation."""

    def verdict(self, message: SweptMessage) -> Verdict:
        raise NotImplementedError
