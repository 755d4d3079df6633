"""Running a replay plan that sends nothing to RabbitMQ: no RabbitMQ connection at all.

A replay whose every message goes to Kafka (or that sends nothing) runs here, so a team whose
payments live in Kafka can replay while its RabbitMQ is down or absent. The order is
execution.py's, the rule (DESIGN.md "audit first"): refused on a read-only profile, the intent
committed before any producer exists, every way it ends recorded as the outcome.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from opsdesk.operations.audit_trail import audit_refusal, audit_result, record_intent
from opsdesk.operations.context import OperationContext
from opsdesk.operations.errors import ReadOnlyProfile
from opsdesk.operations.execution import audited_refusals
from opsdesk.operations.kafka_replay_split import run_any_replay
from opsdesk.operations.plan import (
    OperationResult,
    Plan,
    ProgressCallback,
    ReplaySpec,
    RunOptions,
)


def without_rabbitmq(plan: Plan) -> bool:
    """Whether `plan` is a replay with no message for RabbitMQ."""
    spec = plan.spec
    return isinstance(spec, ReplaySpec) and all(m.destination.is_kafka for m in spec.messages)


def execute_kafka_replay(
    ctx: OperationContext,
    plan: Plan,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    rate_limit: float | None = None,
) -> OperationResult:
    """Run a plan `without_rabbitmq`; the outcomes, with the outcome record's id."""
    spec = plan.spec
    if not isinstance(spec, ReplaySpec):
        raise TypeError(f"not a replay plan: {plan.action.value}")
    destination = ", ".join(d.describe() for d in plan.destinations)
    if ctx.profile.read_only:
        error = ReadOnlyProfile(ctx.profile.name, plan.action.value)
        audit_refusal(ctx.db_path, ctx.operator, plan.action, plan.source, destination, str(error))
        raise error
    intent = record_intent(ctx.db_path, ctx.operator, plan, destination)
    started = time.monotonic()
    options = RunOptions(cancel, on_progress, rate_limit)
    with audited_refusals(ctx, plan.action, plan.source, destination, intent_id=intent):
        outcomes, cancelled = run_any_replay(
            None, ctx.profile.name, ctx.profile.kafka, spec, plan.items, options
        )
    result = OperationResult(plan, tuple(outcomes), len(outcomes), cancelled)
    result = replace(result, elapsed_s=time.monotonic() - started)
    return audit_result(ctx.db_path, ctx.operator, result, destination, intent)
