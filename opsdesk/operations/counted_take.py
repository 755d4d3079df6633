"""Take messages from a quorum queue one basic.get at a time, checking each one's count.

How a browse reads a quorum queue (or one whose type the management API could not tell). A
consumer is handed up to its prefetch before it can look at any of them, and pika rejects
(requeue) what arrives for a consumer it is cancelling: basic.reject counts as a delivery even
on RabbitMQ 4.3. basic.get takes exactly the next message and nothing arrives unasked, so the
take ends at the message that decides it: the first whose return leaves it no return to spare
(broker/delivery_limit.py). Everything taken goes back with one basic.nack(multiple, requeue):
each was checked first, and before 4.3 no way of giving a message back counts less.

basic.get is slower than a consumer (a round trip per message, ~3k/s on the test broker): a
page is at most 1,000 rows. A quorum queue with single active consumer refuses basic.get;
SingleActiveConsumer says so and the caller falls back to consuming.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from opsdesk.broker.delivery_limit import DeliveryLimit
from opsdesk.operations.errors import NotFound, OperationError, SourceBusy
from opsdesk.operations.limit_stop import LimitStop, Returned
from opsdesk.operations.peek import Peeked
from opsdesk.operations.selection import message_key
from opsdesk.operations.verdicts import SweptMessage

log = logging.getLogger(__name__)

NOT_ALLOWED = 405  # RESOURCE_LOCKED: basic.get on a single-active-consumer quorum queue


class SingleActiveConsumer(OperationError):
    """The queue refuses basic.get (a quorum queue with single active consumer)."""


@dataclass(frozen=True, slots=True)
class CountedTake:
    peeked: Peeked
    returned: tuple[Returned, ...]  # every message taken and handed back, in queue order
    stop: LimitStop | None  # the message the take stopped at because of its count


def take_counted(
    connection: BlockingConnection,
    queue: str,
    first: int,
    count: int,
    expected: int,
    time_limit: float,
    limit: DeliveryLimit,
    fate: str,
    cancel: threading.Event | None = None,
) -> CountedTake:
    """Messages at positions [first, first + count) of `queue`, every one taken handed back."""
    wanted = min(first + count, expected)
    if wanted <= first:
        return CountedTake(Peeked((), first, 0, True), (), None)
    channel = connection.channel()
    kept: list[SweptMessage] = []
    returned: list[Returned] = []
    stop: LimitStop | None = None
    stopped_by: str | None = None
    deadline = time.monotonic() + time_limit
    try:
        while len(returned) < wanted:
            if cancel is not None and cancel.is_set():
                stopped_by = "cancelled"
                break
            if time.monotonic() > deadline:
                stopped_by = "time limit"
                break
            message = _get(channel, queue)
            if message is None:
                stopped_by = "queue ended"
                break
            check = limit.check(message.properties.headers)
            position = len(returned)
            returned.append(Returned(message.key, message.properties.message_id, check))
            if position >= first:
                kept.append(message)
            if limit.guards_returns and check.exhausts:
                stop = LimitStop(position, returned[-1], fate)
                stopped_by = "delivery limit"
                break
    finally:
        _hand_back(channel, queue, bool(returned))
    peeked = Peeked(tuple(kept), first, len(returned), stopped_by is None, stopped_by)
    return CountedTake(peeked, tuple(returned), stop)


def _get(channel: BlockingChannel, queue: str) -> SweptMessage | None:
    try:
        method, props, body = channel.basic_get(queue, auto_ack=False)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            raise NotFound(f"queue {queue!r} does not exist") from exc
        if exc.reply_code == 403:
            raise SourceBusy(
                f"queue {queue!r} is in exclusive use (an operation is running on it): "
                f"browse it when that has finished ({exc.reply_text})"
            ) from exc
        if exc.reply_code == NOT_ALLOWED:
            raise SingleActiveConsumer(exc.reply_text) from exc
        raise
    if method is None or props is None or body is None:
        return None
    key = message_key(props, body)
    return SweptMessage(
        key, method.exchange, method.routing_key, bool(method.redelivered), props, body
    )


def _hand_back(channel: BlockingChannel, queue: str, took: bool) -> None:
    try:
        if channel.is_open:
            if took:
                channel.basic_nack(0, multiple=True, requeue=True)
                # A round trip on the same channel: the queue has the messages back when it
                # answers, so a browse right after counts them.
                channel.queue_declare(queue, passive=True)
            channel.close()
    except pika.exceptions.AMQPError as exc:
        # The broker returns what a closed channel or connection held, by itself.
        log.info("handing back the messages taken from %r failed: %s", queue, exc)
