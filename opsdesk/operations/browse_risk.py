"""What browsing a queue could do to its messages that the browse cannot rule out by itself.

A browse of a quorum queue stops at the first message whose return would leave it no return
to spare (browse.py). What it cannot know before it takes a message is a `BrowseWarning` for
the operator to accept first: the queue's type cannot be read; no dead-letter exchange (a
message a consumer had already returned up to the limit is dropped when the browse gives it
back); a limit of 0 or less; messages this desk itself left at their limit (limit_ledger.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from opsdesk.operations.limit_ledger import Exhausted
from opsdesk.operations.queue_facts import QueueFacts

SHOWN_EXHAUSTED = 5  # messages named in a warning about those left at their limit


def delivery_limit_risk(
    facts: QueueFacts, exhausted: Sequence[Exhausted] = (), taken: int | None = None
) -> str | None:
    """Why browsing `facts.name` could dead-letter or drop messages, or None.

    Only what the browse cannot rule out before it takes a message: it stops by itself at the
    first one whose return would leave it no return to spare.
    """
    how_many = (
        f"; this browse takes up to {taken:,} message(s), every one before the page included"
        if taken
        else ""
    )
    limit = facts.limit
    fate = facts.fate_of_dead_letter()
    if facts.type is None:
        # Cannot tell (no management API): warn rather than risk a message on a quorum queue.
        return (
            f"the type of {facts.name!r} cannot be checked ({facts.management_error}): if it is "
            f"a quorum queue with a delivery limit ({limit.source}), each browse counts as a "
            f"delivery, and a message that reaches the limit is dead-lettered or dropped"
            f"{how_many}"
        )
    if not limit.guards_returns or limit.value is None:
        return None
    if exhausted:
        return _exhausted_risk(facts, exhausted, fate)
    if limit.value <= 0:
        return (
            f"{facts.name!r} has a delivery limit of {limit.value} ({limit.source}): every "
            f"return counts past it, so browsing would make the broker {fate} for each message "
            "it takes"
        )
    if facts.dead_letter_exchange is None:
        return (
            f"{facts.name!r} is a quorum queue with a delivery limit of {limit.value} "
            f"({limit.source}) and no dead-letter exchange: the browse stops at the first "
            "message it would leave at the limit, but a message that was already returned "
            f"{limit.value} time(s) (by a consumer) is dropped as soon as the browse gives it "
            f"back{how_many}"
        )
    return None


def _exhausted_risk(facts: QueueFacts, exhausted: Sequence[Exhausted], fate: str) -> str:
    names = ", ".join(e.describe() for e in exhausted[:SHOWN_EXHAUSTED])
    more = len(exhausted) - SHOWN_EXHAUSTED
    if more > 0:
        names += f" and {more:,} more"
    return (
        f"this desk left {len(exhausted):,} message(s) of {facts.name!r} at their delivery "
        f"limit: {names}. A browse that reaches one would have to give it back, and the broker "
        f"would {fate}. Move them (a move acknowledges rather than returns), or browse anyway "
        "if they are gone"
    )
