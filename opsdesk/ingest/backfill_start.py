"""Where a backfill starts: the first message a stream retains, an age, or a time.

What the operator types (`first`, `7d`, `1h`, `2026-11-26T09:00`) becomes a start that does
not move: an age is turned into the time it names now, so a backfill resumed tomorrow still
starts where it was asked to. The history records it as text ("first", or a UTC time ending
in Z), and the stream is asked for it as x-stream-offset: "first", or a timestamp, from which
RabbitMQ delivers from the chunk holding that time (a few earlier messages at most, which the
history already holds or gladly takes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opsdesk.durations import duration_seconds

FIRST = "first"
HELP = "first (all the stream retains), an age (7d, 1h) or a time (ISO-8601, local unless it says)"


@dataclass(frozen=True, slots=True)
class BackfillStart:
    """A backfill's start: `first`, or a time."""

    since: datetime | None  # None: the first message the stream retains; else aware, UTC

    @classmethod
    def parse(cls, text: str, now: datetime | None = None) -> BackfillStart:
        """`first`, an age or an ISO-8601 time; ValueError saying what is expected."""
        text = text.strip()
        if text.lower() == FIRST:
            return cls(None)
        seconds = duration_seconds(text)
        if seconds is not None:
            return cls(((now or datetime.now(UTC)) - timedelta(seconds=seconds)).astimezone(UTC))
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"a backfill starts at {HELP}; not {text!r}") from None
        if moment.tzinfo is None:
            moment = moment.astimezone()  # the operator's local time
        return cls(moment.astimezone(UTC))

    @classmethod
    def from_record(cls, text: str) -> BackfillStart:
        """The start as the history recorded it (`record`)."""
        if text == FIRST:
            return cls(None)
        return cls(datetime.fromisoformat(text).astimezone(UTC))

    def record(self) -> str:
        """As the history keeps it: stable text naming this request."""
        if self.since is None:
            return FIRST
        return self.since.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def offset_argument(self) -> str | datetime:
        """The x-stream-offset to consume from (pika sends a datetime as an AMQP timestamp)."""
        return FIRST if self.since is None else self.since

    def describe(self) -> str:
        if self.since is None:
            return "the first message the stream retains"
        return self.since.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()
