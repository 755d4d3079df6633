"""A payment's events as steps: when each happened, the gap since the one before, the outcome."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opsdesk.events.model import PaymentEvent, Status
from opsdesk.events.replay_headers import REPLAY_OF, REPLAYED_AT


@dataclass(frozen=True, slots=True)
class TimelineStep:
    row_id: int
    event: PaymentEvent
    at: datetime | None  # when it happened: the producer's time, else arrival
    since_previous: timedelta | None
    replay_of: str | None  # the original this step re-sent, when it is a replay copy


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    text: str  # e.g. "✗ failed · insufficient_funds"


def timeline_steps(rows: Sequence[tuple[int, PaymentEvent]]) -> list[TimelineStep]:
    """Steps in the order given (the store's timeline order) with the gaps between them.

    A replay copy carries its original's body, producer time included: it is placed (and
    timed) when it was re-sent, by its replayed-at header, else when the desk received it.
    The header matters: the desk stores its own copy up to a batch later, after the
    payment system may already have answered it.
    """
    placed = []
    for row_id, event in rows:
        replay_of = event.replay_of or _header(event, REPLAY_OF)
        when = _moment(_header(event, REPLAYED_AT)) if replay_of else _moment(event.occurred_at)
        placed.append((row_id, event, when or _moment(event.received_at), replay_of))
    if any(replay_of for *_, replay_of in placed):
        placed.sort(key=lambda p: (p[2] is None, p[2] or datetime.min.replace(tzinfo=UTC)))
    steps: list[TimelineStep] = []
    previous: datetime | None = None
    for row_id, event, at, replay_of in placed:
        gap = at - previous if at is not None and previous is not None else None
        steps.append(TimelineStep(row_id, event, at, gap, replay_of))
        previous = at or previous
    return steps


def outcome(steps: Sequence[TimelineStep]) -> Outcome:
    """The latest decisive status (succeeded, failed, refunded), else that none came yet.

    Replay copies are requests (or old re-sent failures), never a payment's outcome; a
    success after a failure says it recovered.
    """
    originals = [s for s in steps if not s.replay_of]
    for index, step in enumerate(reversed(originals)):
        event = step.event
        if event.status == Status.FAILED:
            code = f" · {event.error_code}" if event.error_code else ""
            return Outcome(Status.FAILED, f"✗ failed{code}")
        if event.status == Status.REFUNDED:
            return Outcome(Status.REFUNDED, "↺ refunded")
        if event.status == Status.SUCCEEDED:
            earlier = originals[: len(originals) - index - 1]
            replayed = len(originals) < len(steps)
            recovered = replayed and any(s.event.status == Status.FAILED for s in earlier)
            return Outcome(
                Status.SUCCEEDED,
                "✓ succeeded · recovered by replay" if recovered else "✓ succeeded",
            )
    if not steps:
        return Outcome(Status.UNKNOWN, "no events for this payment")
    return Outcome(Status.PENDING, "… no outcome yet")


def total_duration(steps: Sequence[TimelineStep]) -> timedelta | None:
    moments = [s.at for s in steps if s.at is not None]
    return moments[-1] - moments[0] if len(moments) > 1 else None


def format_gap(gap: timedelta | None) -> str:
    """`+120 ms`, `+3.4 s`, `+4 min 10 s`, `+2 h 5 min`, `+3 d 4 h`; negative when out of order."""
    if gap is None:
        return ""
    sign = "-" if gap < timedelta(0) else "+"
    ms = abs(gap) // timedelta(milliseconds=1)
    if ms < 1000:
        return f"{sign}{ms} ms"
    if ms < 60_000:
        return f"{sign}{ms // 1000}.{ms % 1000 // 100} s"
    seconds = ms // 1000
    if seconds < 3600:
        return f"{sign}{seconds // 60} min {seconds % 60} s"
    if seconds < 86_400:
        return f"{sign}{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{sign}{seconds // 86_400} d {seconds % 86_400 // 3600} h"


def _moment(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _header(event: PaymentEvent, name: str) -> str | None:
    if name not in event.headers:  # cheap test before parsing
        return None
    try:
        headers = json.loads(event.headers)
    except ValueError:
        return None
    value = headers.get(name) if isinstance(headers, dict) else None
    return str(value) if value else None
