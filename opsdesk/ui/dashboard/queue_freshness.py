"""How current the queue figures are: their age, and in one sentence why they may not be.

The queue monitor samples every few seconds. Its figures are current only while rounds keep
arriving from the broker the profile names: a sample older than about two intervals, a
monitor that cannot reach the broker, or one that only reaches the management API (a wrong
AMQP port still reaches the API on 15672: issue 9, finding 6) leaves them out of date, and
the dashboard greys them with the reason instead of showing them as if they were live.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from opsdesk.broker.queue_sample import MonitorPhase, MonitorState, QueueSample

DEFAULT_INTERVAL = 5.0  # the profile's default, until the monitor says its own
LATE_AFTER_INTERVALS = 2
LATE_SLACK_S = 1.0  # a round itself takes a moment (HTTP GETs)


@dataclass(frozen=True, slots=True)
class QueueFreshness:
    as_of: datetime | None  # when the newest sample was taken; None: no sample at all
    as_of_text: str  # "as of 10:00:05" (with the date when not today), "no sample yet"
    stale: str = ""  # why the figures are not current (a plain sentence); "" when they are
    partial: str = ""  # why they are current but incomplete (no unacked counts)

    @property
    def current(self) -> bool:
        return not self.stale


def newest_sample_time(samples: Iterable[QueueSample]) -> datetime | None:
    times = [sample.taken_at for sample in samples]
    return parse_utc(max(times)) if times else None  # ISO text in UTC: text order is time order


def judge_freshness(
    as_of: datetime | None, now: datetime, state: MonitorState | None
) -> QueueFreshness:
    """The figures' freshness at `now`, from their newest sample and the monitor's state."""
    interval = (state.interval if state is not None else None) or DEFAULT_INTERVAL
    when = "" if as_of is None else moment_text(as_of, now)
    text = "no sample yet" if as_of is None else f"as of {when}"
    if state is not None and state.phase is MonitorPhase.RECONNECTING:
        reason = state.detail or "The queue monitor cannot reach the broker."
        return QueueFreshness(as_of, text, reason)
    if state is not None and state.phase is MonitorPhase.STOPPED:
        return QueueFreshness(as_of, text, "The queue monitor has stopped.")
    if state is not None and state.broker_error:
        return QueueFreshness(
            as_of,
            text,
            f"{state.broker_error} The queue figures come from the management API alone "
            "and may not be this broker's.",
        )
    if as_of is None:
        return QueueFreshness(None, text, "No queue has been sampled yet.")
    late_after = LATE_AFTER_INTERVALS * interval + LATE_SLACK_S
    if (now - as_of).total_seconds() > late_after:
        return QueueFreshness(
            as_of,
            text,
            f"No queue sample since {when} UTC (the monitor samples every {interval:g} s).",
        )
    if state is not None and state.degraded:
        return QueueFreshness(as_of, text, partial=state.detail)
    return QueueFreshness(as_of, text)


def parse_utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def moment_text(moment: datetime, now: datetime) -> str:
    """`10:00:05`, or `2026-03-01 10:00:05` when not on `now`'s day (UTC)."""
    moment, now = moment.astimezone(UTC), now.astimezone(UTC)
    return moment.strftime("%H:%M:%S" if moment.date() == now.date() else "%Y-%m-%d %H:%M:%S")
