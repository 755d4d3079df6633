"""Dead-letter messages: the broker's own reject into the queue's dead-letter exchange, else park.

basic.reject(requeue=False) on a queue with a dead-letter exchange moves the message atomically
(no duplicate, nothing in between) and adds `x-death`. But if that exchange does not exist, or
routes the message nowhere, the broker drops it without a word. So the exchange is checked
first (passive declare) and, when the management API shows its bindings, every message's
dead-letter routing key is checked against them; a message that would be dropped is left in
place. A queue without a dead-letter exchange (or whose wiring cannot be seen) is handled by a
move into a parking queue instead, with the move's guarantees; each parked message keeps its
routing key and records where it came from, so sending it home restores both (move.py). A
parking queue that does not exist yet is created when the plan was made to create it.
"""

from __future__ import annotations

from dataclasses import replace

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.management_api import ManagementClient
from opsdesk.operations.errors import NotFound, Refused
from opsdesk.operations.move import plan_move
from opsdesk.operations.plan import Action, DeadLetterSpec, Destination, Plan, RunOptions
from opsdesk.operations.queue_facts import (
    QueueFacts,
    RouteCheck,
    exchange_exists,
    refuse_streams,
    route_check,
)
from opsdesk.operations.queue_sweep import count_is_exact, planned_count, run_sweep, sweep_warnings
from opsdesk.operations.selection import Selection
from opsdesk.operations.sweep import SweepReport
from opsdesk.operations.verdicts import Handler, Leave, Reject, SweptMessage

PARK_METHOD = (
    "move into the parking queue (copy with confirms, then ack the original), keeping each "
    "message's routing key and recording the queue it was parked from"
)


def plan_dead_letter(
    connection: BlockingConnection,
    client: ManagementClient | None,
    facts: QueueFacts,
    selection: Selection,
    parking_queue: str | None = None,
    create_parking_queue: bool = False,
) -> Plan:
    """Reject into the DLX when it is safe, else a move into `parking_queue`, else Refused.

    A missing parking queue is NotFound unless `create_parking_queue`: then the plan says it
    will be created, and running it creates it first.
    """
    refuse_streams(facts, "dead-lettered")
    problem = _reject_problem(connection, client, facts)
    if problem is None:
        assert facts.dead_letter_exchange is not None
        dlx, key = facts.dead_letter_exchange, facts.dead_letter_routing_key
        shown_key = key if key is not None else "(each message's routing key)"
        return Plan(
            action=Action.DEAD_LETTER,
            source=facts.name,
            destinations=(Destination(dlx, shown_key),),
            count=planned_count(facts, selection),
            count_is_exact=count_is_exact(selection),
            method=f"reject (requeue=False) into dead-letter exchange {dlx!r}: atomic",
            spec=DeadLetterSpec(facts.name, selection, dlx, key, facts.ready),
            warnings=sweep_warnings(facts, selection),
        )
    if parking_queue:
        try:
            plan = plan_move(
                connection,
                facts,
                Destination.queue(parking_queue),
                selection,
                action=Action.DEAD_LETTER,
                method=PARK_METHOD,
                create_queue=create_parking_queue,
            )
        except NotFound as exc:
            raise NotFound(
                f"parking queue {parking_queue!r} does not exist: choose to create it "
                "(--create-parking-queue, or 'Create it if it does not exist' in the window)"
            ) from exc
        note = f"not using the broker's dead-lettering: {problem}"
        return replace(plan, warnings=(*plan.warnings, note))
    raise Refused(
        f"cannot dead-letter from {facts.name!r}: {problem}; name a parking queue instead"
    )


def _reject_problem(
    connection: BlockingConnection, client: ManagementClient | None, facts: QueueFacts
) -> str | None:
    """Why rejecting into the queue's dead-letter exchange is not safe, or None when it is."""
    if facts.type is None:
        return (
            "the management API is unavailable, so the queue's dead-letter exchange cannot be "
            f"verified ({facts.management_error})"
        )
    dlx = facts.dead_letter_exchange
    if dlx is None:
        return f"queue {facts.name!r} has no dead-letter exchange"
    if not exchange_exists(connection, dlx):
        return (
            f"its dead-letter exchange {dlx!r} does not exist, so the broker would drop "
            "rejected messages"
        )
    key = facts.dead_letter_routing_key
    if key is not None and route_check(connection, client, dlx).routes(key) is False:
        return f"dead-letter exchange {dlx!r} routes routing key {key!r} nowhere"
    return None


class RejectHandler(Handler):
    def __init__(self, check: RouteCheck, routing_key: str | None) -> None:
        self._check = check
        self._routing_key = routing_key

    def verdict(self, message: SweptMessage) -> Reject | Leave:
        key = self._routing_key if self._routing_key is not None else message.routing_key
        if self._check.routes(key) is False:
            return Leave(
                f"dead-letter exchange {self._check.exchange!r} has no binding for routing key "
                f"{key!r}: rejecting would drop the message, so it was left in place"
            )
        return Reject(Destination(self._check.exchange, key))


def run_dead_letter(
    connection: BlockingConnection,
    client: ManagementClient | None,
    spec: DeadLetterSpec,
    facts: QueueFacts,
    options: RunOptions,
) -> SweepReport:
    """Reject into the dead-letter exchange as `spec` says (a park runs as a move)."""
    # Checked again: the wiring may have changed since the plan was shown.
    if facts.dead_letter_exchange != spec.dead_letter_exchange:
        raise Refused(
            f"the dead-letter exchange of {spec.queue!r} changed since the plan "
            f"(now {facts.dead_letter_exchange!r}): plan again"
        )
    if (problem := _reject_problem(connection, client, facts)) is not None:
        raise Refused(f"cannot dead-letter from {spec.queue!r} any more: {problem}")
    check = route_check(connection, client, spec.dead_letter_exchange)
    handler = RejectHandler(check, spec.dead_letter_routing_key)
    return run_sweep(connection, facts, spec.selection, spec.snapshot, handler, options)
