"""Amounts in minor units as text, with integer arithmetic only (no Qt, no floats)."""

from __future__ import annotations

# ISO 4217 minor-unit exponents that differ from the usual 2.
# fmt: off
_ZERO_DECIMAL = frozenset({
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
    "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
})
_THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_FOUR_DECIMAL = frozenset({"CLF", "UYW"})
# fmt: on


def minor_unit_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 unless ISO 4217 says otherwise)."""
    code = currency.upper()
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    if code in _FOUR_DECIMAL:
        return 4
    return 2


def format_amount(amount_minor: int | None, currency: str | None) -> str:
    """`1234, "EUR"` -> `"12.34 EUR"`; empty when there is no amount."""
    if amount_minor is None:
        return ""
    if not currency:
        # Without a currency the exponent is unknown: placing a decimal point would be a guess.
        return f"{amount_minor} (minor units)"
    code = currency.upper()
    exponent = minor_unit_exponent(code)
    sign = "-" if amount_minor < 0 else ""
    if exponent == 0:
        return f"{sign}{abs(amount_minor)} {code}"
    whole, fraction = divmod(abs(amount_minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d} {code}"
