"""Purge a queue: every ready message deleted by the broker, counted and audited."""

from __future__ import annotations

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.operations.plan import Action, Plan, PurgeSpec
from opsdesk.operations.queue_facts import QueueFacts, refuse_streams

METHOD = "queue.purge: the broker deletes every ready message; unacked ones are not touched"


def plan_purge(facts: QueueFacts) -> Plan:
    refuse_streams(facts, "purged")
    return Plan(
        action=Action.PURGE,
        source=facts.name,
        destinations=(),
        count=facts.ready,
        count_is_exact=False,  # whatever is ready when the purge runs goes
        method=METHOD,
        spec=PurgeSpec(facts.name),
        warnings=("purged messages are deleted: nothing can bring them back",),
    )


def run_purge(connection: BlockingConnection, spec: PurgeSpec) -> int:
    """Purge the spec's queue; the number of messages the broker deleted."""
    channel = connection.channel()
    try:
        frame = channel.queue_purge(spec.queue)
    finally:
        if channel.is_open:
            channel.close()
    return int(frame.method.message_count)
