"""What the dashboard asks the history file and what comes back, as frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.store.statistics.headline import Headline
from opsdesk.store.statistics.stuck_payments import DEFAULT_MIN_AGE, StuckPayment
from opsdesk.store.statistics.values import (
    Breakdown,
    CodeSeries,
    CountBasis,
    RateSeries,
    StatusSeries,
)
from opsdesk.store.statistics.windows import Window


@dataclass(frozen=True, slots=True)
class WindowChoice:
    """A preset length ending now (`span`), or a fixed custom range (`start`, `end`)."""

    span: timedelta | None = None
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if (self.span is None) == (self.start is None or self.end is None):
            raise ValueError("a window is either a span or a start and an end")

    @property
    def is_custom(self) -> bool:
        return self.span is None

    def resolve(self, now: datetime) -> Window:
        if self.span is not None:
            return Window.last(self.span, now)
        assert self.start is not None and self.end is not None
        return Window.between(self.start, self.end)


@dataclass(frozen=True, slots=True)
class DashboardQuery:
    choice: WindowChoice
    breakdown: Breakdown
    now: datetime
    # The UI's newest sample per queue; empty: take the history file's.
    latest_samples: Mapping[str, QueueSample] = field(default_factory=dict)
    stuck_after: timedelta = DEFAULT_MIN_AGE
    # What the success rate, the failures by code and their tiles count (statistics/by_payment.py).
    basis: CountBasis = CountBasis.PAYMENT


@dataclass(frozen=True, slots=True)
class DashboardSnapshot:
    query: DashboardQuery
    window: Window
    status: StatusSeries
    rates: tuple[RateSeries, ...]  # overall first; empty for the error-code breakdown
    codes: CodeSeries | None  # the error-code breakdown
    headline: Headline
    # The newest sample per queue behind the headline's depths (the UI's, else the file's).
    latest_samples: Mapping[str, QueueSample]
    stuck: tuple[StuckPayment, ...]
    seconds: float  # time spent computing it, for the status line
    incremental: bool  # True when the series was refreshed, not recomputed


@dataclass(frozen=True, slots=True)
class QueueHistory:
    window: Window
    samples: dict[str, tuple[QueueSample, ...]]  # queue -> samples, oldest first
