"""Reading what a payment replay plan needs: the payments, their history, the destinations.

The reads are bounded and batched: which payments (ids given, or those a filter matches, at
most `limit`), their steps and audited replays in a few statements, the full event of each
message that would be sent, then one look at the broker per destination. The plan itself is
built by payment_replay.py from these facts, without touching anything.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.config.kafka_settings import with_password
from opsdesk.operations.context import OperationContext
from opsdesk.operations.errors import OperationError
from opsdesk.operations.kafka_replay_route import replay_target
from opsdesk.operations.kafka_replay_topics import check_topics
from opsdesk.operations.payment_history import (
    audited_replays,
    events_by_row_id,
    payment_steps,
    payments_matching,
)
from opsdesk.operations.payment_replay import (
    payment_facts,
    plan_payment_replay,
    send_step,
)
from opsdesk.operations.plan import Destination, Plan
from opsdesk.operations.replay_routes import check_routes
from opsdesk.store.event_filter import EventFilter

MAX_PAYMENTS = 10_000  # payments one replay may take from a filter


@dataclass(frozen=True, slots=True)
class PaymentChoice:
    """Which payments to replay: by id, or those with an event the filter matches."""

    payment_ids: tuple[str, ...] = ()
    event_filter: EventFilter | None = None
    limit: int = MAX_PAYMENTS


def chosen_payments(ctx: OperationContext, choice: PaymentChoice) -> tuple[list[str], list[str]]:
    """(payment ids in plan order, notes for the plan); OperationError when none or too many."""
    if choice.payment_ids:
        return list(dict.fromkeys(choice.payment_ids)), []
    if choice.event_filter is None or choice.event_filter.is_empty:
        raise OperationError("name payments by id or narrow them with history filters")
    ids, nameless = payments_matching(ctx.db_path, choice.event_filter, choice.limit + 1)
    if len(ids) > choice.limit:
        raise OperationError(
            f"more than {choice.limit} payments match; narrow the filter (nothing was sent)"
        )
    if not ids:
        raise OperationError("no payment in the history matches the filter; nothing to replay")
    notes = []
    if nameless:
        notes.append(
            f"{nameless} matching event(s) name no payment and are left out "
            "(replay one exact message with --event-id)"
        )
    return ids, notes


def read_payment_plan(
    ctx: OperationContext,
    connect: Callable[[], AbstractContextManager[BlockingConnection]],
    choice: PaymentChoice,
    *,
    reason: str,
    destination: Destination | None,
    overrides: Collection[str],
    now: datetime,
) -> Plan:
    """Read the history and the broker, and plan the payments' replay. RabbitMQ (`connect`)
    is asked only when a request would go there: a replay to Kafka alone needs none."""
    settings = ctx.profile.replay
    ids, notes = chosen_payments(ctx, choice)
    steps = payment_steps(ctx.db_path, ids)
    originals = (s.event_id for found in steps.values() for s in found if s.replay_of is None)
    audited = audited_replays(ctx.db_path, originals)
    facts = {
        pid: payment_facts(pid, found, audited, settings.request_types)
        for pid, found in steps.items()
    }
    sends = [step for f in facts.values() if (step := send_step(f, overrides)) is not None]
    full = events_by_row_id(ctx.db_path, [s.row_id for s in sends])
    events = {event.event_id: event for event in full.values()}
    clusters = [with_password(ctx.profile.name, c) for c in ctx.profile.kafka]
    chosen = [replay_target(step, settings, clusters, destination) for step in sends]
    targets = [target for target, refusal in chosen if refusal is None]
    rabbitmq = [t for t in targets if not t.is_kafka]
    routes = {}
    if rabbitmq:
        with connect() as connection:
            routes = check_routes(connection, ctx.management(), rabbitmq)
    routes.update(check_topics(clusters, targets))
    return plan_payment_replay(
        ids,
        facts,
        events,
        routes,
        operator=ctx.operator,
        reason=reason,
        settings=settings,
        destination=destination,
        overrides=overrides,
        now=now,
        notes=notes,
        kafka=clusters,
    )
