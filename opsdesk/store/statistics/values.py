"""What the statistics answer: bucketed series, breakdowns and latency, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from opsdesk.events.model import Status
from opsdesk.store.statistics.windows import Window

# The statuses counted as an outcome for the success rate.
TERMINAL_OUTCOMES = (Status.SUCCEEDED, Status.FAILED)
NO_VALUE = "(none)"  # how a missing merchant, currency, error code or type is reported


class Dimension(StrEnum):
    MERCHANT = "merchant"
    CURRENCY = "currency"
    ERROR_CODE = "error_code"


class Breakdown(StrEnum):
    """How the dashboard splits its success rate: overall, or by one Dimension."""

    OVERALL = "overall"
    MERCHANT = "merchant"
    CURRENCY = "currency"
    ERROR_CODE = "error_code"


class CountBasis(StrEnum):
    """What a success rate and a failure count count (see by_payment.py).

    ATTEMPT: every outcome event, so a payment replayed after a failure counts once per
    attempt. PAYMENT: each payment once, by its final outcome in the window.
    """

    PAYMENT = "payment"
    ATTEMPT = "attempt"


@dataclass(frozen=True, slots=True)
class Selector:
    """Whose success rate: everyone (`dimension` None), or one merchant / currency.

    `value` NO_VALUE (as a breakdown row shows it) selects the events without one.
    """

    dimension: Dimension | None = None
    value: str | None = None

    @property
    def label(self) -> str:
        return "overall" if self.dimension is None else f"{self.dimension.value}={self.value}"


OVERALL = Selector()


def success_rate(succeeded: int, failed: int) -> float | None:
    """succeeded / (succeeded + failed), None when there was no outcome at all."""
    total = succeeded + failed
    return None if total == 0 else succeeded / total


@dataclass(frozen=True, slots=True)
class StatusSeries:
    """Events per bucket by status (by when they occurred), and the success rate per bucket.

    Every tuple is aligned with `bucket_starts` (epoch seconds, UTC). `by_status` has every
    Status value as a key. `computed_at` is the clock the counts were read at:
    Statistics.refresh re-reads from there.
    """

    window: Window
    bucket_starts: tuple[int, ...]
    by_status: dict[str, tuple[int, ...]] = field(hash=False)
    computed_at: datetime

    @property
    def success_rate(self) -> tuple[float | None, ...]:
        succeeded = self.by_status[Status.SUCCEEDED.value]
        failed = self.by_status[Status.FAILED.value]
        return tuple(success_rate(s, f) for s, f in zip(succeeded, failed, strict=True))

    @property
    def totals(self) -> tuple[int, ...]:
        """All events per bucket."""
        return tuple(sum(column) for column in zip(*self.by_status.values(), strict=True))

    def status_total(self, status: Status) -> int:
        return sum(self.by_status[status.value])


@dataclass(frozen=True, slots=True)
class RateSeries:
    """Succeeded and failed per bucket for one selector, and the success rate from them.

    By attempt every outcome counts in its bucket; by payment each payment counts once, in
    the bucket of its final outcome in the window.
    """

    window: Window
    selector: Selector
    bucket_starts: tuple[int, ...]
    succeeded: tuple[int, ...]
    failed: tuple[int, ...]
    computed_at: datetime
    basis: CountBasis = CountBasis.ATTEMPT

    @property
    def success_rate(self) -> tuple[float | None, ...]:
        return tuple(success_rate(s, f) for s, f in zip(self.succeeded, self.failed, strict=True))


@dataclass(frozen=True, slots=True)
class CodeSeries:
    """Failures per bucket for the `top` error codes of the window, plus everything else."""

    window: Window
    bucket_starts: tuple[int, ...]
    # error code -> failures per bucket, most frequent code first; "(other)" collects the rest.
    by_code: dict[str, tuple[int, ...]] = field(hash=False)
    basis: CountBasis = CountBasis.ATTEMPT


OTHER_CODES = "(other)"


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    """One merchant / currency / error code over a window.

    For merchant and currency: `failed` of `total` outcomes (succeeded + failed), `rate` is
    the failure rate. For error code: `failed` with this code, `total` all failures of the
    window, `rate` this code's share of the failures.
    """

    value: str
    failed: int
    total: int

    @property
    def rate(self) -> float | None:
        return None if self.total == 0 else self.failed / self.total


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Seconds from a payment's first event to its outcome, for outcomes received in a window.

    `count` outcomes were received in the window; on a busy window the percentiles come from
    an even sample of `sample_size` of them (by row id), which is plenty for a p99.
    """

    count: int
    sample_size: int
    p50: float | None
    p90: float | None
    p99: float | None

    @property
    def sampled(self) -> bool:
        return self.sample_size < self.count
