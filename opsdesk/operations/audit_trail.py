"""What an operation leaves in the audit log: one record per execution or refusal."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pika.exceptions

from opsdesk.operations.plan import Action, MessageOutcome, OperationResult, OutcomeStatus
from opsdesk.store.audit import AuditLog
from opsdesk.store.errors import StoreError

log = logging.getLogger(__name__)

MAX_FAILURES_IN_AUDIT = 1000


def audit_result(
    db_path: Path, operator: str, result: OperationResult, destination: str
) -> OperationResult:
    """Record an executed operation; the result with the record's id (or a note why not)."""
    plan = result.plan
    done = [o for o in result.outcomes if o.status is OutcomeStatus.DONE]
    count = result.examined if plan.action is Action.PURGE else len(done)
    try:
        with AuditLog(db_path) as audit:
            record = audit.record(
                plan.action.value,
                operator=operator,
                source=plan.source,
                destination=destination,
                # Replays are recorded by the event they replay, so "already replayed" finds them.
                message_ids=[o.event_id or o.message_id or o.key for o in done],
                outcome=result.outcome,
                detail=result_detail(result),
                count=count,
            )
    except StoreError as exc:
        log.error("operation ran but its audit record could not be written: %s", exc)
        note = f"the audit record could not be written: {exc}"
        return replace(result, notes=(*result.notes, note))
    return result.with_audit_id(record.id)


def audit_refusal(
    db_path: Path,
    operator: str,
    action: Action,
    source: str,
    destination: str,
    reason: str,
    outcome: str = "refused",
) -> None:
    try:
        with AuditLog(db_path) as audit:
            audit.record(
                action.value,
                operator=operator,
                source=source,
                destination=destination,
                outcome=outcome,
                detail={"reason": reason},
                count=0,
            )
    except StoreError as exc:
        log.error("could not audit a refused %s: %s", action.value, exc)


def describe_broker_error(exc: BaseException) -> str:
    if isinstance(exc, pika.exceptions.ChannelClosedByBroker | pika.exceptions.ConnectionClosed):
        return f"{exc.reply_text} ({exc.reply_code})"
    return repr(exc)


def result_detail(result: OperationResult) -> dict[str, Any]:
    plan = result.plan
    statuses = Counter(o.status.value for o in result.outcomes)
    failures = {
        o.event_id or o.message_id or o.key: f"{o.status.value}: {o.detail}"
        for o in result.outcomes
        if o.status is not OutcomeStatus.DONE
    }
    detail: dict[str, Any] = {
        "plan": plan.describe(),
        "method": plan.method,
        "examined": result.examined,
        "statuses": dict(statuses),
        "failures": dict(list(failures.items())[:MAX_FAILURES_IN_AUDIT]),
        "cancelled": result.cancelled,
        "error": result.error,
        "notes": list(result.notes),
        "overridden_guards": sorted(
            {g.guard for item in plan.items for g in item.guards if g.overridden}
        ),
    }
    selection = getattr(plan.spec, "selection", None)
    if selection is not None:
        detail["selection"] = selection.describe()
    if plan.action is Action.REPLAY:
        detail["reason"] = plan.spec.reason
        detail["new_message_ids"] = {
            o.event_id: o.new_message_id for o in result.outcomes if o.new_message_id
        }
    return detail


def outcome_lines(outcomes: Sequence[MessageOutcome]) -> list[str]:
    """One line per message for reports: id, status, where, why."""
    lines = []
    for o in outcomes:
        where = f" -> {o.destination.describe()}" if o.destination else ""
        why = f": {o.detail}" if o.detail else ""
        lines.append(f"{o.event_id or o.message_id or o.key} {o.status.value}{where}{why}")
    return lines
