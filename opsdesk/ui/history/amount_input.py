"""Amounts typed in major units ("12.50") turned into integer minor units, without floats."""

from __future__ import annotations

import re

from opsdesk.ui.money_text import minor_unit_exponent

# Digits, optionally a decimal point (or comma, as many keyboards type it) and more digits.
_AMOUNT = re.compile(r"(?P<sign>-?)(?P<whole>[0-9]*)(?:[.,](?P<fraction>[0-9]*))?")


def parse_major_amount(text: str, currency: str | None) -> int | None:
    """`"12.5", "EUR"` -> `1250`; None for blank text; ValueError when it is not an amount.

    Without a currency the decimal exponent is unknown (JPY has none, KWD three), so the
    amount cannot be placed and that is a ValueError too.
    """
    cleaned = text.strip().replace(" ", "").replace("_", "")
    if not cleaned:
        return None
    match = _AMOUNT.fullmatch(cleaned)
    if match is None or not (match["whole"] or match["fraction"]):
        raise ValueError(f"{text.strip()!r} is not an amount")
    if currency is None:
        raise ValueError("choose one currency to filter by amount")
    exponent = minor_unit_exponent(currency)
    fraction = (match["fraction"] or "").rstrip("0")
    if len(fraction) > exponent:
        places = "no decimals" if exponent == 0 else f"{exponent} decimals at most"
        raise ValueError(f"{currency.upper()} amounts have {places}: {text.strip()!r}")
    whole = int(match["whole"] or "0")
    minor = whole * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    return -minor if match["sign"] else minor
