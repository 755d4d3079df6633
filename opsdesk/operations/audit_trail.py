"""What an operation leaves in the audit log: its intent before it runs, its outcome after.

Audit first: the intent (who, what, the plan, how many) is committed before the broker is
touched, and an action whose intent cannot be written does not run. The outcome record follows
and names its intent; a refusal before anything ran is one record of its own.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pika.exceptions

from opsdesk.broker.access_refused import missing_permission
from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.operations.errors import AuditUnavailable
from opsdesk.operations.plan import (
    Action,
    MessageOutcome,
    MoveSpec,
    OperationResult,
    OutcomeStatus,
    Plan,
    ReplaySpec,
)
from opsdesk.store.audit import STARTED, AuditLog, AuditRecord
from opsdesk.store.errors import StoreError

log = logging.getLogger(__name__)

MAX_FAILURES_IN_AUDIT = 1000
MAX_IDS_IN_INTENT = 10_000


def audit_problem(db_path: Path) -> str | None:
    """Why an action could not record its intent now, or None (a missing file will be created)."""
    if not db_path.exists():
        return None
    try:
        with AuditLog(db_path) as audit:
            audit.check_writable()
    except StoreError as exc:
        return f"the audit log cannot be written ({exc})"
    return None


def record_intent(db_path: Path, operator: str, plan: Plan, destination: str) -> int:
    """Commit what is about to run; AuditUnavailable (and nothing may run) when it cannot."""
    ids, detail = intended_ids(plan), intent_detail(plan)
    try:
        record = _append(db_path, operator, plan, destination, STARTED, ids, detail, plan.count)
    except StoreError as exc:
        log.error("%s not run: its audit record could not be written: %s", plan.action, exc)
        raise AuditUnavailable(
            f"the audit record of this {plan.action.value} could not be written first, so "
            f"nothing was touched ({exc}); make the history file usable and run it again"
        ) from exc
    return record.id


def intended_ids(plan: Plan) -> list[str]:
    """The messages the plan names (replays: the events it will send); [] for a sweep."""
    if isinstance(plan.spec, ReplaySpec):
        ids = [m.event_id for m in plan.spec.messages]
    else:
        ids = [item.key for item in plan.items if not item.blocked]
    return ids[:MAX_IDS_IN_INTENT]


def plan_detail(plan: Plan) -> dict[str, Any]:
    """What both of an action's records say about its plan."""
    detail: dict[str, Any] = {
        "plan": plan.describe(),
        "method": plan.method,
        "overridden_guards": plan.overridden_guards,
    }
    if plan.selection is not None:
        detail["selection"] = plan.selection.describe()
    if isinstance(plan.spec, ReplaySpec):
        detail["reason"] = plan.spec.reason
        payments = plan.spec.payments
        if payments:
            # Which payment overrode what: the plan's list says which guards, this says whose.
            detail["payments"] = len(payments)
            overridden = {
                p.payment_id: [g.guard for g in p.guards if g.overridden]
                for p in payments
                if any(g.overridden for g in p.guards)
            }
            detail["payment_overrides"] = dict(list(overridden.items())[:MAX_IDS_IN_INTENT])
    return detail


def intent_detail(plan: Plan) -> dict[str, Any]:
    detail = plan_detail(plan)
    detail["count_is_exact"] = plan.count_is_exact
    detail["warnings"] = list(plan.warnings)
    spec = plan.spec
    if isinstance(spec, MoveSpec) and spec.create_queue:
        detail["creates_queue"] = spec.destination.routing_key
    return detail


