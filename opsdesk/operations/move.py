"""Move messages from a queue to another queue or an exchange, losing none and copying exactly.

Each copy keeps the body and properties (same message_id) and gains `x-opsdesk-moved-from`,
`x-opsdesk-moved-at` and `x-opsdesk-moved-by`. The original is acked only after the broker
confirmed its copy; unroutable or nacked copies leave the original where it was. See sweep.py
for the snapshot, exclusivity and crash guarantees.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.operations.errors import NotFound, Refused
from opsdesk.operations.message_copy import copy_properties, utc_now_text
from opsdesk.operations.plan import Action, Destination, Plan, PlannedMessage, ProgressCallback
from opsdesk.operations.queue_facts import (
    QueueFacts,
    exchange_exists,
    queue_exists,
    refuse_streams,
)
from opsdesk.operations.selection import Selection, Selector
from opsdesk.operations.sweep import Sweep, SweepLimits, SweepReport
from opsdesk.operations.verdicts import Handler, Publish, SweptMessage

MOVED_FROM = "x-opsdesk-moved-from"
MOVED_AT = "x-opsdesk-moved-at"
MOVED_BY = "x-opsdesk-moved-by"
METHOD = "copy with publisher confirms (mandatory), then ack the original"


@dataclass(frozen=True, slots=True)
class MoveSpec:
    source: str
    destination: Destination
    selection: Selection
    action: Action = Action.MOVE  # dead-letter into a parking queue is a move too
    snapshot: int | None = None  # ready messages when planned; None: when executed


def snapshot_of(planned: int | None, facts: QueueFacts) -> int:
    """How many messages from the head a run may look at.

    The plan's count, so what the operator confirmed is what runs: messages published after
    the plan (they are behind these) are left alone. Fewer if some have gone meanwhile.
    """
    return facts.ready if planned is None else min(planned, facts.ready)


def check_destination(
    connection: BlockingConnection, source: str, destination: Destination
) -> None:
    """Refuse a destination that cannot take the copies (they would all be unroutable)."""
    if destination.is_queue:
        if destination.routing_key == source:
            raise Refused(f"source and destination are the same queue {source!r}")
        if not queue_exists(connection, destination.routing_key):
            raise NotFound(f"destination queue {destination.routing_key!r} does not exist")
    elif not exchange_exists(connection, destination.exchange):
        raise NotFound(f"destination exchange {destination.exchange!r} does not exist")


def plan_move(
    connection: BlockingConnection,
    facts: QueueFacts,
    destination: Destination,
    selection: Selection,
    *,
    action: Action = Action.MOVE,
    method: str = METHOD,
) -> Plan:
    refuse_streams(facts, "moved")
    check_destination(connection, facts.name, destination)
    return Plan(
        action=action,
        source=facts.name,
        destinations=(destination,),
        count=planned_count(facts, selection),
        count_is_exact=selection.filter.is_empty and not selection.keys,
        method=method,
        spec=MoveSpec(facts.name, destination, selection, action, facts.ready),
        items=tuple(PlannedMessage(key, destination) for key in selection.keys),
        warnings=sweep_warnings(facts, selection),
    )


def planned_count(facts: QueueFacts, selection: Selection) -> int:
    if selection.keys:
        return min(len(selection.keys), facts.ready)
    if selection.count is not None:
        return min(selection.count, facts.ready)
    return facts.ready


def sweep_warnings(facts: QueueFacts, selection: Selection) -> tuple[str, ...]:
    warnings = []
    if facts.consumers:
        warnings.append(
            f"queue {facts.name!r} has {facts.consumers} consumer(s): the operation needs "
            "exclusive access and will be refused until they stop"
        )
    if not selection.filter.is_empty or selection.keys:
        warnings.append(
            "messages that are not selected are held (unacked) until the end and then "
            "returned to their place; they are marked redelivered"
        )
    if facts.type == "quorum" and facts.delivery_limit:
        warnings.append(
            f"quorum queue with delivery limit {facts.delivery_limit}: messages held and "
            "returned count as a delivery attempt"
        )
    return tuple(warnings)


class MoveHandler(Handler):
    def __init__(self, source: str, destination: Destination, operator: str) -> None:
        self._destination = destination
        self._headers = {MOVED_FROM: source, MOVED_BY: operator}

    def verdict(self, message: SweptMessage) -> Publish:
        headers = {**self._headers, MOVED_AT: utc_now_text()}
        props = copy_properties(message.properties, headers)
        return Publish(self._destination, props, message.body)


def run_move(
    connection: BlockingConnection,
    plan: Plan,
    facts: QueueFacts,
    operator: str,
    *,
    cancel: threading.Event | None = None,
    on_progress: ProgressCallback | None = None,
    rate_limit: float | None = None,
) -> SweepReport:
    """Move according to `plan`; `facts` are read just before, for the snapshot."""
    spec: MoveSpec = plan.spec
    check_destination(connection, spec.source, spec.destination)
    sweep = Sweep(
        connection,
        spec.source,
        Selector(spec.selection),
        MoveHandler(spec.source, spec.destination, operator),
        SweepLimits(snapshot=snapshot_of(spec.snapshot, facts), rate_limit=rate_limit),
        cancel,
        on_progress,
        total=planned_count(facts, spec.selection),
    )
    return sweep.run()
