"""IBANs in text, so card-number masking can leave them alone.

A printed IBAN ("GB29 NWBK 6016 1331 9268 19", "VG96 VPVG 0000 0123 4567 8901") can hold a
stretch of digits in the groups of a card number; its own check (ISO 13616: mod 97 of the
rearranged number is 1) tells it apart. A card number inside a text that also passes that
check by accident would take a text like "AB12 4111 1111 1111 1111" with a 1-in-97 chance.
"""

from __future__ import annotations

import re

# Country code and check digits, not glued to what comes before.
_HEAD = re.compile(r"(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}")
_MIN_CHARS = 15  # Norway
_MAX_CHARS = 34
_REACH = _MAX_CHARS + _MAX_CHARS // 4  # chars from an IBAN's start to its end, spaces included
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def iban_covers(text: str, start: int, stop: int) -> bool:
    """True when text[start:stop] lies inside an IBAN that passes its mod-97 check."""
    for head in _HEAD.finditer(text, max(0, start - _REACH), start):
        if _valid_through(text, head.start(), stop):
            return True
    return False


def _valid_through(text: str, at: int, stop: int) -> bool:
    """True when the IBAN starting at `at` is valid and ends at or after `stop`, on a token end.

    Electronic ("GB29NWBK...") or printed form (single spaces anywhere between chars).
    """
    # Rearranged as the standard says: the rest, then country and check digits; letters count
    # as two digits (A=10 ... Z=35), so the four head chars add six digits at the end.
    head = int("".join(str(int(char, 36)) for char in text[at : at + 4]))
    value = 0
    count = 4
    position = at + 4
    while position < len(text) and count < _MAX_CHARS:
        char = text[position]
        if char == " " and text[position - 1] != " ":
            position += 1
            continue
        if char not in _ALNUM:
            break
        number = int(char, 36)
        value = (value * (100 if number > 9 else 10) + number) % 97
        count += 1
        position += 1
        ends_token = position == len(text) or not text[position].isalnum()
        if ends_token and count >= _MIN_CHARS and position >= stop:
            return (value * 1_000_000 + head) % 97 == 1
    return False
