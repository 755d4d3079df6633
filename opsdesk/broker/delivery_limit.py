"""A quorum queue's delivery limit: which one applies, and what handing a message back costs.

RabbitMQ counts, for each message of a quorum queue, the returns that count (below) and shows
the count to whoever takes the message next as its `x-delivery-count` header (absent or 0 at
first). A return that makes the count pass the limit dead-letters the message, or drops it
when the queue has no dead-letter exchange. Measured on RabbitMQ 3.10.8 with a limit of 2
(tests/operations/test_quorum_delivery_limit.py): taken with count 0 and 1 the message
survives its return, taken with count 2 its return dead-letters it. So a message taken with
count `c` survives being handed back when `c + 1 <= limit`, and that return leaves it no
return to spare when `c + 1 == limit`: this is where every path that hands messages back stops.
A limit of 0 or less dead-letters at the first return on 3.x (measured); on 4.x a negative
limit means none.

Which returns count:
- before 4.3 every one: basic.nack, basic.reject and a closed channel alike (all three measured
  on 3.10.8), so a message a browse has taken cannot be given back without counting;
- from 4.3 basic.reject(requeue) counts and basic.nack(requeue) does not.

Which limit applies (rabbit_quorum_queue): the `x-delivery-limit` argument and the policy's
`delivery-limit` when both are set, the lower one (on 4.x a negative one loses to the other);
neither set: 20 on 4.x, no limit on 3.x.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

COUNT_HEADER = "x-delivery-count"
LIMIT_ARGUMENT = "x-delivery-limit"
LIMIT_POLICY_KEY = "delivery-limit"
DEFAULT_QUORUM_LIMIT = 20  # RabbitMQ 4.0 and later, when neither argument nor policy sets one
DEFAULT_SINCE = (4, 0)
NACK_FREE_SINCE = (4, 3)
UNKNOWN_VERSION = (0, 0)


def nack_counts(version: tuple[int, int]) -> bool:
    """Whether basic.nack(requeue) counts as a delivery; an unknown version is assumed to."""
    return version == UNKNOWN_VERSION or version < NACK_FREE_SINCE


def has_default_limit(version: tuple[int, int]) -> bool:
    """Whether a quorum queue without a limit gets DEFAULT_QUORUM_LIMIT (assumed if unknown)."""
    return version == UNKNOWN_VERSION or version >= DEFAULT_SINCE


def delivery_count(headers: Mapping[str, Any] | None) -> int:
    """The `x-delivery-count` a message was delivered with: its counted returns so far."""
    value = (headers or {}).get(COUNT_HEADER)
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return int(value)  # pika hands a long-string subclass of int
    return 0


@dataclass(frozen=True, slots=True)
class ReturnCheck:
    """What handing back one message taken with `count` does to it."""

    count: int  # x-delivery-count as taken
    limit: int | None  # None: no limit applies
    counts: bool  # whether this return counts

    @property
    def after(self) -> int:
        return self.count + 1 if self.counts else self.count

    @property
    def dead_letters(self) -> bool:
        """The broker dead-letters (or drops) it as it goes back."""
        return self.limit is not None and self.after > self.limit

    @property
    def exhausts(self) -> bool:
        """It goes back with no return to spare, or not at all: stop taking at this one."""
        return self.limit is not None and self.after >= self.limit


@dataclass(frozen=True, slots=True)
class DeliveryLimit:
    """The limit a queue's messages are held to, where it comes from, and what counts."""

    value: int | None  # None: no limit applies
    source: str  # in words, for the operator
    known: bool = True  # False: the queue could not be read, `value` is an assumption
    nack_counts: bool = True  # basic.nack(requeue) counts as a delivery on this broker

    @property
    def guards_returns(self) -> bool:
        """Whether handing a message back can dead-letter it, so each return is checked."""
        return self.value is not None and self.nack_counts

    def check(self, headers: Mapping[str, Any] | None) -> ReturnCheck:
        """Handing back, with basic.nack, a message delivered with `headers`."""
        return ReturnCheck(delivery_count(headers), self.value, self.nack_counts)

    def describe(self) -> str:
        if self.value is None:
            return self.source
        counted = (
            "returns with basic.nack count towards it"
            if self.nack_counts
            else "returns with basic.nack do not count on this broker"
        )
        return f"delivery limit {self.value} ({self.source}; {counted})"


NO_LIMIT = DeliveryLimit(None, "no delivery limit", nack_counts=False)


def effective_limit(
    queue_type: str | None,
    arguments: Mapping[str, Any] | None,
    policy: Mapping[str, Any] | None,
    version: tuple[int, int],
) -> DeliveryLimit:
    """The limit the broker applies to a queue, from its arguments and effective policy."""
    if queue_type is None:
        return unknown_limit(version)
    if queue_type != "quorum":
        return DeliveryLimit(None, f"a {queue_type} queue has no delivery limit", nack_counts=False)
    counts = nack_counts(version)
    argument = _integer((arguments or {}).get(LIMIT_ARGUMENT))
    from_policy = _integer((policy or {}).get(LIMIT_POLICY_KEY))
    v4 = has_default_limit(version)
    if argument is not None and from_policy is not None:
        value = _combined(argument, from_policy, v4)
        both = f"{LIMIT_ARGUMENT} {argument} and policy {LIMIT_POLICY_KEY} {from_policy}"
        none_means_none = v4 and min(argument, from_policy) < 0
        source = f"{both}: a negative one means none" if none_means_none else f"the lower of {both}"
    elif argument is not None:
        value, source = argument, f"{LIMIT_ARGUMENT} {argument}"
    elif from_policy is not None:
        value, source = from_policy, f"policy {LIMIT_POLICY_KEY} {from_policy}"
    elif v4:
        value, source = DEFAULT_QUORUM_LIMIT, "RabbitMQ 4's default: none is set"
    else:
        return DeliveryLimit(None, "no delivery limit: none is set (RabbitMQ 3.x has no default)")
    if v4 and value < 0:
        return DeliveryLimit(None, f"no delivery limit ({source}: negative means none)")
    return DeliveryLimit(value, source, nack_counts=counts)


def unknown_limit(version: tuple[int, int]) -> DeliveryLimit:
    """The queue's type and settings could not be read: assume the worst the version allows."""
    if has_default_limit(version):
        return DeliveryLimit(
            DEFAULT_QUORUM_LIMIT,
            f"unknown: assumed {DEFAULT_QUORUM_LIMIT}, RabbitMQ 4's default for quorum queues",
            known=False,
            nack_counts=nack_counts(version),
        )
    return DeliveryLimit(None, "unknown: the queue's type and limit could not be read", False)


def _combined(argument: int, from_policy: int, v4: bool) -> int:
    # rabbit_quorum_queue: min/2 on 3.x; on 4.x resolve_delivery_limit, where a negative
    # value (none) loses to a limit.
    if v4 and (argument < 0 or from_policy < 0):
        return max(argument, from_policy)
    return min(argument, from_policy)


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None
