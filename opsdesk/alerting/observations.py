"""What each kind of rule sees in one round: per subject, whether its condition holds and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from opsdesk.alerting.inputs import StatsInputs
from opsdesk.broker.node_health import ClusterHealth
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config.alert_rules import AlertRule, RuleKind


@dataclass(frozen=True, slots=True)
class Observation:
    """One rule on one subject this round: the condition, the value and a sentence for people."""

    subject: str
    holds: bool
    value: float | None
    message: str


def depth(sample: QueueSample) -> int:
    """Messages in the queue: ready plus unacked (when the source can tell)."""
    return sample.messages_ready + (sample.messages_unacked or 0)


def queues_for(rule: AlertRule, samples: Mapping[str, QueueSample]) -> list[str]:
    """The sampled queues a queue rule watches: its own queue, else every fitting one.

    Without a queue, dead-letter rules watch the dead-letter queues and the others every
    other queue (an idle dead-letter queue has no consumers and should not alert for it).
    """
    if rule.queue is not None:
        return [rule.queue] if rule.queue in samples else []
    want_dead = rule.kind is RuleKind.DEAD_LETTERS
    return sorted(q for q, s in samples.items() if s.is_dead_letter == want_dead)


def observe_queue(rule: AlertRule, sample: QueueSample) -> Observation:
    """queue_depth, dead_letters (not empty) and no_consumers on one sampled queue."""
    held = f" for {_n(rule.for_seconds)} s" if rule.for_seconds else ""
    queue = sample.queue
    if rule.kind is RuleKind.QUEUE_DEPTH:
        ready = sample.messages_ready
        above = ready > rule.threshold
        relation = "above" if above else "back at or below"
        message = f"{queue}: {ready:,} messages ready, {relation} {_n(rule.threshold)}{held}"
        return Observation(queue, above, float(ready), message)
    if rule.kind is RuleKind.DEAD_LETTERS:
        count = depth(sample)
        message = (
            f"dead-letter queue {queue} holds {count:,} message{'s' * (count != 1)}"
            if count
            else f"dead-letter queue {queue} is empty again"
        )
        return Observation(queue, count > 0, float(count), message)
    consumers = sample.consumers
    message = (
        f"{queue} has no consumers{held}"
        if consumers == 0
        else f"{queue} has {consumers} consumer{'s' * (consumers != 1)} again"
    )
    return Observation(queue, consumers == 0, float(consumers), message)


def observe_dead_letter_growth(
    rule: AlertRule, sample: QueueSample, history: Sequence[tuple[datetime, int]]
) -> Observation:
    """dead_letters with `growing`: deeper now than `window_seconds` ago (or the oldest seen)."""
    now = depth(sample)
    before = history[0][1] if history else now
    grew = now > before
    span = f"{_n(rule.window_seconds)} s"
    message = (
        f"dead-letter queue {sample.queue} grew from {before:,} to {now:,} within {span}"
        if grew
        else f"dead-letter queue {sample.queue} stopped growing ({now:,} messages)"
    )
    return Observation(sample.queue, grew, float(now), message)


def observe_success_rate(rule: AlertRule, stats: StatsInputs) -> list[Observation]:
    """success_rate: below the threshold with at least `min_samples` outcomes in the window."""
    subject = rule.merchant or "overall"
    outcomes = stats.outcomes.get((rule.window_seconds, rule.merchant))
    if outcomes is None:
        return []  # not measured this round: leave the state as it is
    total = outcomes.succeeded + outcomes.failed
    window = f"{_n(rule.window_seconds / 60)} min"
    who = f" for {rule.merchant}" if rule.merchant else ""
    if total < rule.min_samples:
        message = (
            f"only {total} payment outcome{'s' * (total != 1)}{who} in {window} "
            f"(fewer than {rule.min_samples}): success rate not judged"
        )
        return [Observation(subject, False, None, message)]
    percent = 100.0 * outcomes.succeeded / total
    below = percent < rule.threshold
    relation = "below" if below else "back at or above"
    # Counted by attempt (every outcome event, replay copies left out), where the dashboard
    # counts by payment by default: the text says so, or the two figures seem to disagree.
    message = (
        f"success rate{who} {percent:.1f}% over {window} ({outcomes.failed:,} of {total:,} "
        f"attempts failed), {relation} {_n(rule.threshold)}%"
    )
    return [Observation(subject, below, percent, message)]


def observe_silence(
    rule: AlertRule, now: datetime, stats: StatsInputs, started: datetime
) -> Observation:
    """silence: no event received for `for_seconds` (counted from `started` if never any)."""
    last = stats.last_event_at or started
    quiet = max(0.0, (now - last).total_seconds())
    silent = quiet >= rule.for_seconds
    if silent:
        none = " (none since monitoring started)" if stats.last_event_at is None else ""
        message = f"no events received for {_duration(quiet)}{none}"
    else:
        message = "events are arriving again"
    return Observation("events", silent, quiet, message)


BROKER_SUBJECT = "broker"  # one alert for the cluster, whichever alarms make it up


def observe_broker_alarm(health: ClusterHealth) -> Observation:
    """broker_alarm: any memory or disk alarm, or a partition, in a read that succeeded."""
    alarms = health.alarms
    if alarms:
        message = " · ".join(alarm.sentence for alarm in alarms)
    else:
        message = "no broker alarm or partition any more: publishers are no longer blocked"
    return Observation(BROKER_SUBJECT, bool(alarms), float(len(alarms)), message)


def _n(value: float) -> str:
    """30.0 as '30', 1500.0 as '1,500', 2.5 as '2.5'."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
