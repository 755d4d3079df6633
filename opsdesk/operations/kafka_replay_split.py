"""A replay plan run where each message goes: RabbitMQ's by confirmed publishes, Kafka's by an
idempotent producer; one outcome per planned item, in plan order, whichever sent it.

A payment replay over a filter can hold both (RabbitMQ payments and Kafka payments of one
profile). The RabbitMQ part runs first with replay_sender.py as before (it also turns blocked
items into their refusals); then the Kafka part, unless the run was cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.config.kafka_settings import KafkaSettings, with_password
from opsdesk.operations.kafka_replay_sender import run_kafka_replay
from opsdesk.operations.plan import (
    MessageOutcome,
    OutcomeStatus,
    PlannedMessage,
    Progress,
    ReplaySpec,
    RunOptions,
)
from opsdesk.operations.replay_sender import run_replay


def run_any_replay(
    connection: BlockingConnection | None,
    profile_name: str,
    clusters: Sequence[KafkaSettings],
    spec: ReplaySpec,
    items: Sequence[PlannedMessage],
    options: RunOptions,
) -> tuple[list[MessageOutcome], bool]:
    """Send the spec's messages where each goes; (one outcome per item, in order; cancelled).
    `connection` may be None when no message goes to RabbitMQ (kafka_execution.py)."""
    to_kafka = [m for m in spec.messages if m.destination.is_kafka]
    rabbit = tuple(m for m in spec.messages if not m.destination.is_kafka)
    if rabbit and connection is None:
        raise ValueError("a replay to RabbitMQ needs a RabbitMQ connection")
    if not to_kafka and connection is not None:
        return run_replay(connection, spec, items, options)
    if connection is not None:
        outcomes, cancelled = run_replay(connection, replace(spec, messages=rabbit), items, options)
    else:
        outcomes, cancelled = [_unsent(i, spec) for i in items], False
    by_key: dict[str, MessageOutcome] = {}
    if not cancelled:
        named = {c.name: with_password(profile_name, c) for c in clusters}
        by_key, cancelled = run_kafka_replay(named, to_kafka, items, options)
    kafka_keys = {i.key for i in items if i.event_id in {m.event_id for m in to_kafka}}
    merged = [by_key.get(o.key, _skipped(o) if o.key in kafka_keys else o) for o in outcomes]
    if options.on_progress is not None:
        done = sum(1 for o in merged if o.status is OutcomeStatus.DONE)
        sent = sum(1 for o in merged if o.new_message_id is not None)
        options.on_progress(Progress(done, len(merged) - done, sent, len(items)))
    return merged, cancelled


def _skipped(outcome: MessageOutcome) -> MessageOutcome:
    why = "not sent: the replay was cancelled or stopped first"
    return replace(outcome, status=OutcomeStatus.SKIPPED, detail=why)


def _unsent(item: PlannedMessage, spec: ReplaySpec) -> MessageOutcome:
    """An item's outcome until a producer's report replaces it: refused, as
    replay_sender.py says of the items a guard or a refusal kept back."""
    why = item.refusal or "; ".join(g.detail for g in item.guards if not g.overridden)
    payment_id = item.key if item.key in {p.payment_id for p in spec.payments} else None
    return MessageOutcome(
        item.key, OutcomeStatus.REFUSED, None, item.destination, why, item.event_id,
        payment_id=payment_id,
    )  # fmt: skip
