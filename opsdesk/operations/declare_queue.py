"""Declare a queue (a parking queue, say) with its type and arguments.

Previewed, audited and refused on read-only profiles like every write (execution.py). A queue
that exists is never declared again: with the same settings there is nothing to do; with
other ones RabbitMQ would refuse the declare (PRECONDITION_FAILED), and the preview says which
setting differs instead. What the broker would refuse in the arguments themselves is said
before it is asked (queue_arguments.py builds the spec); what only the broker knows (a
priority above 255, say) comes back from it in the outcome, and nothing is created.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pika.exceptions
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.access_refused import missing_permission
from opsdesk.broker.management_api import ManagementClient, ManagementError
from opsdesk.broker.monitor_failure_text import describe_management_failure
from opsdesk.operations.errors import Refused
from opsdesk.operations.plan import (
    Action,
    MessageOutcome,
    OperationResult,
    OutcomeStatus,
    Plan,
    PlannedMessage,
)
from opsdesk.operations.queue_arguments import KNOWN_ARGUMENTS
from opsdesk.operations.queue_facts import exchange_exists, queue_exists
from opsdesk.operations.write_specs import DeclareQueueSpec

log = logging.getLogger(__name__)

METHOD = "queue.declare on a channel of its own; no binding is made and nothing else is touched"
_EXISTING_COLUMNS = "name,type,durable,auto_delete,exclusive,arguments"


@dataclass(frozen=True, slots=True)
class ExistingQueue:
    """A queue of that name as the management API shows it."""

    queue_type: str
    durable: bool
    auto_delete: bool
    exclusive: bool
    arguments: Mapping[str, Any]


def plan_declare_queue(
    connection: BlockingConnection, client: ManagementClient | None, spec: DeclareQueueSpec
) -> Plan:
    """What declaring `spec` would do; Refused when a queue of that name differs from it."""
    existing = read_existing(connection, client, spec.queue)
    if existing is not None:
        differences = settings_differences(existing, spec)
        if differences:
            raise Refused(
                f"Queue {spec.queue!r} already exists with other settings: "
                f"{'; '.join(differences)}. It is not declared again (RabbitMQ would refuse "
                "that: PRECONDITION_FAILED); delete it first or choose another name."
            )
        return Plan(
            action=Action.DECLARE_QUEUE,
            source=spec.queue,
            destinations=(),
            count=0,
            count_is_exact=True,
            method=METHOD,
            spec=spec,
            warnings=(
                f"Queue {spec.queue!r} already exists with exactly these settings: nothing to do.",
            ),
        )
    return Plan(
        action=Action.DECLARE_QUEUE,
        source=spec.queue,
        destinations=(),
        count=1,
        count_is_exact=True,
        method=METHOD,
        spec=spec,
        items=(PlannedMessage(key=spec.queue, destination=None),),
        warnings=tuple(_warnings(connection, spec)),
    )


def read_existing(
    connection: BlockingConnection, client: ManagementClient | None, queue: str
) -> ExistingQueue | None:
    """The queue's settings if it exists; Refused when it exists but they cannot be read."""
    if not queue_exists(connection, queue):
        return None
    cannot = f"Queue {queue!r} already exists and its settings cannot be read"
    if client is None:
        raise Refused(f"{cannot} (no usable management API): it is not declared again.")
    path = f"/api/queues/{client.vhost_segment}/{quote(queue, safe='')}"
    try:
        entry = client.get(f"{path}?columns={_EXISTING_COLUMNS}")
    except ManagementError as exc:
        raise Refused(
            f"{cannot}: {describe_management_failure(exc)} It is not declared again."
        ) from exc
    if not isinstance(entry, dict):
        raise Refused(f"{cannot}: the management API gave no queue. It is not declared again.")
    arguments = entry.get("arguments")
    return ExistingQueue(
        queue_type=str(entry.get("type") or "classic"),
        durable=bool(entry.get("durable", True)),
        auto_delete=bool(entry.get("auto_delete", False)),
        exclusive=bool(entry.get("exclusive", False)),
        arguments=arguments if isinstance(arguments, dict) else {},
    )


