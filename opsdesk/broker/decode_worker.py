"""Decoding in a child process, so it does not compete for the GIL with pika and SQLite.

On two cores the ingest pipeline is bound by the GIL when decoding shares the process with
pika's frame parsing: one child process gets the second core. Deliveries cross the process
boundary as plain tuples and come back as PaymentEvent field tuples (pickling those costs a
fraction of pickling the dataclasses, measured in benchmarks/ingest.py's notes).
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import operator
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from opsdesk.broker.deliveries import Delivery, plain_value, properties_dict, to_raw_message
from opsdesk.events.decode import decode_many
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import PaymentEvent, RawMessage

log = logging.getLogger(__name__)

_FIELDS = tuple(f.name for f in dataclasses.fields(PaymentEvent))
_event_fields = operator.attrgetter(*_FIELDS)
_mappings: tuple[FieldMapping, ...] = ()

WireDelivery = tuple[bytes, str, str, bool, dict[str, Any], dict[str, Any]]
EventFields = tuple[Any, ...]


def to_wire(delivery: Delivery) -> WireDelivery:
    props = delivery.properties
    headers = plain_value(props.headers) if props.headers else {}
    return (
        delivery.body,
        delivery.exchange,
        delivery.routing_key,
        delivery.redelivered,
        properties_dict(props),
        headers,
    )


def decode_wire(
    wire: Sequence[WireDelivery], received_at: str, mappings: Sequence[FieldMapping]
) -> list[EventFields]:
    """Decode deliveries into PaymentEvent field tuples (the same work as in-process)."""
    out: list[EventFields] = []
    for body, exchange, routing_key, redelivered, properties, headers in wire:
        raw = RawMessage(body, exchange, routing_key, properties, headers, redelivered)
        out.extend(_event_fields(e) for e in decode_many(raw, received_at, mappings))
    return out


def decode_fields(
    deliveries: Sequence[Delivery], received_at: str, mappings: Sequence[FieldMapping]
) -> list[EventFields]:
    """Decode deliveries here into PaymentEvent field tuples, ready to cross to a child."""
    return [
        _event_fields(event)
        for delivery in deliveries
        for event in decode_many(to_raw_message(delivery), received_at, mappings)
    ]


def to_events(fields: Sequence[EventFields]) -> list[PaymentEvent]:
    return [PaymentEvent(*f) for f in fields]


def _init_child(mappings: tuple[FieldMapping, ...]) -> None:
    global _mappings
    _mappings = mappings


def _decode_in_child(wire: list[WireDelivery], received_at: str) -> list[EventFields]:
    return decode_wire(wire, received_at, _mappings)


class DecodeProcess:
    """One child process; `submit` returns futures that complete in submission order."""

    def __init__(self, mappings: Sequence[FieldMapping]) -> None:
        # spawn, never fork: the parent has threads (and, in the app, Qt).
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_child,
            initargs=(tuple(mappings),),
        )

    def submit(self, wire: list[WireDelivery], received_at: str) -> Future[list[EventFields]]:
        return self._pool.submit(_decode_in_child, wire, received_at)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
