"""A replayed payment in one line of text, for `opsdesk replay`'s preview and report."""

from __future__ import annotations

from opsdesk.operations.plan import ReplayPayment


def payment_label(payment: ReplayPayment) -> str:
    """`payment pay_1 (acme, 1250 EUR minor units, failed: card_declined, 1 replay so far):
    sends its request payment.requested evt-1 as attempt 2`. The amount stays in minor units:
    the window's money text is Qt-side, and a headless command guesses no decimal point."""
    facts = [payment.merchant or "no merchant"]
    if payment.amount_minor is not None:
        currency = f" {payment.currency}" if payment.currency else ""
        facts.append(f"{payment.amount_minor}{currency} minor units")
    if payment.last_status:
        last = payment.last_status
        facts.append(f"{last}: {payment.last_error}" if payment.last_error else last)
    if payment.attempts:
        facts.append(f"{payment.attempts} replay{'s' if payment.attempts != 1 else ''} so far")
    if payment.send_event_id is None:
        sends = "nothing to send"
    else:
        what = "request" if payment.sends_request else "own last event"
        sends = (
            f"sends its {what} {payment.send_type} {payment.send_event_id} "
            f"as attempt {payment.attempt}"
        )
    return f"payment {payment.payment_id} ({', '.join(facts)}): {sends}"
