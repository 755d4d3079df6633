"""Which policy the broker applies to a queue, for queues the API reports none for yet."""

from __future__ import annotations

from opsdesk.broker.policy_match import policies_from_api, queue_policy

POLICIES = policies_from_api(
    [
        {"name": "all-dlx", "pattern": "^pay", "apply-to": "all", "priority": 0,
         "definition": {"dead-letter-exchange": "dlx"}},
        {"name": "quorum-only", "pattern": "^pay", "apply-to": "quorum_queues", "priority": 5,
         "definition": {"dead-letter-exchange": "q-dlx"}},
        {"name": "exchanges", "pattern": ".*", "apply-to": "exchanges", "priority": 9,
         "definition": {"alternate-exchange": "ae"}},
        {"name": "b-tie", "pattern": "tie", "apply-to": "queues", "priority": 1, "definition": {}},
        {"name": "a-tie", "pattern": "tie", "apply-to": "queues", "priority": 1, "definition": {}},
        {"name": "broken", "pattern": "(", "apply-to": "queues", "priority": 99, "definition": {}},
    ]
)  # fmt: skip


def name_of(queue: str, queue_type: str = "classic") -> str | None:
    policy = queue_policy(queue, queue_type, POLICIES)
    return policy.name if policy else None


def test_highest_priority_among_those_that_apply() -> None:
    assert name_of("payments") == "all-dlx"  # quorum-only does not apply to a classic queue
    assert name_of("payments", "quorum") == "quorum-only"
    assert name_of("orders") is None  # exchanges-only policies never apply to a queue


def test_the_pattern_matches_anywhere_unless_anchored() -> None:
    assert name_of("a.tie.b") == "a-tie"  # a tie goes to the first name
    assert name_of("x.payments") is None  # "^pay" is anchored


def test_a_pattern_python_cannot_read_applies_to_nothing() -> None:
    assert name_of("(") is None
