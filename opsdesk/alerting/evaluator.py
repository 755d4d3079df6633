"""Alert evaluation: a pure state machine from (time, queue samples, statistics) to transitions."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from opsdesk.alerting.alert_values import ActiveAlert, AlertTransition, EndReason, OpenAlert
from opsdesk.alerting.freshness import sample_time
from opsdesk.alerting.inputs import Outcomes, StatsInputs
from opsdesk.alerting.observations import (
    Observation,
    depth,
    observe_broker_alarm,
    observe_dead_letter_growth,
    observe_queue,
    observe_silence,
    observe_success_rate,
    queues_for,
)
from opsdesk.broker.node_health import ClusterHealth
from opsdesk.broker.queue_sample import QueueSample
from opsdesk.config.alert_rules import QUEUE_KINDS, AlertRule, RuleKind

__all__ = [
    "ActiveAlert",
    "AlertEvaluator",
    "AlertTransition",
    "EndReason",
    "OpenAlert",
    "Outcomes",
    "StatsInputs",
    "needed_outcomes",
    "needs_health",
]

log = logging.getLogger(__name__)

# An active alert whose subject (a queue) is no longer reported for this long is cleared,
# while the monitor reports other queues (else the figures are stale, and nothing clears).
STALE_SECONDS = 300.0


def needed_outcomes(rules: Sequence[AlertRule]) -> set[tuple[float, str | None]]:
    """The (window_seconds, merchant) pairs the success-rate rules need in StatsInputs."""
    return {
        (rule.window_seconds, rule.merchant)
        for rule in rules
        if rule.enabled and rule.kind is RuleKind.SUCCESS_RATE
    }


def needs_health(rules: Sequence[AlertRule]) -> bool:
    """Whether a rule judges node health (worth a management API read each round)."""
    return any(rule.enabled and rule.kind is RuleKind.BROKER_ALARM for rule in rules)


@dataclass(slots=True)
class _Track:
    """One rule on one subject between evaluations."""

    holding_since: datetime | None = None
    active: ActiveAlert | None = None
    last_seen: datetime | None = None


class AlertEvaluator:
    """Keeps each rule's per-subject timers between calls; not thread-safe (one caller).

    A condition must hold for the rule's `for_seconds` before the alert fires, and the alert
    clears at the first evaluation where it no longer holds. A subject missing from a round
    (a queue not sampled) leaves its state as it was; an active alert on a subject not
    reported for STALE_SECONDS while others are is cleared. A queue whose figures are stale
    is unknown: its alert neither fires nor clears, and an active one says since when.
    """

    def __init__(self, rules: Sequence[AlertRule]) -> None:
        self._rules = tuple(rules)
        self._tracks: dict[tuple[str, str], _Track] = {}
        self._started: datetime | None = None  # the first evaluation, for silence rules
        self._depths: dict[str, deque[tuple[datetime, int]]] = {}
        self._health_read_at: datetime | None = None  # the last node health read that worked

    @property
    def rules(self) -> tuple[AlertRule, ...]:
        return self._rules

    @property
    def active(self) -> tuple[ActiveAlert, ...]:
        """Alerts firing after the last evaluation, oldest first."""
        alerts = [track.active for track in self._tracks.values() if track.active is not None]
        return tuple(sorted(alerts, key=lambda alert: (alert.since, alert.rule.name)))

    def set_rules(self, rules: Sequence[AlertRule], now: datetime) -> list[AlertTransition]:
        """Replace the rules; alerts of removed or changed rules are cleared."""
        before = {rule.name: rule for rule in self._rules}
        after = {rule.name: rule for rule in rules}
        transitions = []
        for key, track in list(self._tracks.items()):
            if before.get(key[0]) == after.get(key[0]):
                continue  # unchanged: its timers and alerts carry on
            if track.active is not None:
                transitions.append(
                    _cleared(
                        track.active, now, None, "rule changed or removed", EndReason.RULE_CHANGED
                    )
                )
            del self._tracks[key]
        self._rules = tuple(rules)
        return transitions

    def resume(self, alerts: Sequence[OpenAlert], now: datetime) -> list[AlertTransition]:
        """Take over alerts an earlier run left firing; end those whose rule is gone.

        A resumed alert is unknown until its condition is judged again: still holding, it
        goes on as the same alert; cleared, it ended while nobody watched (EndReason
        UNWATCHED, somewhere between `last_seen` and that evaluation).
        """
        rules = {rule.name: rule for rule in self._rules if rule.enabled}
        transitions = []
        for alert in alerts:
            rule = rules.get(alert.rule)
            track = self._tracks.get((alert.rule, alert.subject))
            if track is not None and track.active is not None:
                continue  # already resumed
            if rule is None or rule.kind.value != alert.kind:
                stand_in = AlertRule(alert.rule, RuleKind(alert.kind))
                active = ActiveAlert(
                    stand_in, alert.subject, alert.since, alert.value, alert.threshold, ""
                )
                message = f"{alert.subject}: its rule was changed or removed"
                transitions.append(_cleared(active, now, None, message, EndReason.RULE_CHANGED))
                continue
            self._tracks[(alert.rule, alert.subject)] = _Track(
                holding_since=alert.since,
                active=ActiveAlert(
                    rule,
                    alert.subject,
                    alert.since,
                    alert.value,
                    alert.threshold,
                    alert.message,
                    stale_since=alert.last_seen,
                ),
                last_seen=now,
            )
        return transitions

    def evaluate(
        self,
        now: datetime,
        samples_by_queue: Mapping[str, QueueSample],
        stats: StatsInputs,
        stale_samples: Mapping[str, QueueSample] | None = None,
        health: ClusterHealth | None = None,
    ) -> list[AlertTransition]:
        """Advance to `now`; return the alerts that fired or cleared since the last call.

        `samples_by_queue` are current figures; `stale_samples` are too old to judge (the
        monitor has not sampled for a while): their rules neither fire nor clear. `health`
        is this round's node health read, None if not read; a read that failed is stale.
        """
        if self._started is None:
            self._started = now
        stale = stale_samples or {}
        self._remember_depths(now, samples_by_queue)
        if health is not None and health.reachable:
            self._health_read_at = health.read_at
        transitions: list[AlertTransition] = []
        for rule in self._rules:
            if not rule.enabled:
                continue
            if rule.kind is RuleKind.BROKER_ALARM and health is not None and not health.reachable:
                for key in [key for key in self._tracks if key[0] == rule.name]:
                    self._unknown(rule, key[1], now, self._health_read_at)
                continue  # unknown: neither fires nor clears, nor ends as no longer reported
            seen = set()
            for observation in self._observe(rule, now, samples_by_queue, stats, health):
                seen.add(observation.subject)
                transition = self._advance(rule, observation, now)
                if transition is not None:
                    transitions.append(transition)
            if rule.kind in QUEUE_KINDS:
                for queue in queues_for(rule, stale):
                    if queue not in seen:
                        seen.add(queue)
                        self._unknown(rule, queue, now, sample_time(stale[queue]))
                if stale:
                    continue  # the monitor is not sampling: nothing is "no longer reported"
            transitions += self._clear_stale(rule, now, seen)
        return transitions

    def _unknown(
        self, rule: AlertRule, subject: str, now: datetime, figures_at: datetime | None
    ) -> None:
        """Stale figures (of `figures_at`): keep the state, but a hold timer must start again
        on fresh ones."""
        track = self._tracks.get((rule.name, subject))
        if track is None:
            return
        track.last_seen = now
        if track.active is None:
            track.holding_since = None
        elif track.active.stale_since is None:
            track.active = replace(track.active, stale_since=figures_at or now)

    def _advance(self, rule: AlertRule, seen: Observation, now: datetime) -> AlertTransition | None:
        track = self._tracks.setdefault((rule.name, seen.subject), _Track())
        track.last_seen = now
        if not seen.holds:
            track.holding_since = None
            if track.active is None:
                return None
            alert, track.active = track.active, None
            unwatched = EndReason.UNWATCHED if alert.stale_since is not None else None
            return _cleared(alert, now, seen.value, seen.message, unwatched)
        if track.holding_since is None:
            track.holding_since = now
        hold = 0.0 if rule.kind is RuleKind.SILENCE else rule.for_seconds
        if track.active is not None:
            track.active = replace(
                track.active, value=seen.value, message=seen.message, stale_since=None
            )
            return None
        if (now - track.holding_since).total_seconds() < hold:
            return None
        track.active = ActiveAlert(
            rule, seen.subject, now, seen.value, rule.threshold, seen.message
        )
        return AlertTransition(
            "fired", rule, seen.subject, now, seen.value, rule.threshold, seen.message
        )

    def _clear_stale(self, rule: AlertRule, now: datetime, seen: set[str]) -> list[AlertTransition]:
        transitions = []
        for (rule_name, subject), track in self._tracks.items():
            if rule_name != rule.name or subject in seen or track.last_seen is None:
                continue
            if (now - track.last_seen).total_seconds() < STALE_SECONDS:
                continue
            track.holding_since = None
            if track.active is not None:
                alert, track.active = track.active, None
                message = f"{subject}: no longer reported for {STALE_SECONDS:.0f} s"
                transitions.append(_cleared(alert, now, None, message, EndReason.NOT_REPORTED))
        return transitions

    def _observe(
        self,
        rule: AlertRule,
        now: datetime,
        samples: Mapping[str, QueueSample],
        stats: StatsInputs,
        health: ClusterHealth | None,
    ) -> list[Observation]:
        if rule.kind is RuleKind.BROKER_ALARM:
            return [observe_broker_alarm(health)] if health is not None else []
        if rule.kind is RuleKind.SUCCESS_RATE:
            return observe_success_rate(rule, stats)
        if rule.kind is RuleKind.SILENCE:
            return [observe_silence(rule, now, stats, self._started or now)]
        queues = queues_for(rule, samples)
        if rule.kind is RuleKind.DEAD_LETTERS and rule.growing:
            return [
                observe_dead_letter_growth(rule, samples[q], self._depths.get(q, deque()))
                for q in queues
            ]
        return [observe_queue(rule, samples[q]) for q in queues]

    def _remember_depths(self, now: datetime, samples: Mapping[str, QueueSample]) -> None:
        """Keep each dead-letter queue's recent depths for the `growing` rules."""
        span = max(
            (r.window_seconds for r in self._rules if r.kind is RuleKind.DEAD_LETTERS),
            default=0.0,
        )
        if span <= 0:
            return
        for queue, sample in samples.items():
            history = self._depths.setdefault(queue, deque())
            history.append((now, depth(sample)))
            # Keep one entry at least `span` old: the reference to compare with.
            while len(history) > 1 and (now - history[1][0]).total_seconds() >= span:
                history.popleft()


def _cleared(
    alert: ActiveAlert,
    now: datetime,
    value: float | None,
    message: str,
    reason: EndReason | None = None,
) -> AlertTransition:
    return AlertTransition(
        "cleared", alert.rule, alert.subject, now, value, alert.threshold, message, reason
    )
