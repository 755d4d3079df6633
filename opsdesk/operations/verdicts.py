"""What a sweep hands each selected message to, and what the handler may answer."""

from __future__ import annotations

from dataclasses import dataclass

import pika

from opsdesk.operations.plan import Destination


@dataclass(frozen=True, slots=True)
class SweptMessage:
    key: str
    exchange: str
    routing_key: str
    redelivered: bool
    properties: pika.BasicProperties
    body: bytes


@dataclass(frozen=True, slots=True)
class Publish:
    destination: Destination
    properties: pika.BasicProperties
    body: bytes


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
