"""Publish one test message an operator typed: where the route tracer says it goes, then the
broker's own word on it (mandatory, with publisher confirms): routed, or returned unroutable.

Previewed, audited and refused on read-only profiles like every write (execution.py). The
message is marked (header x-opsdesk-test-message: the operator, message id opsdesk-test-...),
because whatever consumes the queues it reaches receives it like any other message.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.management_api import ManagementClient, ManagementError
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.broker.route_text import path_text, unrouted_text, untraceable_text
from opsdesk.broker.route_tracer import Route, trace
from opsdesk.broker.topology import Topology, read_topology
from opsdesk.operations.confirms import Confirmation, ConfirmingPublisher
from opsdesk.operations.errors import NotFound, Refused
from opsdesk.operations.plan import (
    Action,
    Destination,
    MessageOutcome,
    OperationResult,
    OutcomeStatus,
    Plan,
    PlannedMessage,
)
from opsdesk.operations.queue_facts import exchange_exists
from opsdesk.operations.write_specs import PublishTestSpec

log = logging.getLogger(__name__)

TEST_HEADER = "x-opsdesk-test-message"  # its value: the operator who sent it
SOURCE = "test message"  # the audit log's source for these
CONFIRM_TIMEOUT = 10.0
METHOD = (
    "basic.publish, mandatory, with publisher confirms: the broker says whether a queue took it"
)


@dataclass(frozen=True, slots=True)
class MessageDraft:
    """What the operator typed."""

    exchange: str  # "" is the default exchange
    routing_key: str
    body: str = ""
    content_type: str = "application/json"
    headers: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def destination(self) -> Destination:
        return Destination(self.exchange, self.routing_key)


def parse_header(line: str) -> tuple[str, Any]:
    """`NAME=VALUE` (a string) or `NAME:=JSON` (another type: n:=2, CC:=["a"]); ValueError why."""
    name, equals, value = line.partition("=")
    name = name.strip()
    if not equals or not name.rstrip(":").strip():
        raise ValueError(f"expected NAME=VALUE or NAME:=JSON, got {line.strip()!r}")
    if not name.endswith(":"):
        return name, value.strip()
    name = name[:-1].strip()
    try:
        return name, json.loads(value)
    except ValueError:
        raise ValueError(f"header {name}: {value.strip()!r} is not JSON") from None


def parse_headers(text: str) -> dict[str, Any]:
    """One header a line, blank lines skipped; ValueError for a bad line."""
    return dict(parse_header(line) for line in text.splitlines() if line.strip())


def plan_test_message(
    connection: BlockingConnection,
    client: ManagementClient | None,
    operator: str,
    draft: MessageDraft,
) -> Plan:
    """The message exactly as it would be sent, and where the tracer says it would land."""
    if not exchange_exists(connection, draft.exchange):
        raise NotFound(f"Exchange {draft.exchange!r} does not exist: nothing can be sent to it.")
    headers = {**draft.headers, TEST_HEADER: operator}
    traced = read_route(client, draft.exchange, draft.routing_key, headers)
    expected: tuple[str, ...] | None = None
    if isinstance(traced, tuple):
        topology, route = traced
        if route.refusal == "internal":
            raise Refused(unrouted_text(route, topology))
        expected = route.queue_names if route.complete else None
    message_id = f"opsdesk-test-{uuid.uuid4().hex[:16]}"
    spec = PublishTestSpec(
        exchange=draft.exchange,
        routing_key=draft.routing_key,
        body=draft.body.encode("utf-8"),
        content_type=draft.content_type,
        message_id=message_id,
        headers=headers,
        expected_queues=expected,
    )
    item = PlannedMessage(
        key=message_id,
        destination=draft.destination,
        message_id=message_id,
        headers_added={TEST_HEADER: operator},
    )
    return Plan(
        action=Action.PUBLISH_TEST,
        source=SOURCE,
        destinations=(draft.destination,),
        count=1,
        count_is_exact=True,
        method=METHOD,
        spec=spec,
        items=(item,),
        warnings=(*route_sentences(traced), *_body_warnings(draft)),
    )


Traced = tuple[Topology, Route] | str  # a route, or why there is none (one sentence)


def read_route(
    client: ManagementClient | None, exchange: str, routing_key: str, headers: Mapping[str, Any]
) -> Traced:
    """Where the tracer says the message goes, over the bindings as they are now."""
    if client is None:
        return "The management API is not usable, so where it goes cannot be traced."
    try:
        topology = read_topology(client)
    except ManagementError as exc:
        return f"Where it goes cannot be traced: {describe_management_failure(exc)}"
    return topology, trace(topology, exchange, routing_key, headers)


def route_sentences(traced: Traced) -> list[str]:
    """The tracer's answer for the preview: the queues with their paths, or why none."""
    if isinstance(traced, str):
        return [traced + " The broker will still say whether a queue took it."]
    topology, route = traced
    as_of = f"Per the bindings read at {topology.read_at:%H:%M:%S} UTC"
    if not route.routed:
        return [
            f"{as_of} it reaches no queue: {unrouted_text(route, topology)}",
            "Sent mandatory, the broker returns it: it is delivered nowhere.",
        ]
    paths = "; ".join(f"{path_text(reached.paths[0])}" for reached in route.queues)
    count = len(route.queues)
    sentences = [
        f"{as_of} it reaches {count} queue{'s' if count != 1 else ''}: {paths}",
        "Whatever consumes those queues receives it like any other message (it carries "
        f"header {TEST_HEADER}).",
    ]
    if not route.complete:
        sentences.append(f"{untraceable_text(route)}: it may reach more queues.")
    return sentences


