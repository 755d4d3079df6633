"""Decoded events as field tuples, the form in which they cross to the writer process.

Pickling PaymentEvent field tuples costs a fraction of pickling the dataclasses (measured
in benchmarks/ingest.py's notes).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from typing import Any

from opsdesk.broker.deliveries import Delivery, to_raw_message
from opsdesk.events.decode import decode_many
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import PaymentEvent

_FIELDS = tuple(f.name for f in dataclasses.fields(PaymentEvent))
_event_fields = operator.attrgetter(*_FIELDS)

EventFields = tuple[Any, ...]


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
