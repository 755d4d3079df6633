"""Take messages from the head of a queue, hand every one back: how browsing reads a queue.

To show the messages at positions [first, first + count) the peek takes every message before
them too, unacknowledged, and then returns them all with basic.nack(requeue). A consumer's
prefetch is a 16-bit number (65,535 at most), so a deep peek takes its messages on a chain of
channels: the next channel starts consuming only once the one before holds its full prefetch,
so the broker hands each channel the next stretch of the queue, in order. At the end every
consumer is cancelled first (a consumer with room would be handed returned messages again) and
the channels return their messages in chain order, which keeps the order even on a quorum
queue. Messages before `first` are counted and dropped at once: memory holds only the page.
Each channel then asks the queue for its count, so the hand-back is done when the peek returns
(a browse right after would otherwise see a ready count short of the returned messages).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import pika.exceptions
import pika.spec
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.operations.errors import NotFound, SourceBusy
from opsdesk.operations.sweep import MAX_PREFETCH
from opsdesk.operations.verdicts import SweptMessage

log = logging.getLogger(__name__)

IO_WAIT = 0.05  # longest wait for a delivery before the deadline and cancel are checked again
IDLE_END_S = 1.0  # nothing arrived this long: the queue has fewer messages than expected


@dataclass(frozen=True, slots=True)
class Peeked:
    messages: tuple[SweptMessage, ...]  # positions first, first + 1, ... in queue order
    first: int
    reached: int  # how many messages were taken from the head (the page's and those before)
    complete: bool  # False: the time limit, a cancel or an early end stopped it short
    stopped_by: str | None = None  # "time limit", "cancelled" or "queue ended" when incomplete


def peek_range(
    connection: BlockingConnection,
    queue: str,
    first: int,
    count: int,
    expected: int,
    time_limit: float,
    *,
    cancel: threading.Event | None = None,
    channel_prefetch: int = MAX_PREFETCH,
) -> Peeked:
    """Messages at positions [first, first + count) of `queue` (at most `expected` exist)."""
    wanted = min(first + count, expected)
    if wanted <= first:
        return Peeked((), first, 0, True)
    reader = _ChainReader(connection, queue, first, cancel or threading.Event())
    try:
        stopped_by = reader.take(wanted, time.monotonic() + time_limit, channel_prefetch)
    finally:
        reader.hand_back()
    return Peeked(tuple(reader.kept), first, reader.taken, stopped_by is None, stopped_by)


class _ChainReader:
    def __init__(
        self, connection: BlockingConnection, queue: str, first: int, cancel: threading.Event
    ) -> None:
        self._connection = connection
        self._queue = queue
        self._first = first
        self._cancel = cancel
        self._channels: list[BlockingChannel] = []
        self.kept: list[SweptMessage] = []
        self.taken = 0
        self._last_arrival = 0.0

    def take(self, wanted: int, deadline: float, channel_prefetch: int) -> str | None:
        """Take `wanted` messages; None when all came, else what stopped it."""
        self._last_arrival = time.monotonic()
        while self.taken < wanted:
            room = min(wanted - self.taken, max(1, min(channel_prefetch, MAX_PREFETCH)))
            self._consume(room)
            goal = self.taken + room
            while self.taken < goal:
                now = time.monotonic()
                if self._cancel.is_set():
                    return "cancelled"
                if now > deadline:
                    return "time limit"
                if now - self._last_arrival > IDLE_END_S:
                    return "queue ended"
                self._connection.process_data_events(time_limit=IO_WAIT)
        return None

    def _consume(self, room: int) -> None:
        channel = self._connection.channel()
        self._channels.append(channel)
        channel.basic_qos(prefetch_count=room)
        try:
            channel.basic_consume(self._queue, self._on_message)
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 403:
                raise SourceBusy(
                    f"queue {self._queue!r} is in exclusive use (an operation is running on "
                    f"it): browse it when that has finished ({exc.reply_text})"
                ) from exc
            if exc.reply_code == 404:
                raise NotFound(f"queue {self._queue!r} does not exist") from exc
            raise

    def _on_message(
        self,
        _channel: BlockingChannel,
        method: pika.spec.Basic.Deliver,
        props: pika.spec.BasicProperties,
        body: bytes,
    ) -> None:
        if self.taken >= self._first:
            self.kept.append(SweptMessage.of(method, props, body))
        self.taken += 1
        self._last_arrival = time.monotonic()

    def hand_back(self) -> None:
        """Cancel every consumer, then return each channel's messages, in chain order."""
        try:
            open_channels = [c for c in self._channels if c.is_open]
            for channel in open_channels:
                for tag in list(channel.consumer_tags):
                    channel.basic_cancel(tag)
            for channel in open_channels:
                if channel.is_open:
                    channel.basic_nack(0, multiple=True, requeue=True)
                    # A round trip to the queue from the same channel: the queue has taken
                    # the nack back before it answers, so the next browse counts them.
                    channel.queue_declare(self._queue, passive=True)
                    channel.close()
        except pika.exceptions.AMQPError as exc:
            # The broker returns what a closed channel or connection held, by itself.
            log.info("handing back peeked messages of %r failed: %s", self._queue, exc)
