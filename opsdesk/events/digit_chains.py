"""Card numbers among digit groups joined by single separators (see masking for the rules).

A chain is what one stretch of digits and separators holds, with what touches it: glue (a
letter, a decimal point, an id token outside the stretch) and a phone number's "+".
"""

from __future__ import annotations

from opsdesk.events.card_numbers import MAX_DIGITS, MIN_DIGITS, is_card_number, luhn_valid

# Longest first: at one place the longest grouping that passes Luhn wins.
_GROUPINGS: tuple[list[int], ...] = (
    [4, 4, 4, 4, 3],
    [4, 4, 4, 7],
    [4, 4, 4, 4, 2],
    [4, 4, 4, 6],
    [4, 4, 4, 4, 1],
    [4, 4, 4, 5],
    [4, 4, 4, 4],
    [4, 6, 5],
    [4, 4, 4, 3],
    [4, 6, 4],
    [4, 4, 4, 2],
    [4, 4, 4, 1],
)
_MAX_GROUPS = max(len(grouping) for grouping in _GROUPINGS)
MAX_PHONE_DIGITS = 15  # E.164


class Chain:
    """Digit groups joined by single separators, as parallel lists, and how each touches what
    is around it."""

    __slots__ = ("glued", "phone", "separators", "starts", "stops")

    def __init__(self, text: str, starts: list[int], stops: list[int], phone: bool) -> None:
        self.starts = starts
        self.stops = stops
        # The char joining a group to the one before ("" for the first).
        self.separators = [""] + [text[at - 1] for at in starts[1:]]
        self.glued = [False] * len(starts)  # part of a token with letters, or of a decimal
        self.phone = [phone] * len(starts)  # digits of a phone number that follow its "+"

    def add_id(self, first: bool, separator: str) -> None:
        """An id token beside the chain, outside the region: an empty glued group."""
        at = 0 if first else len(self.starts)
        position = self.starts[0] - 1 if first else self.stops[-1] + 1
        self.starts.insert(at, position)
        self.stops.insert(at, position)
        if first:
            self.separators[0] = separator  # now the real first group's: it joins the id
            self.separators.insert(0, "")
        else:
            self.separators.append(separator)
        self.glued.insert(at, True)
        self.phone.insert(at, False)


def chain_spans(text: str, chain: Chain) -> list[tuple[int, int]]:
    """Card numbers among the groups of one chain, with neighbours that allow them."""
    sizes = [stop - start for start, stop in zip(chain.starts, chain.stops, strict=True)]
    if True in chain.phone:
        _end_phones(chain, sizes)
    found: dict[int, int] = {}  # first group index -> last group index
    index = 0
    while index < len(sizes):
        last = _card_at(text, chain, sizes, index)
        if last is None:
            index += 1
        else:
            found[index] = last
            index = last + 1
    # A grouping is a whole number only when no longer digit group is joined to it; dropping
    # one may expose its neighbour, so repeat until nothing changes.
    changed = len(sizes) > 1 and bool(found)
    while changed:
        covered = {i for first, last in found.items() for i in range(first, last + 1)}
        dropped = [
            first
            for first, last in found.items()
            if first != last
            and not (
                _free(chain, sizes, first - 1, covered) and _free(chain, sizes, last + 1, covered)
            )
        ]
        for first in dropped:
            del found[first]
        changed = bool(dropped)
    return [(chain.starts[first], chain.stops[last]) for first, last in found.items()]


def _end_phones(chain: Chain, sizes: list[int]) -> None:
    """A phone number ends after 15 digits (E.164): groups past that are not part of it."""
    phone = chain.phone
    index = 0
    while index < len(phone):
        if not phone[index]:
            index += 1
            continue
        total = 0
        while index < len(phone) and phone[index]:
            total += sizes[index]
            if total > MAX_PHONE_DIGITS:
                while index < len(phone) and phone[index]:
                    phone[index] = False
                    index += 1
                break
            index += 1


def _card_at(text: str, chain: Chain, sizes: list[int], index: int) -> int | None:
    """The last group of the card number that starts at group `index`, or None."""
    glued, phone = chain.glued, chain.phone
    if glued[index] or phone[index]:
        return None
    size = sizes[index]
    if MIN_DIGITS <= size <= MAX_DIGITS:
        # An unbroken number: only glue or a 20+ digit reference beside it makes it part of
        # something else (a trace header "00-<trace id>-<span id>-01").
        if index > 0 and (glued[index - 1] or sizes[index - 1] > MAX_DIGITS):
            return None
        if index + 1 < len(sizes) and (glued[index + 1] or sizes[index + 1] > MAX_DIGITS):
            return None
        return index if is_card_number(text[chain.starts[index] : chain.stops[index]]) else None
    if size != 4 or index + 2 >= len(sizes):
        return None
    # The groups that could belong to a card: one kind of separator, no glue, no phone.
    separator = chain.separators[index + 1]
    end = index + 1
    while (
        end < len(sizes)
        and end - index < _MAX_GROUPS
        and chain.separators[end] == separator
        and not glued[end]
        and not phone[end]
    ):
        end += 1
    run = sizes[index:end]
    for grouping in _GROUPINGS:
        if run[: len(grouping)] == grouping:
            last = index + len(grouping) - 1
            digits = "".join(text[chain.starts[i] : chain.stops[i]] for i in range(index, last + 1))
            if luhn_valid(digits):
                return last
    return None


def _free(chain: Chain, sizes: list[int], index: int, covered: set[int]) -> bool:
    """True when the group at `index` (if any) does not extend a grouping beside it."""
    if index < 0 or index >= len(sizes) or index in covered:
        return True
    return not chain.glued[index] and sizes[index] < 4
