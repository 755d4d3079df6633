"""Stripe events relayed from webhooks onto the bus: `{"object": "event", "type", "data.object"}`.

The payment fields live in `data.object` (a PaymentIntent, a Charge, a Refund, ...):
- payment id: the PaymentIntent's `pi_...` id, or the `payment_intent` a charge/refund belongs
  to; a charge made without a PaymentIntent (the legacy Charges API) is its own `ch_...` id;
- amount: `amount` in minor units; for `charge.refunded`, `amount_refunded` (what went back);
- merchant: the connected `account` of a Connect event, else `metadata.merchant`, else None;
- error code: the specific decline code before the generic one, because "card_declined" alone
  covers every issuer decline: `last_payment_error.decline_code`, `last_payment_error.code`,
  a failed charge's `outcome.reason`, `failure_code`, then a cancellation's reason;
- status: from the event type (table below), else the object's `status` word, else the type's
  last word. A cancelled PaymentIntent counts as failed: the payment will not complete.
The event id (`evt_...`) identifies the event when the message has no message_id.
"""

from __future__ import annotations

from typing import Any

from opsdesk.events.native import PaymentFields, amount_field, currency_code, plain_text, text_field

_STATUS_BY_TYPE: dict[str, str] = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "failed",
    "payment_intent.created": "pending",
    "payment_intent.processing": "pending",
    "payment_intent.requires_action": "pending",
    "payment_intent.amount_capturable_updated": "pending",  # authorised, waiting for capture
    "payment_intent.partially_funded": "pending",
    "charge.succeeded": "succeeded",
    "charge.captured": "succeeded",
    "charge.pending": "pending",
    "charge.failed": "failed",
    "charge.expired": "failed",  # an uncaptured authorisation ran out
    "charge.refunded": "refunded",
}


def is_event(obj: dict[str, Any]) -> bool:
    """A Stripe event object: `object` is "event" and there is a `data.object`."""
    if obj.get("object") != "event":
        return False
    data = obj.get("data")
    return isinstance(data, dict) and "object" in data


def read_event(obj: dict[str, Any], *, mask: bool = True) -> PaymentFields:
    """The payment fields of a Stripe event (see the module docstring for where each comes from)."""
    event_type = text_field(obj.get("type"), mask=mask)
    target = obj["data"]["object"]
    if not isinstance(target, dict):
        target = {}
    amount_value = target.get("amount")
    if event_type == "charge.refunded" and target.get("amount_refunded") is not None:
        amount_value = target["amount_refunded"]
    amount, _, problem = amount_field(amount_value)
    request = obj.get("request")  # a dict since API 2017-05-25; a bare request id before
    status = _STATUS_BY_TYPE.get(event_type or "")
    return PaymentFields(
        event_id=plain_text(obj.get("id")),
        type=event_type,
        occurred_at=obj.get("created"),
        payment_id=text_field(_payment_id(target), mask=mask),
        merchant=text_field(_merchant(obj, target), mask=mask),
        amount_minor=amount,
        currency=currency_code(target.get("currency")),
        status=status or text_field(target.get("status"), mask=mask),
        error_code=text_field(_error_code(target), mask=mask),
        idempotency_key=text_field(
            request.get("idempotency_key") if isinstance(request, dict) else None, mask=mask
        ),
        problem=problem,
    )


def _payment_id(target: dict[str, Any]) -> Any:
    kind = target.get("object")
    if kind == "payment_intent":
        return target.get("id")
    intent = target.get("payment_intent")
    if isinstance(intent, dict):  # expanded by the relay
        intent = intent.get("id")
    if intent:
        return intent
    return target.get("id") if kind == "charge" else None


def _merchant(event: dict[str, Any], target: dict[str, Any]) -> Any:
    if event.get("account"):
        return event["account"]
    metadata = target.get("metadata")
    if isinstance(metadata, dict):
        return metadata.get("merchant") or metadata.get("merchant_id")
    return None


def _error_code(target: dict[str, Any]) -> Any:
    error = target.get("last_payment_error")
    if isinstance(error, dict):
        code = error.get("decline_code") or error.get("code")
        if code:
            return code
    outcome = target.get("outcome")
    if target.get("status") == "failed" and isinstance(outcome, dict) and outcome.get("reason"):
        return outcome["reason"]  # the decline code of a failed charge
    return target.get("failure_code") or target.get("cancellation_reason")