def _body_warnings(draft: MessageDraft) -> list[str]:
    if "json" in draft.content_type.lower() and draft.body.strip():
        try:
            json.loads(draft.body)
        except ValueError as exc:
            return [f"The body is not valid JSON ({exc}), though its content type says it is."]
    return []


def run_test_message(
    connection: BlockingConnection,
    client: ManagementClient | None,
    plan: Plan,
    spec: PublishTestSpec,
) -> OperationResult:
    """Publish the previewed message; the broker's verdict, with where the tracer says now."""
    if not exchange_exists(connection, spec.exchange):
        detail = f"exchange {spec.exchange!r} no longer exists: nothing was published"
        return _result(plan, spec, OutcomeStatus.REFUSED, detail, ())
    publisher: ConfirmingPublisher[str] = ConfirmingPublisher(connection)
    try:
        publisher.publish(
            spec.message_id, spec.exchange, spec.routing_key, spec.body, _properties(spec)
        )
        confirmations = publisher.wait(CONFIRM_TIMEOUT)
    finally:
        publisher.close()
    confirmation = confirmations[0] if confirmations else None
    traced = read_route(client, spec.exchange, spec.routing_key, spec.headers)
    status, detail = _verdict(confirmation, spec, traced)
    log.info("test message %s: %s (%s)", spec.message_id, status.value, detail)
    return _result(plan, spec, status, detail, _notes(status, traced))


def _properties(spec: PublishTestSpec) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type=spec.content_type or None,
        message_id=spec.message_id,
        headers=dict(spec.headers),
        delivery_mode=2,  # persistent: a confirm then means a durable queue has it on disk
        timestamp=int(time.time()),
        app_id="opsdesk",
    )


def _verdict(
    confirmation: Confirmation[str] | None, spec: PublishTestSpec, traced: Traced
) -> tuple[OutcomeStatus, str]:
    if confirmation is None:
        return OutcomeStatus.UNCONFIRMED, "no confirm from the broker: it may or may not be there"
    status = confirmation.status
    if status is OutcomeStatus.DONE:
        where = _traced_queues(traced, spec)
        return status, "routed: the broker took it and confirmed" + (
            f"; per the tracer it went to {where}" if where else ""
        )
    if status is OutcomeStatus.UNROUTABLE:
        return status, (
            f"returned by the broker as {confirmation.detail.removeprefix('unroutable: ')}: "
            "no queue took it, so it was delivered nowhere"
        )
    if status is OutcomeStatus.NACKED:
        return status, "the broker refused it (nack): no queue has it"
    return status, confirmation.detail


def _traced_queues(traced: Traced, spec: PublishTestSpec) -> str:
    if isinstance(traced, tuple):
        names = traced[1].queue_names
    elif spec.expected_queues is not None:
        names = spec.expected_queues
    else:
        return ""
    return ", ".join(names) if names else "no queue (the bindings changed since?)"


def _notes(status: OutcomeStatus, traced: Traced) -> tuple[str, ...]:
    if not isinstance(traced, tuple):
        return (traced,)
    topology, route = traced
    if status is OutcomeStatus.UNROUTABLE and not route.routed:
        return (f"Why: {unrouted_text(route, topology)}",)
    if status is OutcomeStatus.UNROUTABLE:
        return (
            "The tracer says it reaches "
            f"{', '.join(route.queue_names)}, but the broker returned it: a binding changed "
            "meanwhile, or an exchange the tracer cannot follow decided.",
        )
    return ()


def _result(
    plan: Plan,
    spec: PublishTestSpec,
    status: OutcomeStatus,
    detail: str,
    notes: tuple[str, ...],
) -> OperationResult:
    outcome = MessageOutcome(
        spec.message_id,
        status,
        message_id=spec.message_id,
        destination=Destination(spec.exchange, spec.routing_key),
        detail=detail,
    )
    return OperationResult(plan, (outcome,), examined=1, notes=notes)
