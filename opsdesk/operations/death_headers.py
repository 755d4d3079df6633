"""Where a dead letter came from: opsdesk's park headers, `x-death`, `x-first-death-*`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opsdesk.broker.deliveries import plain_value
from opsdesk.operations.routing_keys import (
    ORIGINAL_EXCHANGE,
    ORIGINAL_ROUTING_KEY,
    PARKED_FROM,
    header_text,
)


@dataclass(frozen=True, slots=True)
class Death:
    """One `x-death` entry: the message died in `queue` for `reason`, `count` times."""

    queue: str
    reason: str
    exchange: str  # where it was published before it reached `queue`
    routing_keys: tuple[str, ...]
    count: int
    time: str | None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a dead letter lived before it died: the queue, and how it was published there."""

    queue: str
    exchange: str
    routing_keys: tuple[str, ...]
    reason: str


def deaths(headers: Mapping[str, Any] | None) -> list[Death]:
    """The `x-death` entries, newest first as the broker writes them."""
    raw = (headers or {}).get("x-death")
    if not isinstance(raw, list):
        return []
    found = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        keys = plain_value(entry.get("routing-keys") or [])
        when = entry.get("time")
        found.append(
            Death(
                queue=str(plain_value(entry.get("queue", ""))),
                reason=str(plain_value(entry.get("reason", ""))),
                exchange=str(plain_value(entry.get("exchange", ""))),
                routing_keys=tuple(str(k) for k in keys) if isinstance(keys, list) else (),
                count=int(entry.get("count") or 0),
                time=str(plain_value(when)) if when is not None else None,
            )
        )
    return found


def origin(headers: Mapping[str, Any] | None, current_queue: str) -> Origin | None:
    """Where it was parked from, else the newest death outside `current_queue`, else the first.

    A park is always the newest event: sending a parked message home drops its park headers.
    None when nothing says.
    """
    parked = header_text(headers, PARKED_FROM)
    if parked and parked != current_queue:
        key = header_text(headers, ORIGINAL_ROUTING_KEY)
        exchange = header_text(headers, ORIGINAL_EXCHANGE) or ""
        return Origin(parked, exchange, (key,) if key is not None else (), "parked")
    for death in deaths(headers):
        if death.queue and death.queue != current_queue:
            return Origin(death.queue, death.exchange, death.routing_keys, death.reason)
    table = headers or {}
    queue = plain_value(table.get("x-first-death-queue"))
    if not queue:
        return None
    exchange = plain_value(table.get("x-first-death-exchange")) or ""
    reason = plain_value(table.get("x-first-death-reason")) or ""
    return Origin(str(queue), str(exchange), (), str(reason))
