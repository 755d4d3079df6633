"""Alert rules as the profile states them (`[[profiles.NAME.alerts]]`), validated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class RuleKind(StrEnum):
    QUEUE_DEPTH = "queue_depth"  # messages ready above `threshold` for `for_seconds`
    DEAD_LETTERS = "dead_letters"  # a dead-letter queue not empty (or growing)
    SUCCESS_RATE = "success_rate"  # success rate below `threshold` % over `window_seconds`
    SILENCE = "silence"  # no event at all for `for_seconds`
    NO_CONSUMERS = "no_consumers"  # a queue's consumer count at zero for `for_seconds`
    # A memory or disk alarm (publishers blocked) or a network partition, from node health.
    BROKER_ALARM = "broker_alarm"


# The kinds judged on queue samples (the others on the event history).
QUEUE_KINDS = frozenset({RuleKind.QUEUE_DEPTH, RuleKind.DEAD_LETTERS, RuleKind.NO_CONSUMERS})


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One rule. Which fields matter depends on `kind` (see parse_rules)."""

    name: str
    kind: RuleKind
    # The queue watched (queue kinds); None = every sampled queue it applies to.
    queue: str | None = None
    threshold: float = 0.0  # depth (queue_depth), percent (success_rate)
    for_seconds: float = 0.0  # how long the condition must hold before firing
    window_seconds: float = 900.0  # success_rate: the window; dead_letters growing: compared span
    min_samples: int = 20  # success_rate: fewer outcomes than this never fires
    merchant: str | None = None  # success_rate: one merchant instead of everyone
    growing: bool = False  # dead_letters: fire only while the depth grows
    enabled: bool = True


# TOML keys per kind, beside the common `name`, `kind` and `enabled`.
_KEYS: dict[RuleKind, frozenset[str]] = {
    RuleKind.QUEUE_DEPTH: frozenset({"queue", "above", "for_seconds"}),
    RuleKind.DEAD_LETTERS: frozenset({"queue", "growing", "window_seconds", "for_seconds"}),
    RuleKind.SUCCESS_RATE: frozenset(
        {"below_percent", "window_minutes", "min_samples", "merchant", "for_seconds"}
    ),
    RuleKind.SILENCE: frozenset({"minutes"}),
    RuleKind.NO_CONSUMERS: frozenset({"queue", "for_seconds"}),
    RuleKind.BROKER_ALARM: frozenset({"for_seconds"}),
}
_COMMON = frozenset({"name", "kind", "enabled"})


