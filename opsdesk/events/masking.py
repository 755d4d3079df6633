"""Card-number (PAN) masking: keep the first 6 and last 4 digits, star the rest.

A card number, when it passes the Luhn check, is either
- an unbroken run of 13-19 digits ("4111111111111111"), or
- digit groups in a printed card grouping, joined by one kind of single separator (space, dash,
  or "+", a space in a URL query): 4-4-4-4 (16 digits: Visa, Mastercard, Discover, JCB,
  UnionPay, Maestro); 4-6-5 (American Express) and 4-6-4 (Diners Club 14), as embossed;
  4-4-4-4-1..3 (17-19, groups of four as 19-digit UnionPay and Maestro cards are printed);
  4-4-4-1..7 (13-19: the gaps after digits 4, 8 and 12 that card-entry forms insert for every
  scheme but Amex and Diners, e.g. braintree/credit-card-type's `gaps: [4, 8, 12]` for Visa
  13/19, Maestro 12-19 and UnionPay 14-19 digits).
Masking keeps the length and the separators ("4111 11** **** 1111"): offsets and JSON strings
stay valid. A PAN written as a bare JSON number is masked in place, which leaves that JSON text
invalid.

Left alone on purpose, because they are not card numbers and masking them corrupts data:
- digits glued to an ASCII letter or digit: UUIDs, ULIDs, hex trace and span ids, base32/64
  tokens, IBANs ("DE89370400440532013000"). An escape before the digits is not glue: a JSON or
  Python backslash escape ("\\n", "\\"", "\\u00e9", "\\xff" of a body that was not UTF-8) and a
  URL escape ("%20");
- digits joined by one separator to an id (a token of letters and digits) or to a 20+ digit
  number: the rest of a printed IBAN ("DE89 3704 0044 0532 0130 00"), of a UUID, of a trace
  header ("00-<trace id>-<span id>-01"). A word without digits is no id: "card 4111..." and
  "pan-4111..." are masked;
- digits inside an IBAN that passes its mod-97 check ("GB29 NWBK 6016 1331 9268 19"), see iban;
- a grouping with a 4+ digit group joined on either side: a longer number printed in groups
  (parcel tracking numbers, account numbers). A 1-3 digit group beside it (expiry, CVV) does
  not count; two card groupings in a row are both masked;
- an international phone number: a "+" that follows no letter or digit, and up to 15 digits
  after it (E.164), in groups or not;
- windows that fail Luhn, and unbroken runs of 20+ digits (references; not searched inside);
- the fraction of a decimal ("0.4111111111111111") and the integer part before ".<digit>";
- an unbroken 13, 16 or 19 digit number starting with "1": an epoch timestamp in milliseconds,
  microseconds or nanoseconds (years 2001-2033). No card scheme issues 13/16/19-digit numbers
  starting with 1 (UATP airline cards start with 1 but have 15 digits, and are masked).
The price of that precision: a card number glued to letters ("card4111111111111111") is not
masked; it reads as an id, and an id of that shape is far more common than such a PAN.
"""

from __future__ import annotations

import re

from opsdesk.events.card_numbers import MIN_DIGITS, is_card_number, luhn_valid
from opsdesk.events.digit_chains import MAX_PHONE_DIGITS, Chain, chain_spans
from opsdesk.events.iban import iban_covers

__all__ = ["luhn_valid", "mask_pans", "may_hold_pan"]

# The pre-check, in C: each char becomes one probe byte ("0" for a digit or separator, "x" for
# anything else, non-ASCII included), so positions match the text's. A PAN needs 13 "0"s in a
# row; most texts have none and return at once. Else only those regions are looked at, each a
# stretch of digits and separators whose neighbours (the glue) sit just outside it.
_PROBE_TABLE = bytes(ord("0") if chr(i) in "0123456789 -+" else ord("x") for i in range(256))
_PROBE_RUN = b"0" * 13
_DIGITS = re.compile(r"[0-9]+")
# Escapes a digit run may follow without being glued to the escape's letter or hex digits.
_ESCAPE = re.compile(
    r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[A-Za-z])|%[0-9A-Fa-f]{2}"
)
_ID_REACH = 64  # how far to look for the digit that makes a token beside a number an id
_ESCAPE_REACH = 10  # chars from an escape's start to its end, at most ("\\U0001f600")
_GLUE = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_ASCII_DIGITS = frozenset("0123456789")
_KEEP_HEAD = 6
_KEEP_TAIL = 4
# What every card number holds: 13 digits in a row, or the start of a grouping (4-4-4-x or
# 4-6-x). A region without either is cleared in C, as most regions (parts of UUIDs) are.
_MAYBE_CARD = re.compile(r"[0-9]{13}|[0-9]{4}[ +-](?:[0-9]{4}[ +-][0-9]{4}|[0-9]{6})[ +-][0-9]")


def mask_pans(text: str) -> str:
    """Return `text` with every Luhn-valid 13-19 digit card number masked to first 6 / last 4."""
    if len(text) < MIN_DIGITS:
        return text
    probe = _probe(text)
    region = probe.find(_PROBE_RUN)
    if region < 0:
        return text
    pieces: list[str] = []
    last = 0
    while region >= 0:
        region_end = probe.find(b"x", region)
        if region_end < 0:
            region_end = len(probe)
        if _MAYBE_CARD.search(text, region, region_end) is not None:
            for start, stop in _card_spans(text, region, region_end):
                if iban_covers(text, start, stop):
                    continue
                pieces.append(text[last:start])
                pieces.append(_star(text[start:stop]))
                last = stop
        region = probe.find(_PROBE_RUN, region_end)
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def may_hold_pan(text: str) -> bool:
    """Cheap pre-check: False guarantees `text` holds no card number that mask_pans would mask."""
    return len(text) >= MIN_DIGITS and _PROBE_RUN in _probe(text)


