"""What a write command prints: its plan before (text or JSON) and its result after."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from opsdesk.commands.console import Console
from opsdesk.commands.replay_text import payment_label
from opsdesk.operations.audit_trail import outcome_lines
from opsdesk.operations.plan import OperationResult, OutcomeStatus, Plan, ReplayMessage

PREVIEW_ROWS = 20


def preview(plan: Plan, args: argparse.Namespace, console: Console) -> None:
    if args.json and args.dry_run:
        console.out.write(json.dumps(plan_document(plan), indent=2, default=str) + "\n")
        return
    out = console.err if args.json else console.out
    out.write(f"plan: {plan.describe()}\n")
    if plan.audit_problem:
        out.write(f"  cannot run: {plan.audit_problem}\n")
    for warning in plan.warnings:
        out.write(f"  warning: {warning}\n")
    for guard, count in plan.guards.items():
        out.write(f"  guard {guard}: {count} message(s)\n")
    payments = {p.payment_id: p for p in plan.replay_payments}
    for item in plan.items[:PREVIEW_ROWS]:
        where = item.destination.describe() if item.destination else "(no destination)"
        why = item.refusal or "; ".join(
            g.detail + (" (overridden)" if g.overridden else "") for g in item.guards
        )
        state = "BLOCKED" if item.blocked else "ok"
        label = payment_label(payments[item.key]) if item.key in payments else None
        out.write(
            f"  {label or item.event_id or item.key} -> {where} [{state}]"
            f"{': ' + why if why else ''}\n"
        )
    if len(plan.items) > PREVIEW_ROWS:
        out.write(f"  ... and {len(plan.items) - PREVIEW_ROWS} more\n")


def report(result: OperationResult, args: argparse.Namespace, console: Console) -> None:
    if args.json:
        console.out.write(json.dumps(result_document(result), indent=2, default=str) + "\n")
    else:
        verb = "cancelled" if result.cancelled else "finished"
        console.out.write(
            f"{verb}: {result.done} done, {result.failed} not done "
            f"({result.outcome}; audit record #{result.audit_id})\n"
        )
        for line in outcome_lines(
            [o for o in result.outcomes if o.status is not OutcomeStatus.DONE]
        ):
            console.out.write(f"  {line}\n")
    for note in result.notes:
        console.err.write(f"note: {note}\n")
    if result.error:
        console.err.write(f"error: {result.error}\n")


def plan_document(plan: Plan) -> dict[str, Any]:
    messages = plan.replay_messages
    return {
        "action": plan.action.value,
        "source": plan.source,
        "destinations": [d.describe() for d in plan.destinations],
        "count": plan.count,
        "count_is_exact": plan.count_is_exact,
        "method": plan.method,
        "warnings": list(plan.warnings),
        "audit_problem": plan.audit_problem,
        "guards": plan.guards,
        "needs_typed_confirmation": plan.needs_typed_confirmation,
        "items": [asdict(item) for item in plan.items],
        "messages": [_message_document(m) for m in messages] if messages else None,
        "payments": [asdict(p) for p in plan.replay_payments] or None,
    }


def _message_document(message: ReplayMessage) -> dict[str, Any]:
    document = asdict(message)
    document["body"] = message.body.decode("utf-8", errors="backslashreplace")
    return document


def result_document(result: OperationResult) -> dict[str, Any]:
    return {
        "outcome": result.outcome,
        "done": result.done,
        "not_done": result.failed,
        "examined": result.examined,
        "cancelled": result.cancelled,
        "error": result.error,
        "notes": list(result.notes),
        "audit_id": result.audit_id,
        "outcomes": [asdict(o) for o in result.outcomes],
    }