def parse_rules(raw: Sequence[Mapping[str, Any]]) -> tuple[AlertRule, ...]:
    """Rules from the profile's `alerts` array; ValueError naming the rule and the key at fault."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise ValueError("alerts must be an array of tables ([[profiles.NAME.alerts]])")
    rules: list[AlertRule] = []
    names: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        rule = parse_rule(entry, index)
        if rule.name in names:
            raise ValueError(f"alert #{index}: another alert is already named {rule.name!r}")
        names.add(rule.name)
        rules.append(rule)
    return tuple(rules)


def parse_rule(entry: Mapping[str, Any], index: int = 1) -> AlertRule:
    """One `[[alerts]]` table as an AlertRule."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"alert #{index}: expected a table, got {type(entry).__name__}")
    name = entry.get("name")
    label = f"alert #{index}" if not isinstance(name, str) or not name.strip() else repr(name)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{label}: `name` is required (a non-empty string)")
    raw_kind = entry.get("kind")
    try:
        kind = RuleKind(str(raw_kind))
    except ValueError:
        kinds = ", ".join(k.value for k in RuleKind)
        raise ValueError(f"{label}: `kind` must be one of {kinds}, not {raw_kind!r}") from None
    allowed = _KEYS[kind] | _COMMON
    if unknown := sorted(set(entry) - allowed):
        raise ValueError(
            f"{label}: unknown key(s) {', '.join(unknown)} for kind {kind.value} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )
    get = _Reader(label, entry)
    enabled = get.boolean("enabled", True)
    if kind is RuleKind.QUEUE_DEPTH:
        return AlertRule(
            name.strip(),
            kind,
            queue=get.text("queue"),
            threshold=get.number("above", required=True, minimum=0),
            for_seconds=get.number("for_seconds", 0.0, minimum=0),
            enabled=enabled,
        )
    if kind is RuleKind.DEAD_LETTERS:
        return AlertRule(
            name.strip(),
            kind,
            queue=get.text("queue"),
            growing=get.boolean("growing", False),
            window_seconds=get.number("window_seconds", 300.0, minimum=1),
            for_seconds=get.number("for_seconds", 0.0, minimum=0),
            enabled=enabled,
        )
    if kind is RuleKind.SUCCESS_RATE:
        return AlertRule(
            name.strip(),
            kind,
            threshold=get.number("below_percent", required=True, minimum=0, maximum=100),
            window_seconds=get.number("window_minutes", 15.0, minimum=1 / 60) * 60,
            min_samples=int(get.number("min_samples", 20, minimum=1, integer=True)),
            merchant=get.text("merchant"),
            for_seconds=get.number("for_seconds", 0.0, minimum=0),
            enabled=enabled,
        )
    if kind is RuleKind.SILENCE:
        minutes = get.number("minutes", required=True, minimum=1 / 60)
        return AlertRule(name.strip(), kind, for_seconds=minutes * 60, enabled=enabled)
    if kind is RuleKind.BROKER_ALARM:
        held = get.number("for_seconds", 0.0, minimum=0)
        return AlertRule(name.strip(), kind, for_seconds=held, enabled=enabled)
    return AlertRule(
        name.strip(),
        kind,
        queue=get.text("queue"),
        for_seconds=get.number("for_seconds", 0.0, minimum=0),
        enabled=enabled,
    )


def rule_to_dict(rule: AlertRule) -> dict[str, Any]:
    """The rule as its TOML table (the inverse of parse_rule), for the settings dialog."""
    out: dict[str, Any] = {"name": rule.name, "kind": rule.kind.value}
    if rule.kind is RuleKind.QUEUE_DEPTH:
        out |= {"queue": rule.queue, "above": _plain(rule.threshold)}
        out["for_seconds"] = _plain(rule.for_seconds)
    elif rule.kind is RuleKind.DEAD_LETTERS:
        out |= {"queue": rule.queue, "growing": rule.growing}
        if rule.growing:
            out["window_seconds"] = _plain(rule.window_seconds)
        out["for_seconds"] = _plain(rule.for_seconds)
    elif rule.kind is RuleKind.SUCCESS_RATE:
        out |= {
            "below_percent": _plain(rule.threshold),
            "window_minutes": _plain(rule.window_seconds / 60),
            "min_samples": rule.min_samples,
            "merchant": rule.merchant,
            "for_seconds": _plain(rule.for_seconds),
        }
    elif rule.kind is RuleKind.SILENCE:
        out["minutes"] = _plain(rule.for_seconds / 60)
    elif rule.kind is RuleKind.BROKER_ALARM:
        out["for_seconds"] = _plain(rule.for_seconds)
    else:
        out |= {"queue": rule.queue, "for_seconds": _plain(rule.for_seconds)}
    if not rule.enabled:
        out["enabled"] = False
    # TOML has no null: an unset optional key is left out.
    return {key: value for key, value in out.items() if value is not None}


def describe(rule: AlertRule) -> str:
    """A one-line human description: 'messages ready on orders above 1000 for 60 s'."""
    held = f" for {_plain(rule.for_seconds)} s" if rule.for_seconds else ""
    queue = rule.queue or "any queue"
    if rule.kind is RuleKind.QUEUE_DEPTH:
        return f"messages ready on {queue} above {_plain(rule.threshold)}{held}"
    if rule.kind is RuleKind.DEAD_LETTERS:
        where = rule.queue or "any dead-letter queue"
        if rule.growing:
            return f"{where} growing over {_plain(rule.window_seconds)} s{held}"
        return f"{where} not empty{held}"
    if rule.kind is RuleKind.SUCCESS_RATE:
        who = f" for {rule.merchant}" if rule.merchant else ""
        return (
            f"success rate{who} below {_plain(rule.threshold)}% over "
            f"{_plain(rule.window_seconds / 60)} min (at least {rule.min_samples} payments)"
            f"{held}"
        )
    if rule.kind is RuleKind.SILENCE:
        return f"no events for {_plain(rule.for_seconds / 60)} min"
    if rule.kind is RuleKind.BROKER_ALARM:
        return f"a memory or disk alarm (publishers blocked) or a partition on the broker{held}"
    return f"no consumers on {rule.queue or 'any queue'}{held}"


def _plain(value: float) -> float | int:
    """30.0 as 30, for TOML and messages."""
    return int(value) if float(value).is_integer() else value


class _Reader:
    """Typed reads of one alert table, with errors naming the rule and the key."""

    def __init__(self, label: str, entry: Mapping[str, Any]) -> None:
        self._label = label
        self._entry = entry

    def text(self, key: str) -> str | None:
        value = self._entry.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{self._label}: `{key}` must be a non-empty string")
        return value.strip()

    def boolean(self, key: str, default: bool) -> bool:
        value = self._entry.get(key, default)
        if not isinstance(value, bool):
            raise ValueError(f"{self._label}: `{key}` must be true or false, not {value!r}")
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
    ) -> float:
        if key not in self._entry:
            if required or default is None:
                raise ValueError(f"{self._label}: `{key}` is required")
            return float(default)
        value = self._entry[key]
        # bool is an int in Python; `above = true` is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise ValueError(f"{self._label}: `{key}` must be a number, not {value!r}")
        if integer and not float(value).is_integer():
            raise ValueError(f"{self._label}: `{key}` must be a whole number, not {value!r}")
        if minimum is not None and value < minimum:
            raise ValueError(f"{self._label}: `{key}` must be at least {minimum:g}, not {value}")
        if maximum is not None and value > maximum:
            raise ValueError(f"{self._label}: `{key}` must be at most {maximum:g}, not {value}")
        return float(value)
