"""What the simulated payment service answers a request, remembered by idempotency key.

The traffic generator decides each payment's first attempt and publishes its outcome on the
service's behalf; the engine hands the service each outcome before publishing it, so a replay
can never arrive before the service knows what it replays. A request opsdesk replayed (it
carries `x-opsdesk-replay-of` and the payment's idempotency key) is answered as a payment
provider answers a repeated idempotency key:

- the last attempt failed: a new attempt, which succeeds with `retry_success_rate`; a failed
  retry keeps the earlier error code (the card is declined for the same reason);
- the payment succeeded, or this very replay message was answered before (a redelivery): the
  earlier answer again. Stripe returns the original result with `Idempotent-Replayed: true`,
  so the service re-publishes the same outcome event (same event_id and occurred_at) with
  `x-idempotent-replayed: true`: nothing is charged twice, and whoever dedupes by event id
  (the desk's history) keeps one copy;
- the first attempt has no outcome yet: nothing (Stripe refuses a key in use with a 409);
- a key the service does not know (older than the last `MEMORY` keys, or from before this
  run) or no key at all: a new attempt, as a provider that pruned its keys charges again.

A request without the replay header is the generator's own traffic, already answered by it, so
a duplicate delivery never brings a second outcome.
"""

from __future__ import annotations

import json
import random
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from opsdesk.events.model import Status
from opsdesk.simulator.traffic import SimulatedMessage, draw_failure, iso_utc, random_uuid

IDEMPOTENT_REPLAYED = "x-idempotent-replayed"
SUCCEEDED, FAILED = "payment.succeeded", "payment.failed"
# About 45 MB when full (measured: ~450 bytes a key): over four hours of traffic at 20 events/s.
MEMORY = 100_000


@dataclass(frozen=True, slots=True)
class Answer:
    """One attempt's outcome: enough to publish its event again from the payment's request."""

    event_id: str
    occurred_at: str
    event_type: str  # SUCCEEDED or FAILED
    error_code: str | None
    response_code: str
    latency_ms: int
    attempt: str | None  # message id of the replayed request it answered; None: first attempt


class Reply(Enum):
    NOTHING = "nothing"  # the generator answers the first attempt
    NEW_ATTEMPT = "new attempt"
    REPEAT = "repeat"  # the earlier answer, re-published unchanged
    IN_PROGRESS = "in progress"  # the first attempt has no outcome yet


_PENDING = "pending"  # a first attempt seen, its outcome not yet


def answer_of(message: SimulatedMessage) -> tuple[str, Answer] | None:
    """(idempotency key, answer) of an outcome event the generator publishes, else None."""
    if message.event_type not in (SUCCEEDED, FAILED):
        return None
    body = json.loads(message.body)
    key = body.get("idempotency_key")
    if not isinstance(key, str):
        return None
    gateway = body["gateway"]
    answer = Answer(
        event_id=body["event_id"],
        occurred_at=body["occurred_at"],
        event_type=body["type"],
        error_code=body["error_code"],
        response_code=gateway["response_code"],
        latency_ms=gateway["latency_ms"],
        attempt=None,
    )
    return key, answer


class IdempotencyLedger:
    """The last answer per idempotency key, for the last `capacity` keys; thread-safe.

    The engine's thread remembers the generator's outcomes, the processor's thread the rest.
    """

    def __init__(self, capacity: int = MEMORY) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, Answer | str] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def remember(self, key: str, answer: Answer) -> None:
        with self._lock:
            self._put(key, answer)

    def reply_to(
        self, key: str | None, replay: bool, message_id: str | None
    ) -> tuple[Reply, Answer | None]:
        """How to answer a request, and the key's last answer; notes first attempts seen."""
        if key is None:
            return (Reply.NEW_ATTEMPT if replay else Reply.NOTHING), None
        with self._lock:
            entry = self._entries.get(key)
            if not replay:
                if entry is None:
                    self._put(key, _PENDING)
                return Reply.NOTHING, None
            if entry is None:
                return Reply.NEW_ATTEMPT, None
            self._entries.move_to_end(key)
        if isinstance(entry, str):
            return Reply.IN_PROGRESS, None
        if entry.event_type == SUCCEEDED or entry.attempt == message_id:
            return Reply.REPEAT, entry
        return Reply.NEW_ATTEMPT, entry

    def answer(self, key: str) -> Answer | None:
        """The key's last answer; None when it has none or was forgotten."""
        with self._lock:
            entry = self._entries.get(key)
        return entry if isinstance(entry, Answer) else None

    def _put(self, key: str, entry: Answer | str) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)


def new_attempt(
    rng: random.Random,
    success_rate: float,
    earlier: Answer | None,
    attempt: str | None,
    now: datetime,
) -> Answer:
    """A fresh outcome: succeeded with `success_rate`, else failed as the earlier attempt did."""
    event_id = random_uuid(rng)
    if rng.random() < success_rate:
        return Answer(event_id, iso_utc(now), SUCCEEDED, None, "00", rng.randint(40, 900), attempt)
    if earlier is not None and earlier.error_code is not None:
        error_code, response_code = earlier.error_code, earlier.response_code
    else:
        error_code, response_code = draw_failure(rng)
    latency = rng.randint(40, 30000)
    return Answer(event_id, iso_utc(now), FAILED, error_code, response_code, latency, attempt)


def outcome_message(
    request: Mapping[str, Any], answer: Answer, repeat: bool = False
) -> SimulatedMessage:
    """The outcome event of `answer`, in the shape the generator gives the payment's events."""
    failed = answer.event_type == FAILED
    status = Status.FAILED if failed else Status.SUCCEEDED
    gateway = request.get("gateway")
    body = {
        **request,
        "event_id": answer.event_id,
        "type": answer.event_type,
        "occurred_at": answer.occurred_at,
        "status": str(status),
        "error_code": answer.error_code,
        "gateway": {
            **(gateway if isinstance(gateway, dict) else {}),
            "response_code": answer.response_code,
            "latency_ms": answer.latency_ms,
        },
    }
    merchant = request.get("merchant")
    headers: dict[str, Any] = {"schema": "payments/v1", "x-merchant": merchant}
    if repeat:
        headers[IDEMPOTENT_REPLAYED] = True
    payment_id = request.get("payment_id")
    return SimulatedMessage(
        routing_key=answer.event_type,
        body=json.dumps(body, separators=(",", ":")).encode(),
        message_id=answer.event_id,
        event_type=answer.event_type,
        status=str(status),
        payment_id=payment_id if isinstance(payment_id, str) else None,
        headers=headers,
    )
