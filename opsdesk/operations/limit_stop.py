"""Why a path that hands messages back to a quorum queue stopped at one, in plain words.

The arithmetic is broker/delivery_limit.py's: a message taken with delivery count `c` goes back
with `c + 1` (where returns count); past the limit the broker dead-letters or drops it. Every
path stops at the first message whose return leaves it with no return to spare.
"""

from __future__ import annotations

from dataclasses import dataclass

from opsdesk.broker.delivery_limit import ReturnCheck


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True, slots=True)
class Returned:
    """One message handed back, and what the return did to its delivery count."""

    key: str
    message_id: str | None
    check: ReturnCheck


@dataclass(frozen=True, slots=True)
class LimitStop:
    """The message a browse or a sweep stopped at, because of its delivery count."""

    position: int  # browse: its place in the queue as taken (0 = the head); sweep: #examined
    returned: Returned
    fate: str  # what the broker does past the limit: "dead-letter it into exchange 'x'"
    passed_over: bool = False  # a sweep's: not selected, so it goes back

    @property
    def dead_lettered(self) -> bool:
        return self.returned.check.dead_letters

    def describe(self) -> str:
        check = self.returned.check
        mid = self.returned.message_id
        what = f"message #{self.position}" + (f" ({mid})" if mid else "")
        why = "it is not selected, so it goes back, and " if self.passed_over else ""
        if check.dead_letters:
            return (
                f"stopped at {what}: {why}it had already been returned {check.count} time(s) "
                f"(x-delivery-count {check.count}) of a delivery limit of {check.limit}, so "
                f"giving it back is its {ordinal(check.after)} and makes the broker "
                f"{self.fate}; before RabbitMQ 4.3 every way of giving a message back counts"
            )
        return (
            f"stopped at {what}: {why}returning it would be its {ordinal(check.after)} "
            f"delivery of a limit of {check.limit} (x-delivery-count {check.count} when taken), "
            f"and the next return would make the broker {self.fate}; no message after it "
            "was taken"
        )
