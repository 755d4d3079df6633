"""Alert rules from the profile's `[[profiles.NAME.alerts]]` tables."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from opsdesk.config import DEFAULT_ALERTS
from opsdesk.config.alert_rules import AlertRule, RuleKind, describe, parse_rules, rule_to_dict

PROFILE = """
[[profiles.prod.alerts]]
name = "orders backlog"
kind = "queue_depth"
queue = "payments.orders"
above = 1000
for_seconds = 60

[[profiles.prod.alerts]]
name = "dead letters"
kind = "dead_letters"

[[profiles.prod.alerts]]
name = "dlq growing"
kind = "dead_letters"
queue = "payments.orders.dlq"
growing = true
window_seconds = 120

[[profiles.prod.alerts]]
name = "acme success"
kind = "success_rate"
below_percent = 92.5
window_minutes = 10
min_samples = 50
merchant = "acme"

[[profiles.prod.alerts]]
name = "silence"
kind = "silence"
minutes = 5

[[profiles.prod.alerts]]
name = "orders consumers"
kind = "no_consumers"
queue = "payments.orders"
for_seconds = 30
enabled = false
"""


def parsed() -> tuple[AlertRule, ...]:
    return parse_rules(tomllib.loads(PROFILE)["profiles"]["prod"]["alerts"])


def test_every_kind_parses_from_toml() -> None:
    rules = parsed()
    assert rules[0] == AlertRule(
        "orders backlog", RuleKind.QUEUE_DEPTH, "payments.orders", 1000, 60
    )
    assert (rules[1].kind, rules[1].queue, rules[1].growing) == (RuleKind.DEAD_LETTERS, None, False)
    assert (rules[2].growing, rules[2].window_seconds) == (True, 120)
    acme = rules[3]
    assert (acme.threshold, acme.window_seconds, acme.min_samples, acme.merchant) == (
        92.5,
        600,
        50,
        "acme",
    )
    assert (rules[4].kind, rules[4].for_seconds) == (RuleKind.SILENCE, 300)
    assert (rules[5].for_seconds, rules[5].enabled) == (30, False)


def test_rules_survive_a_round_trip_through_their_tables() -> None:
    rules = parsed()
    assert parse_rules([rule_to_dict(rule) for rule in rules]) == rules
    assert rule_to_dict(rules[0]) == {
        "name": "orders backlog",
        "kind": "queue_depth",
        "queue": "payments.orders",
        "above": 1000,
        "for_seconds": 60,
    }


def test_descriptions_name_the_condition() -> None:
    rules = parsed()
    assert describe(rules[0]) == "messages ready on payments.orders above 1000 for 60 s"
    assert describe(rules[1]) == "any dead-letter queue not empty"
    assert "below 92.5% over 10 min" in describe(rules[3])
    assert describe(rules[4]) == "no events for 5 min"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "silence", "minutes": 5}, "`name` is required"),
        ({"name": "x", "kind": "disk_full"}, "`kind` must be one of queue_depth"),
        ({"name": "x", "kind": "queue_depth", "queue": "q"}, "'x': `above` is required"),
        ({"name": "x", "kind": "queue_depth", "above": True}, "`above` must be a number"),
        ({"name": "x", "kind": "queue_depth", "above": -1}, "`above` must be at least 0"),
        ({"name": "x", "kind": "queue_depth", "above": 5, "below_percent": 3}, "unknown key"),
        ({"name": "x", "kind": "success_rate", "below_percent": 120}, "at most 100"),
        ({"name": "x", "kind": "success_rate", "below_percent": 90, "min_samples": 2.5}, "whole"),
        (
            {"name": "x", "kind": "dead_letters", "growing": "yes"},
            "`growing` must be true or false",
        ),
        ({"name": "x", "kind": "no_consumers", "queue": ""}, "`queue` must be a non-empty string"),
        ({"name": "x", "kind": "silence"}, "`minutes` is required"),
    ],
)
def test_mistakes_are_reported_with_the_rule_and_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_rules([table])


def test_names_must_be_unique_and_alerts_an_array() -> None:
    with pytest.raises(ValueError, match="already named 'a'"):
        parse_rules([{"name": "a", "kind": "silence", "minutes": 1}] * 2)
    with pytest.raises(ValueError, match="array of tables"):
        parse_rules({"name": "a"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected a table"):
        parse_rules(["a"])  # type: ignore[list-item]


def test_broker_alarm_rules_parse_round_trip_and_describe_themselves() -> None:
    (rule,) = parse_rules([{"name": "blocked", "kind": "broker_alarm", "for_seconds": 10}])
    assert rule == AlertRule("blocked", RuleKind.BROKER_ALARM, for_seconds=10)
    assert rule_to_dict(rule) == {"name": "blocked", "kind": "broker_alarm", "for_seconds": 10}
    assert parse_rules([rule_to_dict(rule)]) == (rule,)
    assert describe(rule) == (
        "a memory or disk alarm (publishers blocked) or a partition on the broker for 10 s"
    )
    with pytest.raises(ValueError, match="unknown key"):
        parse_rules([{"name": "x", "kind": "broker_alarm", "queue": "orders"}])


def test_new_profiles_watch_for_a_blocked_broker() -> None:
    assert AlertRule("broker alarm", RuleKind.BROKER_ALARM) in DEFAULT_ALERTS
