"""Whether the queue figures are current enough for the alert rules to judge.

The queue monitor writes a sample of each queue every `interval` seconds. When the broker
cannot be reached it writes none, and the newest samples grow old while still looking like
figures: judged as current, they would fire or clear alerts on what the queues held minutes
ago. Older than a few sampling intervals, they are stale: the rules on them neither fire nor
clear, and the window says how old they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from opsdesk.broker.queue_sample import QueueSample

STALE_INTERVALS = 3  # samples missed before the figures count as stale
MIN_STALE_SECONDS = 15.0  # a round can take the management API's timeout, then AMQP


def stale_after(sample_interval: float) -> float:
    """Seconds after which a queue's newest sample is too old to judge."""
    return max(STALE_INTERVALS * sample_interval, MIN_STALE_SECONDS)


def sample_time(sample: QueueSample) -> datetime | None:
    try:
        moment = datetime.fromisoformat(sample.taken_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StaleFigures:
    """The queue figures the alert rules last saw are this old: they cannot be trusted."""

    newest_at: datetime  # the newest sample of any queue
    checked_at: datetime  # the evaluation that found them stale
    limit_seconds: float  # older than this is stale
    queues: tuple[str, ...]  # the queues of the monitor's last round

    def age_seconds(self, now: datetime | None = None) -> float:
        return max(0.0, ((now or self.checked_at) - self.newest_at).total_seconds())

    def sentence(self, now: datetime | None = None) -> str:
        """`Queue figures are stale: the newest sample is 4 min old (12:01:05 UTC); ...`."""
        return (
            f"Queue figures are stale: the newest sample is {age_text(self.age_seconds(now))} "
            f"old ({self.newest_at.astimezone(UTC):%H:%M:%S} UTC). Queue alerts neither fire "
            "nor clear until sampling resumes."
        )


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """Each queue's newest sample, split into what may be judged and what may not."""

    fresh: Mapping[str, QueueSample]  # current: the rules judge these
    stale: Mapping[str, QueueSample]  # the monitor's last round, too old: unknown
    stale_report: StaleFigures | None

    @classmethod
    def split(
        cls, latest: Mapping[str, QueueSample], now: datetime, limit_seconds: float
    ) -> QueueFigures:
        """Judge by the newest sample of all: a monitor that samples anything is current.

        While it is current, a queue without a recent sample is no longer reported (deleted,
        or no longer watched) and is left out. While it is not, the queues of its last
        rounds are stale.
        """
        times = {queue: sample_time(sample) for queue, sample in latest.items()}
        known = [moment for moment in times.values() if moment is not None]
        if not known:
            return cls({}, {}, None)
        newest = max(known)
        if (now - newest).total_seconds() <= limit_seconds:
            fresh = {
                queue: latest[queue]
                for queue, moment in times.items()
                if moment is not None and (now - moment).total_seconds() <= limit_seconds
            }
            return cls(fresh, {}, None)
        stale = {
            queue: latest[queue]
            for queue, moment in times.items()
            if moment is not None and (newest - moment).total_seconds() <= limit_seconds
        }
        report = StaleFigures(newest, now, limit_seconds, tuple(sorted(stale)))
        return cls({}, stale, report)


def age_text(seconds: float) -> str:
    """45 s, 4 min, 2.5 h, 3 days."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"
