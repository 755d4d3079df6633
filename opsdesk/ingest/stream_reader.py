"""One consumer of a stream on a channel of its own: deliveries into batches that know their end.

Each delivery of a stream carries its offset in the `x-stream-offset` header; a batch ends at
its last delivery's offset, which becomes the batch's Position. Two readers share a source's
connection (stream_tap.py): `live`, which follows the stream, and `backfill`, which reads from
an earlier start and ends where `live` started (`finish_before`): the offset from which the
live reader has it all.

The consumer is registered on pika's asynchronous channel underneath the BlockingChannel
(broker/pika_compat.async_channel): a BlockingChannel consumer rejects with requeue what it
holds when cancelled, and a stream answers basic.reject by closing the whole connection (540
NOT_IMPLEMENTED). Here nothing is ever rejected: what arrives after the reader stops taking
deliveries is dropped, and the history's position says where to read it again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.broker.deliveries import Delivery, to_raw_message
from opsdesk.broker.pika_compat import async_channel, end_wait
from opsdesk.events.model import RawMessage
from opsdesk.store.source_positions import Position

OFFSET_HEADER = "x-stream-offset"
ATTACH_TIMEOUT = 30.0  # seconds for the broker to confirm a consumer
OffsetArgument = int | str | datetime  # what x-stream-offset accepts: offset, "first", a time


@dataclass(slots=True)
class StreamBatch:
    """Deliveries of one reader's channel, stored in one transaction: a Batch with a position.

    A backfill's last batch may hold no delivery: it only ends the backfill in the history.
    """

    generation: int  # which channel the delivery tags belong to
    reader: str
    deliveries: list[Delivery] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    first: int = -1  # the offset of its first delivery
    end: Position | None = None  # set when the batch is set aside for delivery

    @property
    def position(self) -> Position | None:
        return self.end

    def __len__(self) -> int:
        return len(self.deliveries)

    def raw_messages(self) -> Iterator[RawMessage]:
        return map(to_raw_message, self.deliveries)


class StreamReader:
    """Batches from one consumer; used on the consumer thread only (pika's callbacks too)."""

    def __init__(
        self, log: str, reader: str, batch_size: int, backfill_from: str | None = None
    ) -> None:
        self.log = log
        self.reader = reader
        self.backfill_from = backfill_from  # set for a backfill: the request it serves
        self._batch_size = batch_size
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self.generation = 0
        self._filling = StreamBatch(0, reader)
        self._last_offset = -1  # of the last delivery put in a batch
        self._full: list[StreamBatch] = []
        self._skip_below = 0  # deliveries of the requested offset's chunk before it
        self.first_offset: int | None = None  # the first offset taken since consume()
        self.taking = False  # deliveries go into batches; False once stopped or done
        self.done = False  # a backfill that reached `finish_before`
        self.finish_before: int | None = None  # backfill: where the live reader started
        self.not_a_stream = False  # a delivery came without an offset

    def consume(
        self,
        connection: BlockingConnection,
        queue: str,
        start: OffsetArgument,
        prefetch: int,
        generation: int,
    ) -> None:
        """Start consuming `queue` from `start` on a new channel of `connection`."""
        channel = connection.channel()
        channel.basic_qos(prefetch_count=prefetch)  # a stream refuses a consumer without one
        self._connection, self._channel, self.generation = connection, channel, generation
        self._filling, self._full = StreamBatch(generation, self.reader), []
        self._skip_below = start if isinstance(start, int) else 0
        self._last_offset = self._skip_below - 1
        self.first_offset = None
        self.taking = True
        self.done, self.finish_before = False, None  # the source sets where it ends again
        attached = threading.Event()
        async_channel(channel).basic_consume(
            queue,
            self._on_message,
            auto_ack=False,
            arguments={OFFSET_HEADER: start},
            callback=lambda _frame: attached.set(),
        )
        # Attached before open() returns: "next" then means after the desk says it is connected.
        deadline = time.monotonic() + ATTACH_TIMEOUT
        while not attached.is_set():
            if time.monotonic() > deadline:
                raise pika.exceptions.AMQPChannelError(f"no reply to consuming {queue}")
            connection.process_data_events(time_limit=0.05)

    def take_full(self, interval: float) -> list[StreamBatch]:
        """The batches filled so far, the filling one too once it is `interval` s old."""
        filling = self._filling
        if filling.deliveries and time.monotonic() - filling.started >= interval:
            self._set_aside()
        full, self._full = self._full, []
        return full

    def stop_taking(self) -> list[StreamBatch]:
        """Take no more deliveries; return the batches not yet delivered, the partial one too."""
        self.taking = False
        self._set_aside()
        full, self._full = self._full, []
        return full

    def finish_at(self, live_start: int) -> None:
        """A backfill ends before `live_start`: from there the live reader has it all."""
        self.finish_before = live_start
        if self.taking and self._last_offset >= live_start - 1:
            self._finish()

    def acknowledge(self, batch: StreamBatch) -> None:
        """Ack the batch on its own channel (for the stream's flow); from any thread."""
        connection = self._connection
        if connection is None or not batch.deliveries:
            return
        last_tag = batch.deliveries[-1].delivery_tag

        def ack() -> None:
            # Tags are per channel: only ack on the channel that delivered the batch.
            channel = self._channel
            if channel is not None and channel.is_open and self.generation == batch.generation:
                channel.basic_ack(last_tag, multiple=True)

        connection.add_callback_threadsafe(ack)

    def close_channel(self) -> None:
        channel, self._channel = self._channel, None
        self.taking = False
        if channel is not None and channel.is_open:
            channel.close()

    def forget_connection(self) -> None:
        self._connection = self._channel = None
        self.taking = False

    def _on_message(
        self,
        ch: pika.channel.Channel,
        method: pika.spec.Basic.Deliver,
        props: pika.BasicProperties,
        body: bytes,
    ) -> None:
        if not self.taking:
            return  # stopped: dropped, never stored; the position resumes before it
        offset = (props.headers or {}).get(OFFSET_HEADER)
        if not isinstance(offset, int):
            self.not_a_stream = True
            return
        if offset < self._skip_below:
            return  # the chunk holding the requested offset starts before it
        if self.finish_before is not None and offset >= self.finish_before:
            self._finish()
            return
        if self.first_offset is None:
            self.first_offset = offset
        filling = self._filling
        if not filling.deliveries:
            filling.first = offset
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
        self._last_offset = offset
        if self.finish_before is not None and offset >= self.finish_before - 1:
            self._finish()  # reached: the live reader has the rest
        elif len(filling.deliveries) >= self._batch_size:
            self._set_aside()
            if self._connection is not None and self._channel is not None:
                end_wait(self._connection, self._channel)  # hand it over now

    def _finish(self) -> None:
        """The backfill has read up to where the live reader started: its last batch says so."""
        assert self.finish_before is not None
        self.taking = False
        self.done = True
        self._set_aside(done=True)

    def _set_aside(self, done: bool = False) -> None:
        """Set the filling batch aside with its end; a batch set aside is never added to."""
        batch, self._filling = self._filling, StreamBatch(self.generation, self.reader)
        if not batch.deliveries and not done:
            return
        offset = self._last_offset
        if done:
            assert self.finish_before is not None
            offset = self.finish_before - 1
        batch.end = Position(self.log, offset, self.backfill_from, done)
        self._full.append(batch)
