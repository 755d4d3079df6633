"""A plan, its messages and its outcomes in words: what the preview and the outcome list show."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opsdesk.operations.plan import (
    Destination,
    MessageOutcome,
    OperationResult,
    Plan,
    PlannedMessage,
)

VERBS = {
    "move": "Move",
    "dead-letter": "Dead-letter",
    "requeue": "Send home",
    "replay": "Replay",
    "purge": "Purge",
}


def verb(plan: Plan) -> str:
    return VERBS.get(plan.action.value, plan.action.value)


def run_label(plan: Plan) -> str:
    """The button that runs the plan says exactly what it does."""
    if plan.action.value == "purge":
        return f"Purge {plan.source}"
    sendable = plan.count - plan.blocked_count if plan.items else plan.count
    size = f"{sendable:,}" if plan.count_is_exact else f"up to {sendable:,}"
    return f"{verb(plan)} {size} message(s)"


def where(destination: Destination | None) -> str:
    return destination.describe() if destination is not None else "(no destination)"


def item_where(item: PlannedMessage) -> str:
    """Where it goes, and with which routing key when that is not the destination's."""
    text = where(item.destination)
    if item.destination is not None and item.routing_key not in (
        None,
        item.destination.routing_key,
    ):
        text += f", routing key {item.routing_key!r} kept"
    return text


def plan_summary(plan: Plan) -> str:
    """Count, source, destinations, method, selection, warnings and guards: the whole preview."""
    size = f"{plan.count:,}" if plan.count_is_exact else f"up to {plan.count:,}"
    lines = [f"{verb(plan)} {size} message(s) from {plan.source}"]
    if plan.destinations:
        lines.append("to " + "; ".join(d.describe() for d in plan.destinations))
    elif plan.action.value == "purge":
        lines.append("deleted by the broker: nothing is kept")
    lines.append(f"How: {plan.method}")
    if plan.selection is not None:
        lines.append(f"Which: {plan.selection.describe()}")
    if plan.items and plan.blocked_count:
        lines.append(
            f"{plan.blocked_count:,} of {len(plan.items):,} will not be touched (see Why below)"
        )
    guards = plan.guards
    if guards:
        overridden = plan.overridden_guards
        parts = [
            f"{name} ({count}{', overridden' if name in overridden else ''})"
            for name, count in guards.items()
        ]
        lines.append("Guards tripped: " + ", ".join(parts))
    lines += [f"⚠ {warning}" for warning in plan.warnings]
    return "\n".join(lines)


def item_why(item: PlannedMessage) -> str:
    if item.refusal:
        return item.refusal
    return "; ".join(g.detail + (" (overridden)" if g.overridden else "") for g in item.guards)


def item_state(item: PlannedMessage) -> str:
    if item.refusal:
        return "refused"
    if item.blocked:
        return "guarded"
    return "overridden" if item.guards else "ok"


def item_text(plan: Plan, item: PlannedMessage) -> str:
    """One planned message in full; for a replay, exactly what would be sent."""
    lines = [
        f"message      {item.event_id or item.key}",
        f"message id   {item.message_id or '—'}",
        f"destination  {item_where(item)}",
        f"state        {item_state(item)}",
    ]
    why = item_why(item)
    if why:
        lines.append(f"why          {why}")
    sent = next((m for m in plan.replay_messages if m.event_id == item.event_id), None)
    if sent is not None:
        lines += [
            "",
            "── Would be sent ───────────────────",
            f"exchange     {sent.destination.exchange or '(default exchange)'}",
            f"routing key  {sent.destination.routing_key}",
            "properties   " + _json(sent.properties),
            "headers      " + _json(sent.headers),
            f"body ({len(sent.body):,} bytes)",
            sent.body.decode("utf-8", errors="backslashreplace"),
        ]
    elif item.headers_added:
        lines.append("headers added " + _json(item.headers_added))
    return "\n".join(lines)


def result_summary(result: OperationResult) -> str:
    plan = result.plan
    if result.cancelled:
        head = "Cancelled"
    elif result.error:
        head = "Stopped"
    else:
        head = "Finished"
    done = result.examined if plan.action.value == "purge" else result.done
    lines = [f"{head}: {verb(plan)} — {done:,} done, {result.failed:,} not done"]
    if result.audit_id is not None:
        lines[0] += f" · audit record #{result.audit_id}"
    else:
        lines.append("⚠ no audit record was written")
    if result.cancelled:
        lines.append("Every message not done is back in its queue.")
    if result.error:
        lines.append(f"Why it stopped: {result.error}")
    lines += list(result.notes)
    return "\n".join(lines)


def outcome_row(outcome: MessageOutcome) -> tuple[str, str, str, str]:
    """(message, status, destination, detail) for the outcome list."""
    message = outcome.event_id or outcome.message_id or outcome.key
    if outcome.new_message_id:
        message += f" → {outcome.new_message_id}"
    return message, outcome.status.value, where(outcome.destination), outcome.detail


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), indent=2, ensure_ascii=False, default=str)
