"""Move messages from a queue to another queue or an exchange, losing none and copying exactly.

Each copy keeps the body and properties (same message_id) and gains `x-opsdesk-moved-from`,
`x-opsdesk-moved-at` and `x-opsdesk-moved-by`. The original is acked only after the broker
confirmed its copy; unroutable or nacked copies leave the original where it was. See sweep.py
for the snapshot, exclusivity and crash guarantees.

Parking (dead-lettering into a parking queue, which is a move) also keeps each message's
routing key and records where it was parked from (routing_keys.py), so that sending it home
later restores both; the parking queue is created first when the plan says so.
"""

from __future__ import annotations

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.operations.errors import NotFound, Refused
from opsdesk.operations.message_copy import copy_properties, utc_now_text
from opsdesk.operations.plan import (
    Action,
    Destination,
    MoveSpec,
    Plan,
    PlannedMessage,
    RunOptions,
)
from opsdesk.operations.queue_facts import (
    QueueFacts,
    declare_queue,
    exchange_exists,
    queue_exists,
    refuse_streams,
)
from opsdesk.operations.queue_sweep import count_is_exact, planned_count, run_sweep, sweep_warnings
from opsdesk.operations.routing_keys import KeyKeeper, park_headers
from opsdesk.operations.selection import Selection
from opsdesk.operations.sweep import SweepReport
from opsdesk.operations.verdicts import Handler, Publish, SweptMessage

MOVED_FROM = "x-opsdesk-moved-from"
MOVED_AT = "x-opsdesk-moved-at"
MOVED_BY = "x-opsdesk-moved-by"
METHOD = "copy with publisher confirms (mandatory), then ack the original"
CREATED_QUEUE = "it will be created (durable, classic) when this runs"


def check_destination(
    connection: BlockingConnection,
    source: str,
    destination: Destination,
    missing_queue: str | None = None,
) -> bool:
    """Refuse a destination that cannot take the copies (they would all be unroutable).

    A missing destination queue is allowed when `missing_queue` says how it will be created
    (False is returned then); otherwise NotFound.
    """
    if destination.is_queue:
        if destination.routing_key == source:
            raise Refused(f"source and destination are the same queue {source!r}")
        if queue_exists(connection, destination.routing_key):
            return True
        if missing_queue is None:
            raise NotFound(f"destination queue {destination.routing_key!r} does not exist")
        return False
    if not exchange_exists(connection, destination.exchange):
        raise NotFound(f"destination exchange {destination.exchange!r} does not exist")
    return True


def plan_move(
    connection: BlockingConnection,
    facts: QueueFacts,
    destination: Destination,
    selection: Selection,
    *,
    action: Action = Action.MOVE,
    method: str = METHOD,
    create_queue: bool = False,
) -> Plan:
    """A move; with `create_queue`, a missing destination queue is declared when it runs."""
    refuse_streams(facts, "moved")
    how = CREATED_QUEUE if create_queue else None
    exists = check_destination(connection, facts.name, destination, how)
    warnings = sweep_warnings(facts, selection)
    if not exists:
        warnings = (f"queue {destination.routing_key!r} does not exist: {how}", *warnings)
    return Plan(
        action=action,
        source=facts.name,
        destinations=(destination,),
        count=planned_count(facts, selection),
        count_is_exact=count_is_exact(selection),
        method=method,
        spec=MoveSpec(facts.name, destination, selection, action, facts.ready, not exists),
        items=tuple(PlannedMessage(key, destination) for key in selection.keys),
        warnings=warnings,
    )


class MoveHandler(Handler):
    """Copy to the destination; a park also keeps the routing key and records the origin."""

    def __init__(self, spec: MoveSpec, operator: str, keeper: KeyKeeper | None = None) -> None:
        self._source = spec.source
        self._destination = spec.destination
        self._operator = operator
        self._keeper = keeper if spec.parks else None
        self._headers = {MOVED_FROM: spec.source, MOVED_BY: operator}

    def verdict(self, message: SweptMessage) -> Publish:
        now = utc_now_text()
        headers = {**self._headers, MOVED_AT: now}
        if self._keeper is None:
            props = copy_properties(message.properties, headers)
            return Publish(self._destination, props, message.body)
        headers.update(
            park_headers(
                message.properties.headers,
                self._source,
                message.exchange,
                message.routing_key,
                self._operator,
                now,
            )
        )
        key, bcc = self._keeper.wire(self._destination, message.routing_key)
        props = copy_properties(message.properties, {**headers, **bcc})
        return Publish(self._destination, props, message.body, key)


def run_move(
    connection: BlockingConnection,
    spec: MoveSpec,
    facts: QueueFacts,
    operator: str,
    options: RunOptions,
) -> SweepReport:
    """Move as `spec` says; `facts` are read just before, for the snapshot."""
    notes = []
    if spec.create_queue and not queue_exists(connection, spec.destination.routing_key):
        declare_queue(connection, spec.destination.routing_key)
        notes.append(f"created queue {spec.destination.routing_key!r} (durable, classic)")
    check_destination(connection, spec.source, spec.destination)
    keeper = KeyKeeper(lambda name: queue_exists(connection, name))
    handler = MoveHandler(spec, operator, keeper)
    report = run_sweep(connection, facts, spec.selection, spec.snapshot, handler, options)
    report.notes[:0] = notes
    return report
