"""Time windows for the dashboard and the bucket size that follows each window's length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opsdesk.events.timestamps import utc_iso

# Bucket sizes in seconds, finest first. Each is a whole number of the text prefix it
# groups by (second, ten seconds, minute, ten minutes, hour, day), see queries.py.
BUCKET_LADDER: tuple[int, ...] = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
)  # fmt: skip
# What the window selector offers, and the bucket each one gets.
PRESETS: dict[str, timedelta] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}
_PRESET_BUCKETS: dict[timedelta, int] = {
    timedelta(minutes=15): 10,
    timedelta(hours=1): 30,
    timedelta(hours=24): 300,
    timedelta(days=7): 3600,
}
MIN_BUCKETS = 100
MAX_BUCKETS = 300


def bucket_seconds_for(span: timedelta) -> int:
    """10 s for 15 min, 30 s for 1 h, 5 min for 24 h, 1 h for 7 d; else ~100-300 buckets."""
    if span in _PRESET_BUCKETS:
        return _PRESET_BUCKETS[span]
    seconds = span.total_seconds()
    if seconds <= 0:
        raise ValueError(f"a window must have a positive length, not {span}")
    for size in BUCKET_LADDER:
        if seconds / size <= MAX_BUCKETS:
            return size
    return BUCKET_LADDER[-1]


def as_utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime; a naive one is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def epoch(moment: datetime) -> float:
    return as_utc(moment).timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) in UTC, cut into buckets of `bucket_seconds` aligned to the epoch.

    `start` and `end` are always bucket boundaries; the last bucket may still be filling.
    """

    start: datetime
    end: datetime
    bucket_seconds: int

    def __post_init__(self) -> None:
        if self.bucket_seconds <= 0:
            raise ValueError("bucket_seconds must be positive")
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} is not after its start {self.start}")

    @classmethod
    def last(cls, span: timedelta, now: datetime, bucket_seconds: int | None = None) -> Window:
        """The `span` ending at `now`, widened to whole buckets (the bucket holding `now` last)."""
        size = bucket_seconds or bucket_seconds_for(span)
        end = _floor(epoch(now), size) + size
        start = _floor(epoch(now) - span.total_seconds(), size) + size
        return cls(from_epoch(start), from_epoch(end), size)

    @classmethod
    def between(cls, start: datetime, end: datetime, bucket_seconds: int | None = None) -> Window:
        """A custom window from `start` to `end`, widened to whole buckets."""
        if as_utc(end) <= as_utc(start):
            raise ValueError(f"window end {end} is not after its start {start}")
        size = bucket_seconds or bucket_seconds_for(as_utc(end) - as_utc(start))
        first = _floor(epoch(start), size)
        last = -_floor(-epoch(end), size)  # ceiling
        return cls(from_epoch(first), from_epoch(last), size)

    @property
    def span(self) -> timedelta:
        return self.end - self.start

    @property
    def start_iso(self) -> str:
        return utc_iso(self.start)

    @property
    def end_iso(self) -> str:
        return utc_iso(self.end)

    @property
    def bucket_count(self) -> int:
        return int(self.span.total_seconds()) // self.bucket_seconds

    def bucket_starts(self) -> tuple[int, ...]:
        """Epoch seconds of every bucket's start, oldest first."""
        first = int(epoch(self.start))
        return tuple(range(first, int(epoch(self.end)), self.bucket_seconds))

    def bucket_of(self, moment: datetime) -> int:
        """Epoch seconds of the start of the bucket holding `moment`."""
        return _floor(epoch(moment), self.bucket_seconds)


def _floor(seconds: float, size: int) -> int:
    return int(seconds // size) * size
