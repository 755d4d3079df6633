"""A queue's type and arguments as RabbitMQ takes them: typed text read into arguments, and
what the broker would refuse said before it is asked (declare_queue.py declares the queue).

Whole-number arguments typed as text become integers (the broker refuses x-max-length "10").
Each type refuses some arguments outright ("invalid arg 'x-max-length' ... of queue type
rabbit_stream_queue", measured on 3.10; RabbitMQ 4 refuses the same). The type is always
sent as x-queue-type: on RabbitMQ 4 a queue declared without one gets the vhost's default
type, which may not be classic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opsdesk.operations.write_specs import DeclareQueueSpec

QUEUE_TYPES = ("classic", "quorum", "stream")
INTEGER_ARGUMENTS = frozenset(
    {
        "x-max-length",
        "x-max-length-bytes",
        "x-message-ttl",
        "x-expires",
        "x-max-priority",
        "x-delivery-limit",
        "x-quorum-initial-group-size",
        "x-initial-cluster-size",
        "x-stream-max-segment-size-bytes",
    }
)
BOOLEAN_ARGUMENTS = frozenset({"x-single-active-consumer"})
KNOWN_ARGUMENTS = (
    INTEGER_ARGUMENTS
    | BOOLEAN_ARGUMENTS
    | {
        "x-dead-letter-exchange",
        "x-dead-letter-routing-key",
        "x-dead-letter-strategy",
        "x-overflow",
        "x-queue-type",
        "x-queue-mode",
        "x-queue-version",
        "x-queue-leader-locator",
        "x-max-age",
        "x-stream-filter-size-bytes",
    }
)
# What RabbitMQ refuses for each type ("invalid arg ... of queue type rabbit_stream_queue").
NOT_FOR_TYPE: dict[str, frozenset[str]] = {
    "classic": frozenset(
        {"x-delivery-limit", "x-dead-letter-strategy", "x-max-age", "x-initial-cluster-size"}
    ),
    "quorum": frozenset({"x-max-priority", "x-queue-mode", "x-max-age"}),
    "stream": frozenset(
        {
            "x-dead-letter-exchange",
            "x-dead-letter-routing-key",
            "x-dead-letter-strategy",
            "x-delivery-limit",
            "x-max-length",
            "x-message-ttl",
            "x-expires",
            "x-overflow",
            "x-max-priority",
            "x-single-active-consumer",
            "x-queue-mode",
        }
    ),
}
OVERFLOW_VALUES = ("drop-head", "reject-publish", "reject-publish-dlx")


def parse_argument(line: str) -> tuple[str, Any]:
    """`NAME=VALUE` (whole-number arguments become integers) or `NAME:=JSON`; ValueError why."""
    name, equals, value = line.partition("=")
    name = name.strip()
    if not equals or not name.rstrip(":").strip():
        raise ValueError(f"expected NAME=VALUE or NAME:=JSON, got {line.strip()!r}")
    if name.endswith(":"):
        name = name[:-1].strip()
        try:
            return name, json.loads(value)
        except ValueError:
            raise ValueError(f"{name}: {value.strip()!r} is not JSON") from None
    return name, _typed(name, value.strip())


def parse_arguments(text: str) -> dict[str, Any]:
    """One argument a line (blank lines skipped); ValueError for a bad line or a repeated name."""
    arguments: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, value = parse_argument(line)
        if name in arguments:
            raise ValueError(f"{name} is given twice")
        arguments[name] = value
    return arguments


def _typed(name: str, text: str) -> Any:
    if name in INTEGER_ARGUMENTS:
        try:
            return int(text.replace("_", ""))
        except ValueError:
            raise ValueError(f"{name} takes a whole number, not {text!r}") from None
    if name in BOOLEAN_ARGUMENTS:
        if text.lower() not in ("true", "false"):
            raise ValueError(f"{name} takes true or false, not {text!r}")
        return text.lower() == "true"
    return text


def queue_spec(
    name: str, queue_type: str, durable: bool = True, arguments: Mapping[str, Any] | None = None
) -> DeclareQueueSpec:
    """The queue as asked, or ValueError saying (in one sentence) what RabbitMQ would refuse."""
    if not name.strip():
        raise ValueError("Name the queue.")
    if name.startswith("amq."):
        raise ValueError("Queue names starting with 'amq.' are reserved for the broker.")
    if len(name.encode()) > 255:
        raise ValueError("A queue name is at most 255 bytes long.")
    if queue_type not in QUEUE_TYPES:
        raise ValueError(f"The queue type is one of {', '.join(QUEUE_TYPES)}, not {queue_type!r}.")
    if queue_type != "classic" and not durable:
        raise ValueError(f"A {queue_type} queue is always durable.")
    given = dict(arguments or {})
    asked = given.pop("x-queue-type", queue_type)
    if asked != queue_type:
        raise ValueError(f"x-queue-type {asked!r} contradicts the queue type {queue_type!r}.")
    refused = sorted(set(given) & NOT_FOR_TYPE[queue_type])
    if refused:
        raise ValueError(
            f"A {queue_type} queue does not take {', '.join(refused)}: RabbitMQ refuses it."
        )
    for key, value in given.items():
        _check_value(key, value)
    return DeclareQueueSpec(name, queue_type, durable, {"x-queue-type": queue_type, **given})


def _check_value(key: str, value: Any) -> None:
    if key in INTEGER_ARGUMENTS and (
        not isinstance(value, int) or isinstance(value, bool) or value < 0
    ):
        raise ValueError(f"{key} takes a whole number of at least 0, not {value!r}.")
    if key in BOOLEAN_ARGUMENTS and not isinstance(value, bool):
        raise ValueError(f"{key} takes true or false, not {value!r}.")
    if key == "x-overflow" and value not in OVERFLOW_VALUES:
        raise ValueError(f"x-overflow is one of {', '.join(OVERFLOW_VALUES)}, not {value!r}.")
    if key in ("x-dead-letter-exchange", "x-dead-letter-routing-key") and not isinstance(
        value, str
    ):
        raise ValueError(f"{key} takes a name, not {value!r}.")
