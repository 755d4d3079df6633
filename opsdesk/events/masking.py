"""Card-number (PAN) masking: keep the first 6 and last 4 digits, star the rest.

A candidate is a run of digits in which single spaces or dashes may separate digit groups of 3
or more digits ("4111111111111111", "4111 1111 1111 1111", "3782-822463-10005"); a group of 1-2
digits never occurs inside a printed card number and splits the run (so the "12" of an expiry
after a PAN, or the parts of "2024-01-15 2024-02-15", never join a candidate). In each piece
the longest window of whole groups holding 13-19 digits that passes the Luhn check is masked,
then the groups left and right of it are searched again, so two spaced PANs in one run are both
masked. Masking keeps the length and the separators ("4111 11** **** 1111"): offsets and JSON
strings stay valid.

Left alone on purpose, because they are not card numbers and masking them would corrupt data:
- windows that fail Luhn or have fewer than 13 / more than 19 digits (an unbroken 20+ digit
  run is a reference number; it is not searched for a PAN inside);
- the fraction of a decimal ("0.4111111111111111") and the integer part before ".<digit>";
- an unbroken 13, 16 or 19 digit number starting with "1": an epoch timestamp in milliseconds,
  microseconds or nanoseconds (years 2001-2033). No card scheme issues 13/16/19-digit numbers
  starting with 1 (UATP airline cards start with 1 but have 15 digits, and are masked).
Letters next to a run do not protect it ("\\n4111..." in JSON text must still be masked), so a
13+ digit stretch of a hex id that happens to pass Luhn is masked too: a safe-side false positive.
A PAN written as a bare JSON number is masked in place, which leaves that JSON text invalid.
"""

from __future__ import annotations

import re

# The pre-check, in C: each char becomes one probe byte ("0" for a digit, space or dash, "x" for
# anything else, non-ASCII included), so positions match the text's. A PAN needs 13 "0"s in a
# row; most texts have none and return at once. Else only those regions go to the regex, which
# is ~20x cheaper than scanning the whole text with it.
_PROBE_TABLE = bytes(ord("0") if chr(i) in "0123456789 -" else ord("x") for i in range(256))
_PROBE_RUN = b"0" * 13
# A run of 3+ digit groups joined by single separators, starting at a digit that follows no
# digit and no "<digit>." (a decimal fraction), with 13 digits ahead (separators aside).
_RUN = re.compile(
    r"[0-9](?<![0-9][0-9])(?<![0-9]\.[0-9])(?=(?:[ -]?[0-9]){12})[0-9]{2,}(?:[ -][0-9]{3,})*"
)
_GROUP = re.compile(r"[0-9]+")

_MIN_DIGITS = 13
_MAX_DIGITS = 19
_KEEP_HEAD = 6
_KEEP_TAIL = 4
_EPOCH_LENGTHS = frozenset({13, 16, 19})
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def mask_pans(text: str) -> str:
    """Return `text` with every Luhn-valid 13-19 digit card number masked to first 6 / last 4."""
    if len(text) < _MIN_DIGITS:
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
        for match in _RUN.finditer(text, region, region_end):
            masked = _mask_run(match.group(), text, match.end())
            if masked is not None:
                pieces.append(text[last : match.start()])
                pieces.append(masked)
                last = match.end()
        region = probe.find(_PROBE_RUN, region_end)
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def may_hold_pan(text: str) -> bool:
    """Cheap pre-check: False guarantees `text` holds no card number that mask_pans would mask."""
    return len(text) >= _MIN_DIGITS and _PROBE_RUN in _probe(text)


def _probe(text: str) -> bytes:
    # "replace" turns each non-ASCII char into exactly one "?", keeping positions aligned.
    return text.encode("ascii", errors="replace").translate(_PROBE_TABLE)


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        total += _DOUBLED[value] if position & 1 else value
    return total % 10 == 0


def _mask_run(run: str, text: str, end: int) -> str | None:
    """The run with its card numbers masked, or None when it holds none."""
    if text.startswith(".", end) and end + 1 < len(text) and text[end + 1].isdigit():
        return None  # integer part of a decimal number
    if run.isdigit():
        return _star(run) if _is_pan(run) else None
    chars = list(run)
    groups = [(group.start(), group.end()) for group in _GROUP.finditer(run)]
    return "".join(chars) if _mask_groups(run, groups, chars) else None


def _mask_groups(run: str, groups: list[tuple[int, int]], chars: list[str]) -> bool:
    """Mask the longest card number made of whole groups, then look left and right of it."""
    best: tuple[int, int] | None = None
    best_len = 0
    for first in range(len(groups)):
        count = 0
        for last in range(first, len(groups)):
            count += groups[last][1] - groups[last][0]
            if count > _MAX_DIGITS:
                break
            if count >= _MIN_DIGITS and count > best_len:
                digits = "".join(run[start:stop] for start, stop in groups[first : last + 1])
                if _is_pan(digits):
                    best, best_len = (first, last), count
    if best is None:
        return False
    first, last = best
    start, stop = groups[first][0], groups[last][1]
    chars[start:stop] = _star(run[start:stop])
    _mask_groups(run, groups[:first], chars)
    _mask_groups(run, groups[last + 1 :], chars)
    return True


def _is_pan(digits: str) -> bool:
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS or not luhn_valid(digits):
        return False
    # Epoch ms/us/ns timestamp, see the module docstring.
    return not (digits[0] == "1" and len(digits) in _EPOCH_LENGTHS)


def _star(number: str) -> str:
    """Replace all but the first 6 and last 4 digits with '*', keeping separators."""
    digit_total = len(number) - number.count(" ") - number.count("-")
    out: list[str] = []
    seen = 0
    for char in number:
        if char not in " -":
            seen += 1
            hidden = _KEEP_HEAD < seen <= digit_total - _KEEP_TAIL
            out.append("*" if hidden else char)
        else:
            out.append(char)
    return "".join(out)
