"""A payment replay in words: the cells of its plan table, its summary, one payment in full.

Pure functions over the engine's values (ReplayPayment, MessageOutcome, PaymentOutcome), so
the table model only places them and the tests can read them without a window.
"""

from __future__ import annotations

from opsdesk.operations.plan import (
    Destination,
    MessageOutcome,
    OutcomeStatus,
    Plan,
    ReplayPayment,
)
from opsdesk.operations.replay_outcomes import BatchOutcome, OutcomeKind, PaymentOutcome
from opsdesk.ui.event_cells import format_timestamp
from opsdesk.ui.money_text import format_amount
from opsdesk.ui.operations import plan_text

WAITING = "waiting…"
SHORT_ID = 8  # characters of an event id a cell shows (a UUID's first group)


def duration_text(seconds: float) -> str:
    """`45 s`, `2 min`, `3 h`: how long a follow waits, as BatchOutcome.summary() says it."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def amount_text(payment: ReplayPayment) -> str:
    return format_amount(payment.amount_minor, payment.currency)


def attempts_text(payment: ReplayPayment) -> str:
    """Replays so far, and when the latest was: `0`, `2 (last 10:05:12)`."""
    if not payment.attempts:
        return "0"
    if payment.last_attempt_at is None:
        return str(payment.attempts)
    return f"{payment.attempts} (last {format_timestamp(payment.last_attempt_at)[11:19]})"


def sends_text(payment: ReplayPayment, *, whole: bool = False) -> str:
    """What goes out: `payment.requested · 716094d8…` (`whole`: the full event id); says so
    when it is not the request."""
    if payment.send_event_id is None:
        return "nothing (no request stored)"
    event_id = payment.send_event_id
    if not whole and len(event_id) > SHORT_ID:
        event_id = event_id[:SHORT_ID] + "…"
    text = f"{payment.send_type or '(no type)'} · {event_id}"
    return text if payment.sends_request else f"{text} (its last event, not a request)"


def where_text(destination: Destination | None) -> str:
    """Short, for a cell: `payments.events → payment.requested`, `queue retries`."""
    if destination is None:
        return "(nowhere)"
    if destination.is_queue:
        return f"queue {destination.routing_key}"
    return f"{destination.exchange} → {destination.routing_key or '(empty key)'}"


def guards_text(payment: ReplayPayment) -> str:
    """`✓ ok`, `refused: …`, or the guards by name: `needs override: already_replayed`,
    `overridden: max_attempts` (words, not a sign some fonts lack)."""
    if payment.refusal is not None:
        return f"refused: {payment.refusal}"
    standing = [g.guard for g in payment.guards if not g.overridden]
    if standing:
        return "needs override: " + ", ".join(standing)
    if payment.guards:
        return "overridden: " + ", ".join(g.guard for g in payment.guards)
    return "✓ ok"


def guards_tooltip(payment: ReplayPayment) -> str:
    if payment.refusal is not None:
        return f"Refused (no override lifts this): {payment.refusal}"
    lines = [
        f"{g.guard}: {g.detail}" + (" (overridden)" if g.overridden else " (needs an override)")
        for g in payment.guards
    ]
    return "\n".join(lines) or "No guard stands in the way."


def outcome_text(
    sent: MessageOutcome | None, outcome: PaymentOutcome | None, waiting: str = WAITING
) -> str:
    """The payment after the run: not sent (and why), waiting, or its next outcome."""
    if sent is None:
        return ""
    if sent.status is not OutcomeStatus.DONE:
        return f"not sent: {sent.status.value}"
    if outcome is None or outcome.kind is OutcomeKind.NONE:
        return waiting
    if outcome.kind is OutcomeKind.SUCCEEDED:
        return "✓ succeeded"
    return f"✗ failed again ({outcome.error_code or 'no error code'})"


def outcome_tooltip(sent: MessageOutcome | None, outcome: PaymentOutcome | None) -> str:
    if sent is None:
        return "Not run yet."
    if sent.status is not OutcomeStatus.DONE:
        return f"Not sent ({sent.status.value}): {sent.detail or 'see the audit log'}"
    lines = [f"Sent {format_timestamp(sent.sent_at)} UTC as {sent.new_message_id or '?'}"]
    if outcome is not None and outcome.kind is not OutcomeKind.NONE:
        lines.append(
            f"{outcome.kind.value}: {outcome.event_id or '?'}, "
            f"received {format_timestamp(outcome.at)} UTC"
        )
    else:
        lines.append("No outcome in the history yet.")
    return "\n".join(lines)


def plan_summary(plan: Plan) -> str:
    """The preview's text for payments: how many go, where, how, what stands in the way."""
    payments = plan.replay_payments
    sendable = sum(1 for p in payments if not p.blocked)
    lines = [f"Retry {len(payments):,} payment(s) from the history; {sendable:,} will be sent"]
    if plan.destinations:
        lines.append("to " + "; ".join(d.describe() for d in plan.destinations))
    lines.append(f"How: {plan.method}")
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


def payment_details(plan: Plan, payment: ReplayPayment) -> str:
    """One payment in full: who, how much, what was tried, then exactly what would be sent."""
    lines = [
        f"payment      {payment.payment_id}",
        f"merchant     {payment.merchant or '—'}",
        f"amount       {amount_text(payment) or '—'}",
        f"last status  {payment.last_status or '—'}",
        f"last error   {payment.last_error or '—'}",
        f"replays      {attempts_text(payment)}; this one would be attempt {payment.attempt}",
        f"sends        {sends_text(payment, whole=True)}",
        f"guards       {guards_tooltip(payment)}",
        "",
    ]
    item = next((i for i in plan.items if i.key == payment.payment_id), None)
    if item is not None:
        lines.append(plan_text.item_text(plan, item))
    return "\n".join(lines)


def following_text(batch: BatchOutcome, follow_s: float) -> str:
    """While following: what came back so far, and how long it waits for the rest."""
    waiting = batch.count(OutcomeKind.NONE)
    parts = [
        f"{count} {kind.value}"
        for kind in (OutcomeKind.SUCCEEDED, OutcomeKind.FAILED)
        if (count := batch.count(kind))
    ]
    parts.append(f"{waiting} waiting")
    return (
        f"Following {len(batch.outcomes):,} replayed payment(s) for up to "
        f"{duration_text(follow_s)}: {', '.join(parts)}"
    )