def _probe(text: str) -> bytes:
    # "replace" turns each non-ASCII char into exactly one "?", keeping positions aligned.
    return text.encode("ascii", errors="replace").translate(_PROBE_TABLE)


def _card_spans(text: str, region: int, region_end: int) -> list[tuple[int, int]]:
    """The (start, stop) of every card number in the region text[region:region_end]."""
    start, left_glued = _left_edge(text, region)
    right_glued = _glued_after(text, region_end)
    # An id token (letters and digits) just outside, joined by one separator: "<trace>-<span>".
    left_id = start == region and _id_joined_before(text, region, region_end)
    right_id = _id_joined_after(text, region, region_end)
    inner = text[start:region_end]
    digits = inner.strip(" +-")
    if digits.isdigit():  # one group, the common case: "4111111111111111", " 4111... "
        begin = start + len(inner) - len(inner.lstrip(" +-"))
        end = begin + len(digits)
        glued = (begin == start and left_glued) or (end == region_end and right_glued)
        beside_id = (left_id and begin == start + 1) or (right_id and end == region_end - 1)
        phone = len(digits) <= MAX_PHONE_DIGITS and _starts_phone(text, begin)
        return [] if glued or beside_id or phone or not is_card_number(digits) else [(begin, end)]
    groups = [match.span() for match in _DIGITS.finditer(text, start, region_end)]
    spans: list[tuple[int, int]] = []
    first = 0
    for index in range(1, len(groups) + 1):
        if index < len(groups) and groups[index][0] - groups[index - 1][1] == 1:
            continue  # joined by one separator: the chain goes on
        starts = [begin for begin, _ in groups[first:index]]
        stops = [end for _, end in groups[first:index]]
        chain = Chain(text, starts, stops, _starts_phone(text, starts[0]))
        chain.glued[0] = starts[0] == start and left_glued
        chain.glued[-1] = chain.glued[-1] or (stops[-1] == region_end and right_glued)
        if left_id and starts[0] == start + 1:
            chain.add_id(True, text[start])
        if right_id and stops[-1] == region_end - 1:
            chain.add_id(False, text[region_end - 1])
        spans += chain_spans(text, chain)
        first = index
    return spans


def _id_joined_before(text: str, region: int, region_end: int) -> bool:
    """The region opens with one separator and a digit, after a token of letters and digits."""
    if region_end - region < 2 or text[region] not in " -+" or text[region + 1] == text[region]:
        return False
    at = region - 1
    stop = max(-1, region - 1 - _ID_REACH)
    has_digit = False
    while at > stop and text[at] in _GLUE:
        has_digit = has_digit or text[at] in _ASCII_DIGITS
        at -= 1
    # After "\" or "%" the letters are an escape's ("\u00e9", "%C3%A9"), not an id's.
    return has_digit and at < region - 1 and (at < 0 or text[at] not in "\\%")


def _id_joined_after(text: str, region: int, region_end: int) -> bool:
    """The region closes with a digit and one separator, before a token of letters and digits."""
    if region_end - region < 2 or region_end >= len(text) or text[region_end] not in _GLUE:
        return False
    if text[region_end - 1] not in " -+" or text[region_end - 2] not in _ASCII_DIGITS:
        return False
    stop = min(len(text), region_end + _ID_REACH)
    at = region_end
    while at < stop and text[at] in _GLUE:
        if text[at] in _ASCII_DIGITS:
            return True
        at += 1
    return False


def _starts_phone(text: str, begin: int) -> bool:
    """A "+" after no letter or digit starts a phone number; after one it is a URL's space."""
    return begin > 0 and text[begin - 1] == "+" and (begin < 2 or text[begin - 2] not in _GLUE)


def _left_edge(text: str, region: int) -> tuple[int, bool]:
    """Where the region's digits start (after an escape that reaches into it), and whether the
    digits at its start are glued to a letter or digit, or are the fraction of a decimal."""
    if region == 0:
        return 0, False
    for at in range(region - 1, max(-1, region - 1 - _ESCAPE_REACH), -1):
        if text[at] in "\\%":
            escape = _ESCAPE.match(text, at)
            if escape is not None and escape.end() >= region:
                return escape.end(), False
            break
    before = text[region - 1]
    decimal = before == "." and region > 1 and text[region - 2] in _ASCII_DIGITS
    return region, before in _GLUE or decimal


def _glued_after(text: str, region_end: int) -> bool:
    """Whether the digits ending the region go on into letters, or into a decimal's fraction."""
    if region_end >= len(text):
        return False
    after = text[region_end]
    if after in _GLUE:
        return True
    return after == "." and region_end + 1 < len(text) and text[region_end + 1] in _ASCII_DIGITS


def _star(number: str) -> str:
    """Replace all but the first 6 and last 4 digits with '*', keeping separators."""
    if number.isdigit():
        return (
            number[:_KEEP_HEAD]
            + "*" * (len(number) - _KEEP_HEAD - _KEEP_TAIL)
            + number[-_KEEP_TAIL:]
        )
    chars = list(number)
    places = [at for at, char in enumerate(chars) if char in _ASCII_DIGITS]
    for at in places[_KEEP_HEAD : len(places) - _KEEP_TAIL]:
        chars[at] = "*"
    return "".join(chars)
