"""The dashboard's headline tiles, computed from the statistics and the latest queue samples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from opsdesk.broker.queue_sample import QueueSample
from opsdesk.store.statistics.reader import Statistics
from opsdesk.store.statistics.stuck_payments import DEFAULT_MIN_AGE
from opsdesk.store.statistics.values import CountBasis, success_rate
from opsdesk.store.statistics.windows import Window

DEFAULT_RATE_WINDOW = timedelta(minutes=15)
FAILURES_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Headline:
    """What the tiles show; None means "no data" (shown as a dash), not zero."""

    success_rate: float | None  # 0..1 over `rate_window`
    outcomes: int  # succeeded + failed over `rate_window`
    rate_window: timedelta
    failures_5m: int
    oldest_stuck_seconds: float | None
    messages_waiting: int | None  # ready + unacked over the sampled non-dead-letter queues
    dead_letter_depth: int | None  # ready + unacked over the sampled dead-letter queues
    basis: CountBasis = CountBasis.ATTEMPT  # what success_rate, outcomes, failures_5m count
    recovered: int | None = None  # recoveries in `recovery_window`; None: not asked for
    recovery_window: Window | None = None


def compute_headline(
    statistics: Statistics,
    latest_samples: Mapping[str, QueueSample],
    now: datetime,
    rate_window: timedelta = DEFAULT_RATE_WINDOW,
    stuck_after: timedelta = DEFAULT_MIN_AGE,
    basis: CountBasis = CountBasis.ATTEMPT,
    recovery_window: Window | None = None,
) -> Headline:
    """The tiles at `now`; `latest_samples` is QueueSampleStore.latest() (queue -> sample).

    The success rate and failures count on `basis`; the recoveries (by payment, whatever the
    basis) are counted over `recovery_window` when one is given (the dashboard's window).
    """
    succeeded, failed = statistics.outcomes(now - rate_window, now, basis=basis)
    _, failures = statistics.outcomes(now - FAILURES_WINDOW, now, basis=basis)
    recovered = None if recovery_window is None else statistics.recovered(recovery_window)
    stuck = statistics.stuck_payments(now, min_age=stuck_after, limit=1)
    waiting = [_depth(s) for s in latest_samples.values() if not s.is_dead_letter]
    dead = [_depth(s) for s in latest_samples.values() if s.is_dead_letter]
    return Headline(
        success_rate=success_rate(succeeded, failed),
        outcomes=succeeded + failed,
        rate_window=rate_window,
        failures_5m=failures,
        oldest_stuck_seconds=stuck[0].age_seconds if stuck else None,
        messages_waiting=sum(waiting) if waiting else None,
        dead_letter_depth=sum(dead) if dead else None,
        basis=basis,
        recovered=recovered,
        recovery_window=recovery_window,
    )


def _depth(sample: QueueSample) -> int:
    return sample.messages_ready + (sample.messages_unacked or 0)
