"""What happened to replayed payments: each one's next outcome in the history, and a summary.

A payment's next outcome is its first event with status succeeded or failed received after
its replay was sent (replay copies themselves excluded: a copy is the request, not an answer).
The history must be fed for outcomes to appear: the window's tap, or `opsdesk collect`.

    sent = sent_payments(result)                 # from a replay's OperationResult
    batch = read_outcomes(db_path, sent)         # now, from the history
    batch = follow_outcomes(db_path, sent, 120)  # or wait up to 2 min for every outcome
    batch.summary()  # "10 replayed: 7 succeeded, 2 failed again (card_declined),
                     #  1 no outcome after 2 min"

`outcomes_from_steps` is the pure part (steps in, outcomes out), for callers that already
read the payments' steps.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from opsdesk.events.model import Status
from opsdesk.operations.payment_history import PaymentStep, payment_steps
from opsdesk.operations.plan import OperationResult, OutcomeStatus
from opsdesk.operations.replay import when

POLL_INTERVAL = 1.0  # seconds between two reads while following


class OutcomeKind(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NONE = "no_outcome"  # nothing yet
    # Replayed under the succeeded-guard override: an idempotent processor answers with the
    # earlier outcome event itself (same event id), which the history does not store twice,
    # so that earlier success is the answer.
    ALREADY_SUCCEEDED = "already_succeeded"


@dataclass(frozen=True, slots=True)
class ReplaySent:
    """One replayed payment: when its replay was published, and what was sent."""

    payment_id: str
    sent_at: str  # ISO-8601 UTC, the replay's x-opsdesk-replayed-at
    event_id: str | None = None  # the request re-sent


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    payment_id: str
    kind: OutcomeKind
    sent_at: str
    error_code: str | None = None  # a failure's code
    event_id: str | None = None  # the outcome event
    at: str | None = None  # when the history received it


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """The outcomes of one batch of replays, as read at `read_at`."""

    outcomes: tuple[PaymentOutcome, ...]
    read_at: datetime

    def count(self, kind: OutcomeKind) -> int:
        return sum(1 for o in self.outcomes if o.kind is kind)

    @property
    def complete(self) -> bool:
        """Every payment has an outcome."""
        return all(o.kind is not OutcomeKind.NONE for o in self.outcomes)

    @property
    def failure_codes(self) -> Counter[str]:
        return Counter(
            o.error_code or "no error code" for o in self.outcomes if o.kind is OutcomeKind.FAILED
        )

    def summary(self) -> str:
        """ "10 replayed: 7 succeeded, 2 failed again (card_declined), 1 no outcome after 2 min"."""
        if not self.outcomes:
            return "nothing replayed"
        parts = []
        if succeeded := self.count(OutcomeKind.SUCCEEDED):
            parts.append(f"{succeeded} succeeded")
        if failed := self.count(OutcomeKind.FAILED):
            codes = self.failure_codes
            if len(codes) == 1:
                why = next(iter(codes))
            else:
                why = ", ".join(f"{code} {n}" for code, n in codes.most_common())
            parts.append(f"{failed} failed again ({why})")
        if earlier := self.count(OutcomeKind.ALREADY_SUCCEEDED):
            parts.append(f"{earlier} had already succeeded")
        if pending := self.count(OutcomeKind.NONE):
            parts.append(f"{pending} no outcome after {_duration(self._least_waited())}")
        return f"{len(self.outcomes)} replayed: {', '.join(parts)}"

    def _least_waited(self) -> float:
        sent = [w for o in self.outcomes if o.kind is OutcomeKind.NONE if (w := when(o.sent_at))]
        return (self.read_at - max(sent)).total_seconds() if sent else 0.0


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def sent_payments(result: OperationResult) -> list[ReplaySent]:
    """The payments a payment replay sent (confirmed by the broker), with when."""
    return [
        ReplaySent(o.payment_id, o.sent_at, o.event_id)
        for o in result.outcomes
        if o.status is OutcomeStatus.DONE and o.payment_id is not None and o.sent_at is not None
    ]


def outcomes_from_steps(
    sent: Sequence[ReplaySent],
    steps: Mapping[str, Sequence[PaymentStep]],
    read_at: datetime | None = None,
) -> BatchOutcome:
    """Each sent payment's first outcome after its replay, from its steps (pure)."""
    outcomes = []
    for replay in sent:
        sent_at = when(replay.sent_at)
        found = None
        if sent_at is not None:
            found = min(
                (
                    (w, s)
                    for s in steps.get(replay.payment_id, ())
                    if s.replay_of is None
                    and s.status in _OUTCOME_KINDS
                    and (w := when(s.received_at)) is not None
                    and w > sent_at
                ),
                key=lambda pair: (pair[0], pair[1].row_id),
                default=None,
            )
        if found is None:
            outcomes.append(_without_new_outcome(replay, steps.get(replay.payment_id, ())))
            continue
        _, step = found
        outcomes.append(
            PaymentOutcome(
                replay.payment_id,
                _OUTCOME_KINDS[step.status],
                replay.sent_at,
                step.error_code if step.status == Status.FAILED.value else None,
                step.event_id,
                step.received_at,
            )
        )
    return BatchOutcome(tuple(outcomes), read_at or datetime.now(UTC))


def _without_new_outcome(replay: ReplaySent, steps: Sequence[PaymentStep]) -> PaymentOutcome:
    """No outcome since the replay: its earlier success when it had one, else nothing yet."""
    sent_at = when(replay.sent_at)
    earlier = [
        s
        for s in steps
        if s.replay_of is None
        and s.status == Status.SUCCEEDED.value
        and sent_at is not None
        and (w := when(s.received_at)) is not None
        and w <= sent_at
    ]
    if not earlier:
        return PaymentOutcome(replay.payment_id, OutcomeKind.NONE, replay.sent_at)
    first = min(earlier, key=lambda s: (s.received_at, s.row_id))
    return PaymentOutcome(
        replay.payment_id,
        OutcomeKind.ALREADY_SUCCEEDED,
        replay.sent_at,
        event_id=first.event_id,
        at=first.received_at,
    )


_OUTCOME_KINDS = {
    Status.SUCCEEDED.value: OutcomeKind.SUCCEEDED,
    Status.FAILED.value: OutcomeKind.FAILED,
}


def read_outcomes(
    db_path: Path, sent: Sequence[ReplaySent], read_at: datetime | None = None
) -> BatchOutcome:
    """The batch's outcomes as the history holds them now (StoreError if it cannot be read)."""
    read_at = read_at or datetime.now(UTC)
    steps = payment_steps(db_path, [s.payment_id for s in sent])
    return outcomes_from_steps(sent, steps, read_at)


def follow_outcomes(
    db_path: Path,
    sent: Sequence[ReplaySent],
    timeout: float,
    cancel: threading.Event | None = None,
) -> BatchOutcome:
    """Read the outcomes until every payment has one, `timeout` seconds pass or `cancel`."""
    cancel = cancel or threading.Event()
    deadline = time.monotonic() + timeout
    while True:
        batch = read_outcomes(db_path, sent)
        left = deadline - time.monotonic()
        if batch.complete or left <= 0 or cancel.wait(min(POLL_INTERVAL, left)):
            return batch
