"""A batch's messages decoded into events, as the writers store them.

Events cross to the writer process as field tuples: pickling those costs a fraction of
pickling the dataclasses (measured in benchmarks/ingest.py's notes).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from opsdesk.events.decode import decode_many
from opsdesk.events.mapping import FieldMapping
from opsdesk.events.model import PaymentEvent, RawMessage
from opsdesk.ingest.source import Batch

_FIELDS = tuple(f.name for f in dataclasses.fields(PaymentEvent))
_event_fields = operator.attrgetter(*_FIELDS)

EventFields = tuple[Any, ...]


def received_stamp() -> str:
    """The received_at of a batch being decoded now: UTC, milliseconds, 'Z'."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def decode_batch(
    batch: Batch, mappings: Sequence[FieldMapping], between: Callable[[], object] | None = None
) -> list[PaymentEvent]:
    """`between`: called before each message (the window's give_way)."""
    messages = batch.raw_messages()
    if between is None:
        return decode_messages(messages, received_stamp(), mappings)
    received_at = received_stamp()
    events: list[PaymentEvent] = []
    for message in messages:
        between()
        events.extend(decode_many(message, received_at, mappings))
    return events


def decode_messages(
    messages: Iterable[RawMessage], received_at: str, mappings: Sequence[FieldMapping]
) -> list[PaymentEvent]:
    return [event for message in messages for event in decode_many(message, received_at, mappings)]


def decode_fields(batch: Batch, mappings: Sequence[FieldMapping]) -> list[EventFields]:
    """The batch decoded into PaymentEvent field tuples, ready to cross to a child."""
    return [_event_fields(event) for event in decode_batch(batch, mappings)]


def to_events(fields: Sequence[EventFields]) -> list[PaymentEvent]:
    return [PaymentEvent(*f) for f in fields]
