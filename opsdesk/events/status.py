"""Where a payment stands, from an explicit status word or the event type's last word."""

from __future__ import annotations

import re

from opsdesk.events.model import Status

# One vocabulary for status fields and event-type tails: producers use the same words in both.
STATUS_WORDS: dict[str, Status] = {
    "succeeded": Status.SUCCEEDED,
    "success": Status.SUCCEEDED,
    "successful": Status.SUCCEEDED,
    "captured": Status.SUCCEEDED,
    "completed": Status.SUCCEEDED,
    "paid": Status.SUCCEEDED,
    "failed": Status.FAILED,
    "failure": Status.FAILED,
    "declined": Status.FAILED,
    "rejected": Status.FAILED,
    "error": Status.FAILED,
    "pending": Status.PENDING,
    "requested": Status.PENDING,
    "created": Status.PENDING,
    "authorized": Status.PENDING,
    "authorised": Status.PENDING,
    "processing": Status.PENDING,
    "refunded": Status.REFUNDED,
}

_LAST_WORD = re.compile(r"[^._:/-]+$")


def derive_status(status: str | None, event_type: str | None, routing_key: str = "") -> Status:
    """The explicit status if it is a known word, else the type's tail, else the routing key's."""
    if status:
        known = STATUS_WORDS.get(status.strip().lower())
        if known is not None:
            return known
    for name in (event_type, routing_key):
        if name:
            known = _tail_status(name)
            if known is not None:
                return known
    return Status.UNKNOWN


def _tail_status(name: str) -> Status | None:
    """The status named by the last word: 'payment.succeeded', 'payment_intent.payment_failed'."""
    tail = _LAST_WORD.search(name.strip())
    return None if tail is None else STATUS_WORDS.get(tail.group().lower())
