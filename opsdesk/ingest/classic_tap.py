"""The classic tap: the desk's own bounded queue, bound to the payment exchanges; a Source.

The queue is a copy of the traffic, never a competing consumer on a production queue. Its
deliveries are collected into batches in pika's I/O callback (kept as cheap as possible);
each batch is acknowledged with one `basic_ack(multiple)` up to its last delivery tag,
through `add_callback_threadsafe`, the one pika call allowed from another thread. The queue
has no positions: what was not acknowledged is redelivered after a reconnection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.broker.connection import connected_node, connection_parameters
from opsdesk.broker.deliveries import Delivery, to_raw_message
from opsdesk.broker.failure_text import describe_broker_failure
from opsdesk.config import Binding, Profile
from opsdesk.events.model import RawMessage
from opsdesk.ingest.source import Position, SourceUnavailable
from opsdesk.ingest.tap_bindings import BIND_RETRY, bind_existing, missing_text

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DeliveryBatch:
    """Deliveries of one channel, stored in one transaction and acked together: a Batch."""

    generation: int  # which channel the delivery tags belong to
    deliveries: list[Delivery] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def position(self) -> Position | None:
        return None  # a classic queue has none

    def __len__(self) -> int:
        return len(self.deliveries)

    def raw_messages(self) -> Iterator[RawMessage]:
        return map(to_raw_message, self.deliveries)


class ClassicTapSource:
    """Source[DeliveryBatch] over the profile's tap queue and bindings."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._tap = profile.tap
        self._batch_size = profile.tap.batch_size  # read for every message
        # Built now so that a malformed URL is the caller's error, not a dying thread.
        self._parameters = connection_parameters(profile.endpoint)
        self._url = profile.endpoint.redacted_url()  # described after every deliver()
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._generation = 0
        self._consumer_tag: str | None = None
        self._filling = DeliveryBatch(0)  # the batch being filled in pika's callback
        self._full: list[DeliveryBatch] = []  # filled, not yet delivered
        self._missing: list[Binding] = []  # bindings whose exchange does not exist yet
        self._next_bind_retry = 0.0
        self._queue_note = ""  # shown to the operator when the tap queue is not as configured

    def describe(self) -> str:
        detail = connected_node(self._connection, self._profile.endpoint)  # which node
        if self._consumer_tag is None:
            return detail
        if self._queue_note:
            detail += f" ({self._queue_note})"
        return detail + missing_text(self._missing)

    def open(self) -> None:
        with self._broker_failures():
            connection = pika.BlockingConnection(self._parameters)
            self._connection = connection
            channel = connection.channel()
            self._channel = channel
            self._generation += 1
            self._missing = self._declare(connection, channel)
            self._next_bind_retry = time.monotonic() + BIND_RETRY
            channel.basic_qos(prefetch_count=self._tap.prefetch)
            self._filling, self._full = DeliveryBatch(self._generation), []
            self._consumer_tag = channel.basic_consume(
                self._tap.queue, self._on_message, auto_ack=False
            )

    def deliver(self, timeout: float) -> list[DeliveryBatch]:
        connection, channel = self._connection, self._channel
        assert connection is not None and channel is not None, "deliver() before open()"
        interval = self._tap.batch_interval
        with self._broker_failures():
            connection.process_data_events(time_limit=min(timeout, interval / 2))
            if self._consumer_tag is None:
                return []  # cancelled: only the acknowledgements' I/O from here
            now = time.monotonic()
            if self._filling.deliveries and now - self._filling.started >= interval:
                self._fill_next()
            if self._missing and now >= self._next_bind_retry:
                self._missing = bind_existing(connection, channel, self._tap.queue, self._missing)
                self._next_bind_retry = now + BIND_RETRY
        full, self._full = self._full, []
        return full

    def cancel(self) -> list[DeliveryBatch]:
        channel, tag = self._channel, self._consumer_tag
        if channel is not None and tag is not None:
            with self._broker_failures():
                # No more deliveries from here: pika rejects (requeues) what it holds
                # undispatched, so nothing can be added to the batches returned below.
                channel.basic_cancel(tag)
        self._consumer_tag = None
        self._fill_next()
        full, self._full = self._full, []
        return full

    def acknowledge(self, batch: DeliveryBatch) -> None:
        connection = self._connection
        if connection is None:
            return  # the channel is gone: the broker redelivers, the store dedupes
        last_tag = batch.deliveries[-1].delivery_tag

        def ack() -> None:
            # Tags are per channel: acking an old tag on a new channel would ack the wrong
            # (uncommitted) message, so only ack on the channel that delivered the batch.
            channel = self._channel
            if channel is not None and channel.is_open and self._generation == batch.generation:
                channel.basic_ack(last_tag, multiple=True)

        try:
            connection.add_callback_threadsafe(ack)
        except (pika.exceptions.AMQPError, OSError, RuntimeError) as exc:
            log.info("tap: ack skipped (%s); messages will be redelivered", exc)

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        self._consumer_tag = None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception as exc:  # closing a half-dead connection may fail; nothing to do
                log.debug("tap: closing connection failed: %s", exc)

    def position(self) -> Position | None:
        return None

    def _on_message(
        self,
        ch: BlockingChannel,
        method: pika.spec.Basic.Deliver,
        props: pika.BasicProperties,
        body: bytes,
    ) -> None:
        filling = self._filling
        filling.deliveries.append(
            Delivery(
                method.delivery_tag,
                method.exchange,
                method.routing_key,
                method.redelivered,
                props,
                body,
            )
        )
        if len(filling.deliveries) >= self._batch_size:
            self._fill_next()

    def _fill_next(self) -> None:
        """Set the filling batch aside for delivery and start a new one.

        A batch set aside is never appended to again: its ack covers exactly what the
        writer stores (finding 1 of issue 9 was a drain that kept filling it).
        """
        batch, self._filling = self._filling, DeliveryBatch(self._generation)
        if batch.deliveries:
            self._full.append(batch)

    def _declare(self, connection: BlockingConnection, channel: BlockingChannel) -> list[Binding]:
        """Declare the tap queue and bind what exists; return the bindings still missing."""
        probe = connection.channel()  # a refused declare closes its channel
        try:
            probe.queue_declare(
                self._tap.queue, durable=True, arguments=self._tap.queue_arguments()
            )
            probe.close()
            self._queue_note = ""
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code != 406:
                raise
            # The queue exists with other bounds (the profile changed). Deleting it would lose
            # what it holds, so consume it as it is and tell the operator.
            channel.queue_declare(self._tap.queue, passive=True)
            self._queue_note = f"tap queue kept its existing arguments ({exc.reply_text})"
            log.warning("tap: %s; delete the queue to apply the profile's settings", exc.reply_text)
        return bind_existing(connection, channel, self._tap.queue, list(self._profile.bindings))

    @contextmanager
    def _broker_failures(self) -> Iterator[None]:
        try:
            yield
        except (pika.exceptions.AMQPError, OSError) as exc:
            where = self._profile.endpoint.host_port()
            raise SourceUnavailable(describe_broker_failure(exc, where)) from exc
