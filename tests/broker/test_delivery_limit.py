"""The delivery-limit rules: which limit applies, which returns count, and the arithmetic."""

from __future__ import annotations

import pytest

from opsdesk.broker.delivery_limit import (
    DEFAULT_QUORUM_LIMIT,
    DeliveryLimit,
    ReturnCheck,
    delivery_count,
    effective_limit,
    has_default_limit,
    nack_counts,
    unknown_limit,
)

V3, V40, V42, V43, V5, UNKNOWN = (3, 10), (4, 0), (4, 2), (4, 3), (5, 0), (0, 0)


def test_nack_counts_before_4_3_and_when_the_version_is_unknown() -> None:
    assert [nack_counts(v) for v in (V3, V40, V42, V43, V5, UNKNOWN)] == [
        True,
        True,
        True,
        False,
        False,
        True,
    ]


def test_the_default_limit_comes_with_4_0_and_is_assumed_when_unknown() -> None:
    assert [has_default_limit(v) for v in (V3, V40, V43, UNKNOWN)] == [False, True, True, True]


@pytest.mark.parametrize(
    ("argument", "policy", "version", "value"),
    [
        (2, None, V3, 2),
        (None, 2, V3, 2),
        (5, 1, V3, 1),  # the lower one (measured on 3.10.8: the policy's 1 applied)
        (1, 5, V3, 1),
        (None, None, V3, None),  # 3.x has no default
        (None, None, V40, DEFAULT_QUORUM_LIMIT),
        (None, None, UNKNOWN, DEFAULT_QUORUM_LIMIT),
        (-1, None, V40, None),  # negative: none on 4.x
        (-1, 5, V40, 5),  # a negative one loses to a limit on 4.x
        (7, -1, V43, 7),
        (-1, -1, V40, None),
        (-1, None, V3, -1),  # 3.x keeps it: every return dead-letters (measured)
        (0, None, V3, 0),
        ("3", None, V3, 3),  # policies may carry text
        (True, None, V3, None),  # not a number
    ],
)
def test_argument_and_policy_resolve_as_the_broker_does(
    argument: object, policy: object, version: tuple[int, int], value: int | None
) -> None:
    arguments = {} if argument is None else {"x-delivery-limit": argument}
    definition = {} if policy is None else {"delivery-limit": policy}
    assert effective_limit("quorum", arguments, definition, version).value == value


def test_the_source_says_where_the_limit_comes_from() -> None:
    assert effective_limit("quorum", {"x-delivery-limit": 2}, None, V3).source == (
        "x-delivery-limit 2"
    )
    assert effective_limit("quorum", {}, {"delivery-limit": 2}, V3).source == (
        "policy delivery-limit 2"
    )
    both = effective_limit("quorum", {"x-delivery-limit": 5}, {"delivery-limit": 2}, V3)
    assert both.source == "the lower of x-delivery-limit 5 and policy delivery-limit 2"
    assert "default" in effective_limit("quorum", {}, {}, V40).source
    negative = effective_limit("quorum", {"x-delivery-limit": -1}, {"delivery-limit": 5}, V40)
    assert negative.source == (
        "x-delivery-limit -1 and policy delivery-limit 5: a negative one means none"
    )


def test_only_quorum_queues_have_a_limit() -> None:
    for kind in ("classic", "stream"):
        limit = effective_limit(kind, {"x-delivery-limit": 2}, None, V3)
        assert limit.value is None and not limit.guards_returns


def test_an_unknown_queue_is_assumed_to_have_the_default_on_4_x_only() -> None:
    on_4 = effective_limit(None, None, None, V40)
    assert (on_4.value, on_4.known, on_4.guards_returns) == (DEFAULT_QUORUM_LIMIT, False, True)
    assert "unknown: assumed 20" in on_4.source
    on_3 = unknown_limit(V3)
    assert (on_3.value, on_3.known, on_3.guards_returns) == (None, False, False)


def test_returns_are_guarded_only_where_nack_counts_and_a_limit_applies() -> None:
    assert effective_limit("quorum", {"x-delivery-limit": 2}, None, V42).guards_returns
    assert not effective_limit("quorum", {"x-delivery-limit": 2}, None, V43).guards_returns
    assert not effective_limit("quorum", {}, None, V3).guards_returns


@pytest.mark.parametrize(
    ("headers", "count"),
    [
        (None, 0),
        ({}, 0),
        ({"x-delivery-count": 0}, 0),  # basic.get shows 0 on the first delivery
        ({"x-delivery-count": 2}, 2),
        ({"x-delivery-count": b"3"}, 3),
        ({"x-delivery-count": "4"}, 4),
        ({"x-delivery-count": -1}, 0),
        ({"x-delivery-count": True}, 0),
        ({"x-delivery-count": "many"}, 0),
    ],
)
def test_the_delivery_count_header(headers: dict[str, object] | None, count: int) -> None:
    assert delivery_count(headers) == count


def test_the_arithmetic_measured_with_a_limit_of_2() -> None:
    """Taken with count 0 or 1 a message survives its return; taken with 2 it does not."""
    limit = DeliveryLimit(2, "x-delivery-limit 2")
    checks = [limit.check({"x-delivery-count": c}) for c in (0, 1, 2)]
    assert [c.after for c in checks] == [1, 2, 3]
    assert [c.dead_letters for c in checks] == [False, False, True]
    # The stop: a return that leaves no return to spare (or dead-letters it).
    assert [c.exhausts for c in checks] == [False, True, True]


def test_a_return_that_does_not_count_changes_nothing() -> None:
    check = ReturnCheck(count=2, limit=2, counts=False)
    assert (check.after, check.dead_letters, check.exhausts) == (2, False, True)
    assert not ReturnCheck(count=5, limit=None, counts=True).exhausts


def test_a_limit_of_zero_dead_letters_at_the_first_return() -> None:
    check = DeliveryLimit(0, "x-delivery-limit 0").check(None)
    assert check.dead_letters and check.exhausts


def test_describe_says_whether_nack_counts() -> None:
    assert "count towards it" in effective_limit("quorum", {}, None, V40).describe()
    assert "do not count" in effective_limit("quorum", {}, None, V43).describe()
    assert effective_limit("classic", {}, None, V3).describe() == (
        "a classic queue has no delivery limit"
    )
