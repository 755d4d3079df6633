"""Running a confirmed plan: refused on read-only profiles, audited first, then run, then audited.

The order is the rule (DESIGN.md "audit first"): the intent record is committed before the
broker connection is even opened; if it cannot be written the plan does not run and nothing is
touched. Whatever happens next (done, refused, a broker failure, a bug) leaves an outcome
record that names the intent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import assert_never

import pika.exceptions
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.operations.audit_trail import (
    audit_refusal,
    audit_result,
    describe_broker_error,
    record_intent,
)
from opsdesk.operations.context import OperationContext
from opsdesk.operations.dead_letter import run_dead_letter
from opsdesk.operations.declare_queue import run_declare_queue
from opsdesk.operations.errors import OperationError, ReadOnlyProfile, Refused
from opsdesk.operations.kafka_replay_split import run_any_replay
from opsdesk.operations.move import run_move
from opsdesk.operations.plan import (
    Action,
    DeadLetterSpec,
    MoveSpec,
    OperationResult,
    Plan,
    ProgressCallback,
    PurgeSpec,
    ReplaySpec,
    RunOptions,
    SendHomeSpec,
)
from opsdesk.operations.purge import run_purge
from opsdesk.operations.queue_facts import read_queue_facts
from opsdesk.operations.send_home import run_send_home
from opsdesk.operations.sweep import SweepReport
from opsdesk.operations.test_message import run_test_message
from opsdesk.operations.write_specs import DeclareQueueSpec, PublishTestSpec

log = logging.getLogger(__name__)


def execute_plan(
    ctx: OperationContext,
    plan: Plan,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    rate_limit: float | None = None,
) -> OperationResult:
    """Run `plan`; the per-message outcomes, with the outcome record's id."""
    destination = ", ".join(d.describe() for d in plan.destinations)
    if ctx.profile.read_only:
        error = ReadOnlyProfile(ctx.profile.name, plan.action.value)
        audit_refusal(ctx.db_path, ctx.operator, plan.action, plan.source, destination, str(error))
        raise error
    intent = record_intent(ctx.db_path, ctx.operator, plan, destination)
    started = time.monotonic()
    with (
        audited_refusals(ctx, plan.action, plan.source, destination, intent_id=intent),
        broker_connection(ctx) as connection,
    ):
        result = _run(ctx, connection, plan, RunOptions(cancel, on_progress, rate_limit))
    result = replace(result, elapsed_s=time.monotonic() - started)
    return audit_result(ctx.db_path, ctx.operator, result, destination, intent)


def _run(
    ctx: OperationContext,
    connection: BlockingConnection,
    plan: Plan,
    options: RunOptions,
) -> OperationResult:
    spec = plan.spec
    if isinstance(spec, ReplaySpec):
        kafka = ctx.profile.kafka
        outcomes, cancelled = run_any_replay(
            connection, ctx.profile.name, kafka, spec, plan.items, options
        )
        return OperationResult(plan, tuple(outcomes), len(outcomes), cancelled)
    if isinstance(spec, PurgeSpec):
        purged = run_purge(connection, spec)
        return OperationResult(plan, (), purged, notes=(f"{purged} message(s) purged",))
    if isinstance(spec, DeclareQueueSpec):
        return run_declare_queue(connection, plan, spec)
    client = ctx.management()
    if isinstance(spec, PublishTestSpec):
        return run_test_message(connection, client, plan, spec)
    facts = read_queue_facts(connection, client, plan.source)
    report: SweepReport
    if isinstance(spec, MoveSpec):  # a park into a parking queue too
        report = run_move(connection, spec, facts, ctx.operator, options)
    elif isinstance(spec, DeadLetterSpec):
        report = run_dead_letter(connection, client, spec, facts, options)
    elif isinstance(spec, SendHomeSpec):
        report = run_send_home(connection, spec, facts, ctx.operator, options)
    else:
        assert_never(spec)
    ctx.remember_returns(facts, report.returned, report.taken_away)
    return OperationResult(
        plan,
        tuple(report.outcomes),
        report.examined,
        report.cancelled,
        report.error,
        tuple(report.notes),
    )


@contextmanager
def audited_refusals(
    ctx: OperationContext,
    action: Action,
    source: str,
    destination: str,
    intent_id: int | None = None,
) -> Iterator[None]:
    """Audit why an action stopped, and re-raise; broker errors come out as OperationError.

    Planning (no `intent_id`) records only refusals: a plan that failed to read the broker
    did nothing worth a record. A run (after its intent) records every way it can end early.
    """
    executing = intent_id is not None

    def record(reason: str, outcome: str) -> None:
        audit_refusal(
            ctx.db_path, ctx.operator, action, source, destination, reason, outcome, intent_id
        )

    try:
        yield
    except Refused as exc:
        record(str(exc), "refused")
        raise
    except OperationError as exc:
        if executing:
            record(str(exc), "refused")
        raise
    except pika.exceptions.AMQPError as exc:
        reason = describe_broker_error(exc)
        if executing:
            record(reason, "failed")
        raise OperationError(f"broker error: {reason}") from exc
    except BaseException as exc:  # a bug or a second Ctrl+C: the intent still gets its end
        if executing:
            record(f"{type(exc).__name__}: {exc}", "failed")
        raise


@contextmanager
def broker_connection(ctx: OperationContext) -> Iterator[BlockingConnection]:
    """The operation's own connection, closed afterwards; OperationError when unreachable."""
    try:
        connection = ctx.connect()
    except pika.exceptions.AMQPConnectionError as exc:
        where = ctx.profile.endpoint.host_port()
        raise OperationError(describe_broker_failure(exc, where)) from exc
    try:
        yield connection
    finally:
        if connection.is_open:
            try:
                connection.close()
            except pika.exceptions.AMQPError as exc:
                log.debug("closing the operations connection failed: %s", exc)
