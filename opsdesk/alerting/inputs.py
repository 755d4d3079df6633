"""What the statistics tell the alert rules at evaluation time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Succeeded and failed payments over a rule's window."""

    succeeded: int
    failed: int


@dataclass(frozen=True, slots=True)
class StatsInputs:
    """What the statistics say at evaluation time.

    `outcomes` is keyed by (window_seconds, merchant or None) for each success-rate rule;
    see `needed_outcomes`. `last_event_at` is the newest event's arrival, None if none.
    """

    outcomes: Mapping[tuple[float, str | None], Outcomes] = field(default_factory=dict)
    last_event_at: datetime | None = None
