"""Binding a tap (its classic queue, or the team's stream) to the profile's exchanges."""

from __future__ import annotations

import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.config import Binding

BIND_RETRY = 5.0  # seconds between attempts to bind exchanges that did not exist yet


def bind_existing(
    connection: BlockingConnection, channel: BlockingChannel, queue: str, bindings: list[Binding]
) -> list[Binding]:
    """Bind `queue` to each binding's exchange that exists; return the bindings still missing.

    A missing exchange must not keep the desk from reading what its queue already holds:
    check each on a throwaway channel (a failed passive declare closes it).
    """
    missing = []
    for binding in bindings:
        probe = connection.channel()
        try:
            probe.exchange_declare(binding.exchange, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code != 404:
                raise
            missing.append(binding)
            continue
        probe.close()
        channel.queue_bind(queue, binding.exchange, routing_key=binding.routing_key)
    return missing


def missing_text(missing: list[Binding]) -> str:
    """What describe() adds while some exchanges are missing; "" when none is."""
    if not missing:
        return ""
    names = ", ".join(sorted({b.exchange for b in missing}))
    return f" (exchange not found, retrying: {names})"
