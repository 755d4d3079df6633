"""Payment fields from a JSON object in opsdesk's native shape, aliases included."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opsdesk.events.masking import mask_pans

# Canonical name first; an alias is read only when the canonical field is absent or null.
EVENT_ID = ("event_id", "id")
TYPE = ("type",)
OCCURRED_AT = ("occurred_at", "timestamp")
PAYMENT_ID = ("payment_id",)
MERCHANT = ("merchant", "merchant_id")
AMOUNT = ("amount_minor", "amount")
CURRENCY = ("currency",)
STATUS = ("status",)
ERROR_CODE = ("error_code", "reason")
IDEMPOTENCY_KEY = ("idempotency_key",)
KNOWN_FIELDS = frozenset(
    EVENT_ID
    + TYPE
    + OCCURRED_AT
    + PAYMENT_ID
    + MERCHANT
    + AMOUNT
    + CURRENCY
    + STATUS
    + ERROR_CODE
    + IDEMPOTENCY_KEY
)

MAX_FIELD_CHARS = 256  # an id longer than this is garbage; keep the store's indexes small
# SQLite integers are signed 64-bit: a larger amount would fail the whole batch's insert.
_INT64 = 2**63
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class PaymentFields:
    """What a body says about the payment; every field optional, texts PAN-masked but the id."""

    event_id: str | None = None  # unmasked: only used to build the identity
    type: str | None = None
    occurred_at: Any = None  # as written; timestamps.to_utc_iso normalises it
    payment_id: str | None = None
    merchant: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    status: str | None = None
    error_code: str | None = None
    idempotency_key: str | None = None
    problem: str | None = None  # a field present but unusable (e.g. a float amount)


def read_fields(obj: dict[str, Any], *, mask: bool = True) -> PaymentFields:
    """The payment fields found at the top level of `obj`.

    `mask=False` skips PAN masking of the texts; only for a body that masking.may_hold_pan
    cleared and that has no JSON \\u escape (the one way a parsed string gains digits).
    """
    get = obj.get
    amount, currency_value, problem = amount_field(_pick(get, AMOUNT))
    if currency_value is None:
        currency_value = get("currency")
    return PaymentFields(
        event_id=plain_text(_pick(get, EVENT_ID)),
        type=text_field(get("type"), mask=mask),
        occurred_at=_pick(get, OCCURRED_AT),
        payment_id=text_field(get("payment_id"), mask=mask),
        merchant=text_field(_pick(get, MERCHANT), mask=mask),
        amount_minor=amount,
        currency=currency_code(currency_value),
        status=text_field(get("status"), mask=mask),
        error_code=text_field(_pick(get, ERROR_CODE), mask=mask),
        idempotency_key=text_field(get("idempotency_key"), mask=mask),
        problem=problem,
    )


def has_known_field(obj: dict[str, Any]) -> bool:
    """True when any native field or alias is present, even as null."""
    return not KNOWN_FIELDS.isdisjoint(obj)


def text_field(value: Any, *, mask: bool = True) -> str | None:
    """A string or integer as store-safe, PAN-masked, length-capped text; else None."""
    text = plain_text(value)
    if text is None:
        return None
    # Mask before cutting, or a PAN cut short would escape the mask with up to 12 digits.
    if mask:
        text = mask_pans(text)
    return text if len(text) <= MAX_FIELD_CHARS else text[:MAX_FIELD_CHARS]


def plain_text(value: Any) -> str | None:
    """A string or integer as store-safe text, neither masked nor capped (identity inputs)."""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    else:
        return None
    if not text:
        return None
    if not text.isascii():
        # JSON may carry lone surrogates ("\ud800"), which SQLite cannot encode.
        text = text.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return text


def currency_code(value: Any) -> str | None:
    """An ISO-4217 alphabetic code, upper-cased, or None."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if len(code) == 3 and code.isascii() and code.isalpha() else None


def _pick(get: Callable[[str], Any], names: tuple[str, str]) -> Any:
    """The canonical field's value, else its alias's."""
    value = get(names[0])
    return get(names[1]) if value is None else value


def amount_field(value: Any) -> tuple[int | None, Any, str | None]:
    """(minor units, currency found alongside, problem). Never a float: money is exact."""
    currency = None
    if isinstance(value, dict):
        # PSP shape {"value": 1250, "currency": "EUR"} (Adyen and others).
        currency = value.get("currency")
        value = value.get("value")
    if value is None:
        return None, currency, None
    if isinstance(value, int) and not isinstance(value, bool):
        if -_INT64 < value < _INT64:
            return value, currency, None
        return None, currency, "amount out of range"
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return int(value), currency, None
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:40] + "..."
    return None, currency, f"amount is not an integer in minor units: {mask_pans(shown)}"