def settings_differences(existing: ExistingQueue, spec: DeclareQueueSpec) -> list[str]:
    """How the queue that exists differs from the one asked for, a phrase each."""
    found: list[str] = []
    if existing.queue_type != spec.queue_type:
        found.append(f"it is a {existing.queue_type} queue, not {spec.queue_type}")
    if existing.durable != spec.durable:
        found.append("it is durable" if existing.durable else "it is transient (not durable)")
    if existing.exclusive:
        found.append("it is exclusive to the connection that declared it")
    if existing.auto_delete:
        found.append("it is auto-delete")
    theirs = {k: v for k, v in existing.arguments.items() if k != "x-queue-type"}
    mine = {k: v for k, v in spec.arguments.items() if k != "x-queue-type"}
    for key in sorted(set(theirs) | set(mine)):
        if key not in theirs:
            found.append(f"it has no {key} (asked {mine[key]!r})")
        elif key not in mine:
            found.append(f"it has {key} = {theirs[key]!r}, not asked for")
        elif theirs[key] != mine[key]:
            found.append(f"its {key} is {theirs[key]!r}, not {mine[key]!r}")
    return found


def _warnings(connection: BlockingConnection, spec: DeclareQueueSpec) -> list[str]:
    arguments = spec.arguments
    warnings = [
        f"{key} is not an argument RabbitMQ knows: the queue keeps it, but nothing acts on it"
        for key in sorted(set(arguments) - KNOWN_ARGUMENTS)
    ]
    dlx = arguments.get("x-dead-letter-exchange")
    if isinstance(dlx, str) and not exchange_exists(connection, dlx):
        warnings.append(
            f"Dead-letter exchange {dlx!r} does not exist (yet): until it does, what this "
            "queue dead-letters is dropped."
        )
    if not spec.durable:
        warnings.append(
            "A transient queue and its messages are gone when the broker restarts (RabbitMQ 4 "
            "deprecates transient queues that are not exclusive)."
        )
    warnings.append(
        "It gets no binding: messages reach it by its name through the default exchange, or "
        "through a binding added later."
    )
    return warnings


def run_declare_queue(
    connection: BlockingConnection, plan: Plan, spec: DeclareQueueSpec
) -> OperationResult:
    """Declare the queue as previewed, unless a queue of that name appeared meanwhile."""
    if plan.count == 0:  # it existed as asked when previewed (a script declaring it again)
        note = f"Queue {spec.queue!r} already existed with these settings: nothing was done."
        return OperationResult(plan, (), examined=0, notes=(note,))
    if queue_exists(connection, spec.queue):
        detail = (
            "a queue of that name was created since the preview: it is not declared again "
            "(Preview again to compare its settings)"
        )
        return _result(plan, spec, OutcomeStatus.REFUSED, detail)
    channel = connection.channel()
    try:
        channel.queue_declare(spec.queue, durable=spec.durable, arguments=dict(spec.arguments))
    except pika.exceptions.ChannelClosedByBroker as exc:
        refused = missing_permission(exc.reply_text, exc) or f"{exc.reply_text} ({exc.reply_code})"
        detail = f"the broker refused it: {refused}; nothing was created"
        log.info("declaring %s refused: %s", spec.queue, exc.reply_text)
        return _result(plan, spec, OutcomeStatus.FAILED, detail)
    finally:
        if channel.is_open:
            channel.close()
    log.info("declared %s", spec.describe())
    return _result(plan, spec, OutcomeStatus.DONE, "declared")


def _result(
    plan: Plan, spec: DeclareQueueSpec, status: OutcomeStatus, detail: str
) -> OperationResult:
    outcome = MessageOutcome(spec.queue, status, detail=detail)
    notes = (f"Queue {spec.queue!r} created.",) if status is OutcomeStatus.DONE else ()
    return OperationResult(plan, (outcome,), examined=1, notes=notes)
