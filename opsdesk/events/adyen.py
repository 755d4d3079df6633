"""Adyen standard notifications: `notificationItems[].NotificationRequestItem`, one event per item.

Status comes from the event code and `success` (the string "true" or "false"):
- AUTHORISATION "true" counts as succeeded, not pending: with auto-capture (the common set-up)
  the authorisation is the outcome, and the success rate should say so. A later CAPTURE (also
  succeeded) or CANCELLATION (failed) event tells the rest of a manual-capture payment's story.
- REFUND and the chargebacks count as refunded (the money went back to the shopper);
  CANCELLATION, EXPIRE and OFFER_CLOSED count as failed (the payment will not complete).
- "false" on any of these codes is a failure, with `reason` ("Refused", "CVC Declined", ...) as
  the error code. A code not listed here stays unknown.
Payment id: `merchantReference`, which the merchant keeps across a payment's lifecycle, else
`originalReference` (a modification's link to its payment), else `pspReference`.
Identity: `adyen:<pspReference>:<eventCode>:<success>`: the reference and code name the
notification, and success keeps a "false" and a later "true" for the same pair apart. It is used
even when the message has a message_id: that id names the whole batch, and Adyen resends
unacknowledged items in batches made up afresh, so only the item's own key stays the same across
every redelivery. An item without a pspReference is named by a hash of its content; one without a
NotificationRequestItem by the message's identity and its index.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

from opsdesk.events.masking import mask_pans
from opsdesk.events.native import PaymentFields, amount_field, currency_code, plain_text, text_field

ITEMS = "notificationItems"
ITEM = "NotificationRequestItem"
IDENTITY_PREFIX = "adyen:"
_MAX_ID_CHARS = 512

# eventCode: the status its success="true" notification means.
_OUTCOMES: dict[str, str] = {
    "AUTHORISATION": "succeeded",
    "CAPTURE": "succeeded",
    "CHARGEBACK_REVERSED": "succeeded",  # the merchant got the money back
    "PENDING": "pending",
    "NOTIFICATION_OF_CHARGEBACK": "pending",  # a dispute opened, no money moved yet
    "REFUND": "refunded",
    "REFUND_WITH_DATA": "refunded",
    "CANCEL_OR_REFUND": "refunded",  # unless additionalData says it was a cancel, below
    "CHARGEBACK": "refunded",
    "SECOND_CHARGEBACK": "refunded",
    "CANCELLATION": "failed",
    "TECHNICAL_CANCEL": "failed",
    "EXPIRE": "failed",
    "OFFER_CLOSED": "failed",
    "CAPTURE_FAILED": "failed",
    "REFUND_FAILED": "failed",
    "REFUNDED_REVERSED": "failed",
}
# Codes whose reason is worth filtering on even when the notification succeeded.
_REASON_IS_CODE = frozenset({"CHARGEBACK", "SECOND_CHARGEBACK", "NOTIFICATION_OF_CHARGEBACK"})


class NotificationItem(NamedTuple):
    """One item of a notification: its fields, its identity, and itself as a notification."""

    fields: PaymentFields
    event_id: str | None  # None for an item too broken to name itself
    notification: dict[str, Any]  # a notification holding only this item: the event's body


def is_notification(obj: dict[str, Any]) -> bool:
    """An Adyen standard notification: it has `notificationItems`."""
    return ITEMS in obj


def read_notification(obj: dict[str, Any], *, mask: bool = True) -> list[NotificationItem]:
    """One entry per item, in order; empty when `notificationItems` is not a non-empty list."""
    items = obj.get(ITEMS)
    if not isinstance(items, list):
        return []
    envelope = {key: value for key, value in obj.items() if key != ITEMS}
    return [
        NotificationItem(
            *_read_item(entry, index, mask=mask), notification={**envelope, ITEMS: [entry]}
        )
        for index, entry in enumerate(items)
    ]


def _read_item(entry: Any, index: int, *, mask: bool) -> tuple[PaymentFields, str | None]:
    item = entry.get(ITEM) if isinstance(entry, dict) else None
    if not isinstance(item, dict):
        return PaymentFields(problem=f"Adyen item {index} has no {ITEM} object"), None
    code = plain_text(item.get("eventCode"))
    success = _flag(item.get("success"))
    status = _status(code, success, item)
    amount, currency, problem = amount_field(item.get("amount"))
    if success is None:
        problem = _join(problem, "Adyen success is neither 'true' nor 'false'")
    chargeback = (code or "").upper() in _REASON_IS_CODE
    reason = item.get("reason") if status == "failed" or chargeback else None
    payment_id = (
        item.get("merchantReference") or item.get("originalReference") or item.get("pspReference")
    )
    fields = PaymentFields(
        type=text_field(code, mask=mask),
        occurred_at=item.get("eventDate"),
        payment_id=text_field(payment_id, mask=mask),
        merchant=text_field(item.get("merchantAccountCode"), mask=mask),
        amount_minor=amount,
        currency=currency_code(currency),
        status=status,
        error_code=text_field(reason, mask=mask),
        problem=problem,
    )
    return fields, _identity(item, code, success)


def _flag(value: Any) -> str | None:
    """'true' or 'false' from Adyen's string flag (a boolean is tolerated); else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower()
    return None


def _status(code: str | None, success: str | None, item: dict[str, Any]) -> str | None:
    key = (code or "").upper()
    outcome = _OUTCOMES.get(key)
    if outcome is None or success is None:
        return None
    if success == "false":
        return "failed"
    extra = item.get("additionalData")
    cancelled = isinstance(extra, dict) and extra.get("modification.action") == "cancel"
    if key == "CANCEL_OR_REFUND" and cancelled:
        return "failed"
    return outcome


def _identity(item: dict[str, Any], code: str | None, success: str | None) -> str:
    psp = plain_text(item.get("pspReference"))
    if psp is None:
        return _hashed_identity(_canonical(item))
    flag = success or plain_text(item.get("success")) or ""
    candidate = f"{IDENTITY_PREFIX}{psp}:{code or ''}:{flag}"
    # A 16-digit pspReference can pass the Luhn check; an id must never show a card number.
    if len(candidate) > _MAX_ID_CHARS or mask_pans(candidate) != candidate:
        return _hashed_identity(candidate)
    return candidate


def _hashed_identity(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
    return f"{IDENTITY_PREFIX}sha256:{digest}"


def _canonical(value: Any) -> str:
    """The same text for the same JSON value however its keys were ordered."""
    return json.dumps(value, sort_keys=True, default=repr)


def _join(*problems: str | None) -> str | None:
    present = [p for p in problems if p]
    return "; ".join(present) if present else None