def audit_result(
    db_path: Path,
    operator: str,
    result: OperationResult,
    destination: str,
    intent_id: int | None = None,
) -> OperationResult:
    """Record an executed operation; the result with the record's id (or a note why not)."""
    plan = result.plan
    done = [o for o in result.outcomes if o.status is OutcomeStatus.DONE]
    count = result.examined if plan.action is Action.PURGE else len(done)
    # Replays are recorded by the event they replay, so "already replayed" finds them.
    ids = [o.event_id or o.message_id or o.key for o in done]
    detail = {**result_detail(result), "intent": intent_id}
    try:
        record = _append(db_path, operator, plan, destination, result.outcome, ids, detail, count)
    except StoreError as exc:
        log.error("operation ran but its outcome could not be recorded: %s", exc)
        note = (
            f"the outcome could not be recorded in the audit log ({exc}); its intent is "
            f"record #{intent_id}"
        )
        return replace(result, notes=(*result.notes, note))
    return result.with_audit_id(record.id)


def _append(
    db_path: Path,
    operator: str,
    plan: Plan,
    destination: str,
    outcome: str,
    message_ids: Sequence[str],
    detail: dict[str, Any],
    count: int,
) -> AuditRecord:
    """Append a record about `plan` (its intent, or its outcome)."""
    with AuditLog(db_path) as audit:
        return audit.record(
            plan.action.value,
            operator=operator,
            source=plan.source,
            destination=destination,
            message_ids=message_ids,
            outcome=outcome,
            detail=detail,
            count=count,
        )


def audit_refusal(
    db_path: Path,
    operator: str,
    action: Action,
    source: str,
    destination: str,
    reason: str,
    outcome: str = "refused",
    intent_id: int | None = None,
) -> None:
    detail: dict[str, Any] = {"reason": reason}
    if intent_id is not None:
        detail["intent"] = intent_id
    try:
        with AuditLog(db_path) as audit:
            audit.record(
                action.value,
                operator=operator,
                source=source,
                destination=destination,
                outcome=outcome,
                detail=detail,
                count=0,
            )
    except StoreError as exc:
        log.error("could not audit a refused %s: %s", action.value, exc)


def describe_broker_error(exc: BaseException) -> str:
    if isinstance(exc, pika.exceptions.ChannelClosedByBroker | pika.exceptions.ConnectionClosed):
        return missing_permission(exc.reply_text, exc) or f"{exc.reply_text} ({exc.reply_code})"
    return describe_broker_failure(exc)


def result_detail(result: OperationResult) -> dict[str, Any]:
    plan = result.plan
    statuses = Counter(o.status.value for o in result.outcomes)
    failures = {
        o.event_id or o.message_id or o.key: f"{o.status.value}: {o.detail}"
        for o in result.outcomes
        if o.status is not OutcomeStatus.DONE
    }
    detail = plan_detail(plan)
    detail.update(
        examined=result.examined,
        statuses=dict(statuses),
        failures=dict(list(failures.items())[:MAX_FAILURES_IN_AUDIT]),
        cancelled=result.cancelled,
        error=result.error,
        notes=list(result.notes),
    )
    if isinstance(plan.spec, ReplaySpec):
        detail["new_message_ids"] = {
            o.event_id: o.new_message_id for o in result.outcomes if o.new_message_id
        }
        if plan.spec.payments:
            # The replayed request of each payment and the attempt it carried.
            attempts = {m.event_id: (m.payment_id, m.attempt) for m in plan.spec.messages}
            detail["replayed_payments"] = {
                o.event_id: attempts[o.event_id]
                for o in result.outcomes
                if o.status is OutcomeStatus.DONE and o.event_id in attempts
            }
    return detail


def outcome_lines(outcomes: Sequence[MessageOutcome]) -> list[str]:
    """One line per message for reports: id, status, where, why."""
    lines = []
    for o in outcomes:
        where = f" -> {o.destination.describe()}" if o.destination else ""
        why = f": {o.detail}" if o.detail else ""
        if o.payment_id is not None:
            sent = f" ({o.event_id})" if o.event_id else ""
            what = f"payment {o.payment_id}{sent}"
        else:
            what = o.event_id or o.message_id or o.key
        lines.append(f"{what} {o.status.value}{where}{why}")
    return lines
