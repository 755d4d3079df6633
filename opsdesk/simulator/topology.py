"""Exchanges and queues of the simulated payment system, all named from one prefix."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from opsdesk.broker.connection import connection_parameters
from opsdesk.config.endpoint import BrokerEndpoint

log = logging.getLogger(__name__)

# Caps the queues nobody consumes so a demo left running for days cannot fill the broker's disk.
STUCK_QUEUE_MAX_LENGTH = 100_000
UNROUTED_QUEUE_MAX_LENGTH = 10_000
PRECONDITION_FAILED = 406
# "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'x' in vhost '/': received
# 'topic' but current is 'direct'": the broker's own words for what differs.
_INEQUIVALENT = re.compile(
    r"inequivalent arg '(?P<arg>[^']+)' for \w+ '.*' in vhost '.*': "
    r"received (?P<received>.*) but current is (?P<current>.*)$"
)


class TopologyClash(Exception):
    """One of the simulator's exchanges or queues exists with other settings (406)."""

    def __init__(self, kind: str, name: str, reply_text: str) -> None:
        self.kind = kind
        self.name = name
        self.reply_text = reply_text
        super().__init__(_clash_sentence(kind, name, reply_text))


def _clash_sentence(kind: str, name: str, reply_text: str) -> str:
    reason = reply_text.removeprefix("PRECONDITION_FAILED - ")
    match = _INEQUIVALENT.search(reason)
    if match:
        what = (
            f"its {match['arg']} is {_value(match['current'])}, the simulator declares "
            f"{_value(match['received'])}"
        )
    else:
        what = reason
    return (
        f"The {kind} '{name}' already exists with other settings ({what}). Delete it, or run "
        "the simulator on another --exchange or --prefix."
    )


def _value(text: str) -> str:
    """ "the value 'x.dlx' of type 'longstr'" -> "'x.dlx'"."""
    return re.sub(r"^the value (.*) of type '\w+'$", r"\1", text)


@contextmanager
def _declaring(kind: str, name: str) -> Iterator[None]:
    try:
        yield
    except ChannelClosedByBroker as exc:
        if exc.reply_code == PRECONDITION_FAILED:
            raise TopologyClash(kind, name, exc.reply_text) from exc
        raise


@dataclass(frozen=True, slots=True)
class SimulatedTopology:
    """Names of everything the simulator declares."""

    exchange: str  # topic exchange the payment services publish to
    processing_queue: str  # payment.requested; consumed by the processor; dead-letters poison
    dead_letter_exchange: str  # fanout
    dead_letter_queue: str
    stuck_queue: str  # payment.succeeded; nobody consumes it, so it only grows
    # Alternate exchange + queue for events no queue is bound for (no tap open): they land here
    # instead of coming back as basic.return, which pika logs with a body prefix (card numbers).
    unrouted_exchange: str
    unrouted_queue: str

    @classmethod
    def named(cls, exchange: str, prefix: str | None = None) -> SimulatedTopology:
        """`payments.events` gives `payments.processing`, `payments.dlx`, ... unless `prefix`."""
        if prefix is None:
            prefix = exchange.removesuffix(".events") or exchange
        return cls(
            exchange=exchange,
            processing_queue=f"{prefix}.processing",
            dead_letter_exchange=f"{prefix}.dlx",
            dead_letter_queue=f"{prefix}.processing.dlq",
            stuck_queue=f"{prefix}.settlement",
            unrouted_exchange=f"{prefix}.unrouted",
            unrouted_queue=f"{prefix}.unrouted",
        )

    def queues(self) -> tuple[str, ...]:
        return (
            self.processing_queue,
            self.dead_letter_queue,
            self.stuck_queue,
            self.unrouted_queue,
        )

    def exchanges(self) -> tuple[str, ...]:
        return (self.exchange, self.dead_letter_exchange, self.unrouted_exchange)


def declare(channel: BlockingChannel, topology: SimulatedTopology) -> None:
    """Declare everything, durable; repeating it is harmless (same arguments every time).

    An exchange or queue of the same name declared elsewhere with other settings (type,
    alternate exchange, queue arguments) makes the broker refuse this (406 PRECONDITION_FAILED):
    raises TopologyClash, which names it and says what differs.
    """
    with _declaring("exchange", topology.unrouted_exchange):
        channel.exchange_declare(topology.unrouted_exchange, exchange_type="fanout", durable=True)
    with _declaring("queue", topology.unrouted_queue):
        channel.queue_declare(
            topology.unrouted_queue,
            durable=True,
            arguments={"x-max-length": UNROUTED_QUEUE_MAX_LENGTH},
        )
    channel.queue_bind(topology.unrouted_queue, topology.unrouted_exchange, routing_key="")
    with _declaring("exchange", topology.exchange):
        channel.exchange_declare(
            topology.exchange,
            exchange_type="topic",
            durable=True,
            arguments={"alternate-exchange": topology.unrouted_exchange},
        )
    # The DLX must exist before anything is rejected: a missing DLX silently drops dead letters.
    with _declaring("exchange", topology.dead_letter_exchange):
        channel.exchange_declare(
            topology.dead_letter_exchange, exchange_type="fanout", durable=True
        )
    with _declaring("queue", topology.dead_letter_queue):
        channel.queue_declare(topology.dead_letter_queue, durable=True)
    channel.queue_bind(topology.dead_letter_queue, topology.dead_letter_exchange, routing_key="")
    with _declaring("queue", topology.processing_queue):
        channel.queue_declare(
            topology.processing_queue,
            durable=True,
            arguments={"x-dead-letter-exchange": topology.dead_letter_exchange},
        )
    channel.queue_bind(topology.processing_queue, topology.exchange, "payment.requested")
    with _declaring("queue", topology.stuck_queue):
        channel.queue_declare(
            topology.stuck_queue,
            durable=True,
            arguments={"x-max-length": STUCK_QUEUE_MAX_LENGTH},
        )
    channel.queue_bind(topology.stuck_queue, topology.exchange, "payment.succeeded")


def delete(endpoint: BrokerEndpoint, topology: SimulatedTopology) -> None:
    """Delete every queue and exchange of `topology`; names that do not exist are skipped."""
    params = connection_parameters(endpoint)
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        for queue in topology.queues():
            try:
                channel.queue_delete(queue)
            except ChannelClosedByBroker as exc:  # older brokers: 404 for an absent queue
                log.debug("queue %s not deleted: %s", queue, exc)
                channel = connection.channel()
        for exchange in topology.exchanges():
            try:
                channel.exchange_delete(exchange)
            except ChannelClosedByBroker as exc:
                log.debug("exchange %s not deleted: %s", exchange, exc)
                channel = connection.channel()
    finally:
        if connection.is_open:
            connection.close()
    log.info(
        "deleted simulated topology on %s (exchange %s)", endpoint.redacted_url(), topology.exchange
    )


def message_count(channel: BlockingChannel, queue: str) -> int:
    """Ready messages in `queue` (passive declare; raises ChannelClosedByBroker if absent)."""
    return int(channel.queue_declare(queue, passive=True).method.message_count)
