"""A payment's attempts: the original request and each replay, each with the outcome it got.

A replay copy starts an attempt. The attempt's outcome is the first decisive status
(succeeded, failed, refunded) among the ORIGINAL events the history received after the copy
and before the next copy; the original attempt runs until the first copy. Arrival order is
used, not producer time: a copy carries its original's body, so its producer time is the
original's, while the desk receives it when it is re-sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from opsdesk.events.model import Status
from opsdesk.events.replay_headers import REPLAY_REASON, REPLAYED_BY
from opsdesk.ui.history.timeline_steps import TimelineStep

_DECISIVE = (Status.SUCCEEDED, Status.FAILED, Status.REFUNDED)


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int  # 0: the original request; 1, 2, ...: the replays, in the order received
    request: TimelineStep | None  # the copy re-sent, or the payment's first original event
    outcome: TimelineStep | None  # None: no outcome (yet)
    by: str | None = None  # who replayed it
    reason: str | None = None

    @property
    def label(self) -> str:
        return "original" if self.number == 0 else f"replay {self.number}"


def attempts(steps: Sequence[TimelineStep]) -> list[Attempt]:
    """The original attempt, then one per replay copy; [] for a payment without events."""
    if not steps:
        return []
    order = sorted(steps, key=_arrival)
    copies = [s for s in order if s.replay_of]
    originals = [s for s in order if not s.replay_of]
    starts: list[TimelineStep | None] = [None, *copies]
    found = []
    for index, start in enumerate(starts):
        after = _arrival(start) if start is not None else None
        until = _arrival(copies[index]) if index < len(copies) else None
        window = [
            s
            for s in originals
            if (after is None or _arrival(s) > after) and (until is None or _arrival(s) <= until)
        ]
        outcome = next((s for s in window if s.event.status in _DECISIVE), None)
        if start is None:
            request = originals[0] if originals else None
            found.append(Attempt(0, request, outcome))
            continue
        number = start.event.replay_attempt or index
        by, reason = _who_and_why(start)
        found.append(Attempt(number, start, outcome, by, reason))
    return found


def _arrival(step: TimelineStep) -> tuple[str, int]:
    # A copy and the answer to it often arrive in one tap batch, with one received_at: the
    # row id (the order the history stored them) tells which came first.
    return step.event.received_at, step.row_id


def outcome_text(attempt: Attempt) -> str:
    """ "✓ succeeded", "✗ failed · card_declined", "… no outcome yet"."""
    if attempt.outcome is None:
        return "… no outcome yet"
    event = attempt.outcome.event
    if event.status == Status.FAILED:
        return "✗ failed" + (f" · {event.error_code}" if event.error_code else "")
    if event.status == Status.REFUNDED:
        return "↺ refunded"
    return "✓ succeeded"


def _who_and_why(step: TimelineStep) -> tuple[str | None, str | None]:
    try:
        headers = json.loads(step.event.headers or "{}")
    except ValueError:
        return None, None
    if not isinstance(headers, dict):
        return None, None
    by, reason = headers.get(REPLAYED_BY), headers.get(REPLAY_REASON)
    return (str(by) if by else None), (str(reason) if reason else None)
