"""What the queue actions (move, dead-letter, send home) share: their count, warnings and run.

Each of them is one sweep over the source queue (sweep.py) with its own verdict per message.
"""

from __future__ import annotations

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.operations.plan import RunOptions
from opsdesk.operations.queue_facts import QueueFacts
from opsdesk.operations.selection import Selection, Selector
from opsdesk.operations.sweep import Sweep, SweepLimits, SweepReport
from opsdesk.operations.sweep_returns import SweepReturns
from opsdesk.operations.verdicts import Handler


def snapshot_of(planned: int | None, facts: QueueFacts) -> int:
    """How many messages from the head a run may look at.

    The plan's count, so what the operator confirmed is what runs: messages published after
    the plan (they are behind these) are left alone. Fewer if some have gone meanwhile.
    """
    return facts.ready if planned is None else min(planned, facts.ready)


def planned_count(facts: QueueFacts, selection: Selection) -> int:
    if selection.keys:
        return min(len(selection.keys), facts.ready)
    if selection.count is not None:
        return min(selection.count, facts.ready)
    return facts.ready


def count_is_exact(selection: Selection) -> bool:
    """False when a filter or chosen keys decide at run time how many are taken."""
    return selection.filter.is_empty and not selection.keys


def sweep_warnings(facts: QueueFacts, selection: Selection) -> tuple[str, ...]:
    warnings = []
    if facts.consumers:
        warnings.append(
            f"queue {facts.name!r} has {facts.consumers} consumer(s): the operation needs "
            "exclusive access and will be refused until they stop"
        )
    if not count_is_exact(selection):
        warnings.append(
            "messages that are not selected are held (unacked) until the end and then "
            "returned to their place; they are marked redelivered"
        )
    limit = facts.limit
    if limit.guards_returns:
        warnings.append(
            f"quorum queue with {limit.describe()}: every message handed back (passed over, "
            "or in hand when the operation stops) counts as a delivery; it stops at the first "
            "passed-over message it would leave at the limit, and acts as planned on one in "
            f"hand that going back would make the broker {facts.fate_of_dead_letter()}"
        )
    elif facts.type is None:
        warnings.append(
            f"the type of {facts.name!r} cannot be read ({facts.management_error}): if it is a "
            "quorum queue with a delivery limit, messages handed back count as a delivery"
        )
    return tuple(warnings)


def run_sweep(
    connection: BlockingConnection,
    facts: QueueFacts,
    selection: Selection,
    planned_snapshot: int | None,
    handler: Handler,
    options: RunOptions,
) -> SweepReport:
    """Sweep the queue `facts` were read from (just before), giving `handler` each message."""
    sweep = Sweep(
        connection,
        facts.name,
        Selector(selection),
        handler,
        SweepLimits(snapshot=snapshot_of(planned_snapshot, facts), rate_limit=options.rate_limit),
        options.cancel,
        options.on_progress,
        total=planned_count(facts, selection),
        returns=SweepReturns(
            facts.limit, facts.fate_of_dead_letter(), quorum=facts.type in (None, "quorum")
        ),
    )
    return sweep.run()
