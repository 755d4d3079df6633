"""What makes a digit string a card number: 13-19 digits passing the Luhn check."""

from __future__ import annotations

MIN_DIGITS = 13
MAX_DIGITS = 19
_EPOCH_LENGTHS = frozenset({13, 16, 19})
# Luhn: each digit in a doubled place becomes the digit sum of its double.
_DOUBLE = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """True when the (ASCII) digit string passes the Luhn (mod 10) check."""
    # Summing bytes runs in C; each ASCII digit counts 48 too much.
    total = sum(digits[-1::-2].encode()) + sum(digits[-2::-2].translate(_DOUBLE).encode())
    return (total - 48 * len(digits)) % 10 == 0


def is_card_number(digits: str) -> bool:
    """13-19 digits passing Luhn, but not 13, 16 or 19 starting with 1: an epoch timestamp in
    ms, us or ns (years 2001-2033). No card scheme issues 13/16/19-digit numbers starting with
    1 (UATP airline cards start with 1 but have 15 digits, and count)."""
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or not luhn_valid(digits):
        return False
    return not (digits[0] == "1" and len(digits) in _EPOCH_LENGTHS)
