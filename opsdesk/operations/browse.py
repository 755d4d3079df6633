"""Look at a queue's messages without consuming them.

Browsing takes the messages with manual ack, from the head of the queue up to the end of the
page (no deeper than browse_depth.py's cap: a position past it or past the queue's end is
brought back to the last page that can be shown, and a note says so), stops at a time limit
that grows with how deep the page is (far inside the broker's consumer_timeout), then hands
every one back with basic.nack(requeue=True). Nothing is removed, but the broker marks each
taken message *redelivered*, and consumers will see that flag: a page at #2,700 marks the
2,700 messages before it too. Requeued messages return to their original position in a
classic queue; if other consumers are active (or on a quorum queue) the order may shift a
little, and browsing briefly keeps those messages from the other consumers, who also get a
share of the queue the browse then does not see.

A classic queue is read by consumers (peek.py: a chain of channels when the page is deeper than
one consumer's prefetch). A quorum queue, or one whose type cannot be read, is read one
basic.get at a time (counted_take.py): where returns count towards its delivery limit, the
browse stops at the first message whose return would leave it no return to spare, says so
(BrowseResult.limit_stop), and the desk remembers the message (limit_ledger.py). What a browse
cannot rule out before it takes anything (the type cannot be read; no dead-letter exchange, so
a message already at its limit would be dropped; messages this desk left at their limit) is a
`BrowseWarning`, unless the caller accepts that risk.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.deliveries import properties_dict
from opsdesk.broker.delivery_limit import delivery_count
from opsdesk.events.jsontext import table_json
from opsdesk.events.masking import mask_pans
from opsdesk.operations.browse_depth import MAX_BROWSE_DEPTH, Reach, depth_cap, reach
from opsdesk.operations.browse_risk import delivery_limit_risk
from opsdesk.operations.counted_take import CountedTake, SingleActiveConsumer, take_counted
from opsdesk.operations.death_headers import Death, deaths
from opsdesk.operations.errors import BrowseWarning
from opsdesk.operations.limit_ledger import Exhausted
from opsdesk.operations.limit_stop import LimitStop, Returned
from opsdesk.operations.peek import Peeked, peek_range
from opsdesk.operations.queue_facts import QueueFacts, refuse_streams
from opsdesk.operations.sweep import MAX_PREFETCH
from opsdesk.operations.verdicts import SweptMessage

log = logging.getLogger(__name__)

MAX_PAGE = 1000  # rows one browse returns; how deep the first may be: browse_depth.py
DEFAULT_TIME_LIMIT = 3.0  # seconds, for a page near the head
# A deep page gets this much more time per message before it (a slow remote broker still
# hands over 2,000 a second), up to MAX_TIME_LIMIT.
TIME_PER_MESSAGE_S = 1 / 2000
# basic.get on a quorum queue, one round trip each: ~700/s on the shared test broker.
TIME_PER_GET_S = 1 / 500
MAX_TIME_LIMIT = 60.0
BODY_PREVIEW_CHARS = 64 * 1024
WHAT_INSTEAD = (
    "Move and Dead-letter with a filter (message id, routing key, header, body text, age) "
    "examine the whole queue instead"
)

WHAT_BROWSING_DOES = (
    "Browsing takes the messages with manual acknowledgement and returns them unacknowledged "
    "(requeue): nothing is removed, but each browsed message is now marked redelivered."
)


@dataclass(frozen=True, slots=True)
class BrowsedMessage:
    position: int  # 0 = the head of the queue, as the broker delivered it to the browse
    key: str  # message_id, else a content fingerprint: select with this
    message_id: str | None
    exchange: str
    routing_key: str
    redelivered: bool  # as delivered to the browse: True if someone had it before
    properties: dict[str, Any]  # card numbers masked
    headers: dict[str, Any]  # card numbers masked; x-death is here too
    deaths: tuple[Death, ...]
    body_text: str  # masked; undecodable bytes escaped; cut at BODY_PREVIEW_CHARS
    body_truncated: bool
    size: int  # the body's size in bytes
    delivery_count: int = 0  # x-delivery-count as taken: its counted returns before this browse


@dataclass(frozen=True, slots=True)
class BrowseResult:
    queue: str
    messages: tuple[BrowsedMessage, ...]
    offset: int
    ready: int  # messages ready when the browse started
    consumers: int
    complete: bool  # False when the time limit (or a cancel) ended it before the page was full
    elapsed_s: float
    notes: tuple[str, ...]
    reached: int = 0  # messages taken from the head: the page's and every one before it
    # The message the browse stopped at because returning it used up its deliveries.
    limit_stop: LimitStop | None = None
    returned: tuple[Returned, ...] = ()  # quorum queues: every message taken, as handed back
    took_every_ready: bool = False  # basic.get found the queue empty: `returned` was all of it
    # The position asked for when it could not be shown as asked (browse_depth.py; notes say why).
    asked_offset: int | None = None
    cap: int = MAX_BROWSE_DEPTH  # how many messages a browse of this queue may take from the head
    one_at_a_time: bool = False  # a queue read one basic.get at a time (counted_take.py)


def time_limit_for(positions: int, per_message: float = TIME_PER_MESSAGE_S) -> float:
    """How long a browse that takes `positions` messages from the head may run."""
    return min(MAX_TIME_LIMIT, DEFAULT_TIME_LIMIT + positions * per_message)


@dataclass(frozen=True, slots=True)
class Preview:
    """A plan's look at the head of a queue: every message taken was handed back."""

    messages: tuple[SweptMessage, ...]
    returned: tuple[Returned, ...] = ()  # as handed back to a quorum queue with a limit
    note: str | None = None  # why it shows fewer than asked, for the plan's warnings


def preview(
    connection: BlockingConnection,
    facts: QueueFacts,
    count: int,
    exhausted: Sequence[Exhausted] = (),
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Preview:
    """Up to `count` messages from the head, read as browse() reads them, stopping as it does."""
    # Rather no preview than taking the messages this desk left at their limit.
    if exhausted and (risk := delivery_limit_risk(facts, exhausted)):
        return Preview((), note=f"no preview of the messages: {risk}")
    if _counted(facts):
        try:
            taken = take_counted(
                connection,
                facts.name,
                0,
                count,
                facts.ready,
                time_limit,
                facts.limit,
                facts.fate_of_dead_letter(),
            )
        except SingleActiveConsumer:
            pass
        else:
            stop = taken.stop
            note = f"the preview {stop.describe()}" if stop is not None else None
            return Preview(taken.peeked.messages, taken.returned, note)
    return Preview(peek_range(connection, facts.name, 0, count, facts.ready, time_limit).messages)


def _counted(facts: QueueFacts) -> bool:
    """Read with basic.get, checking every count (counted_take.py): a quorum queue that has a
    delivery limit, and one whose type is unknown. A quorum queue without a limit has nothing
    to protect, and a consumer reads it faster."""
    return facts.type is None or (facts.type == "quorum" and facts.limit.value is not None)


def browse(
    connection: BlockingConnection,
    facts: QueueFacts,
    *,
    offset: int = 0,
    limit: int = 50,
    time_limit: float | None = None,
    accept_delivery_limit_risk: bool = False,
    cancel: threading.Event | None = None,
    channel_prefetch: int = MAX_PREFETCH,
    exhausted: Sequence[Exhausted] = (),
) -> BrowseResult:
    """Messages at positions [offset, offset+limit) of `facts.name`, left in the queue.

    A position past the queue's end or the depth cap is brought back to the last page that
    can be shown, and a page that would run past the cap ends at it (browse_depth.py): the
    result's offset and notes say so. `time_limit` None: time_limit_for the messages it
    takes. `channel_prefetch` is how many messages one channel of the chain takes (tests make
    it small to exercise the chain).
    `exhausted`: messages of this queue the desk left at their delivery limit.
    """
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise ValueError(f"browse needs 0 <= offset and 0 < limit <= {MAX_PAGE}")
    refuse_streams(facts, "browsed (consume a stream with an offset instead)")
    asked = offset
    cap = depth_cap(_counted(facts))
    where = reach(facts.name, offset, limit, facts.ready, cap)
    offset, limit = where.offset, where.limit
    taken = min(offset + limit, facts.ready)
    risk = delivery_limit_risk(facts, exhausted, taken)
    if risk and not accept_delivery_limit_risk:
        raise BrowseWarning(risk)
    per_message = TIME_PER_GET_S if _counted(facts) else TIME_PER_MESSAGE_S
    seconds = time_limit_for(taken, per_message) if time_limit is None else time_limit
    started = time.monotonic()
    counted: CountedTake | None = None
    if _counted(facts):
        try:
            counted = take_counted(
                connection,
                facts.name,
                offset,
                limit,
                facts.ready,
                seconds,
                facts.limit,
                facts.fate_of_dead_letter(),
                cancel,
            )
        except SingleActiveConsumer as exc:
            log.info("%r refuses basic.get (%s): browsing with a consumer", facts.name, exc)
    if counted is not None:
        peeked = counted.peeked
    else:
        peeked = peek_range(
            connection,
            facts.name,
            offset,
            limit,
            facts.ready,
            seconds,
            cancel=cancel,
            channel_prefetch=channel_prefetch,
        )
    stop = counted.stop if counted else None
    rows = tuple(_row(offset + i, m) for i, m in enumerate(peeked.messages))
    return BrowseResult(
        queue=facts.name,
        messages=rows,
        offset=offset,
        ready=facts.ready,
        consumers=facts.consumers,
        complete=peeked.complete,
        elapsed_s=time.monotonic() - started,
        notes=_notes(facts, risk, peeked, seconds, stop, where),
        reached=peeked.reached,
        limit_stop=stop,
        returned=counted.returned if counted else (),
        took_every_ready=counted is not None and peeked.stopped_by == "queue ended",
        asked_offset=asked if asked != offset else None,
        cap=cap,
        one_at_a_time=_counted(facts),
    )


def _row(position: int, message: SweptMessage) -> BrowsedMessage:
    props = message.properties
    headers = json.loads(table_json(dict(props.headers or {})))
    text = message.body.decode("utf-8", errors="backslashreplace")
    return BrowsedMessage(
        position=position,
        key=message.key,
        message_id=props.message_id,
        exchange=message.exchange,
        routing_key=message.routing_key,
        redelivered=message.redelivered,
        properties=json.loads(table_json(properties_dict(props))),
        headers=headers,
        deaths=tuple(deaths(props.headers)),
        body_text=mask_pans(text[: BODY_PREVIEW_CHARS + 64])[:BODY_PREVIEW_CHARS],
        body_truncated=len(text) > BODY_PREVIEW_CHARS,
        size=len(message.body),
        delivery_count=delivery_count(props.headers),
    )


def _notes(
    facts: QueueFacts,
    risk: str | None,
    peeked: Peeked,
    time_limit: float,
    stop: LimitStop | None,
    where: Reach,
) -> tuple[str, ...]:
    notes = [WHAT_BROWSING_DOES]
    if stop is not None:
        notes.append(stop.describe())
    if where.note:
        notes.append(where.note)
    if facts.consumers:
        notes.append(
            f"the queue has {facts.consumers} consumer(s): the browse shares the queue with them, "
            "so it sees only the messages the broker gave it, and returned messages may be "
            "delivered to them out of their original order"
        )
    if facts.type == "quorum":
        notes.append(
            "quorum queue: returned messages may come back in a different order (RabbitMQ 3.x "
            "puts them behind the others), so the positions of the messages this browse took "
            "can change: a position is where the message was at this browse"
        )
    if facts.limit.guards_returns and peeked.reached:
        notes.append(
            f"{facts.name!r}: {facts.limit.describe()}: each of the {peeked.reached:,} "
            "message(s) this browse took went back with one return fewer to spare"
        )
    if risk:
        notes.append(risk)
    first = peeked.first
    if first >= facts.ready and not where.note:
        last = f" (#0 to #{facts.ready - 1:,})" if facts.ready else ""
        notes.append(f"nothing at #{first:,}: {facts.name!r} has {facts.ready:,} ready{last}")
    elif first and peeked.reached > first:
        notes.append(
            f"to show #{first:,} on, the browse took the {first:,} message(s) before them too, "
            "and handed every one back"
        )
    if not peeked.complete and stop is None:
        notes.append(_why_short(peeked, time_limit))
    return tuple(notes)


def _why_short(peeked: Peeked, time_limit: float) -> str:
    where = (
        f"before reaching #{peeked.first:,}"
        if peeked.reached <= peeked.first
        else "before the page was full"
    )
    took = f"after taking {peeked.reached:,} message(s) from the head, {where}"
    if peeked.stopped_by == "cancelled":
        return f"the browse was cancelled {took}"
    if peeked.stopped_by == "queue ended":
        return (
            f"the browse ended {took}: the broker had no more to give it (consumed meanwhile, "
            "or held unacknowledged by other consumers)"
        )
    return (
        f"the browse stopped at its {time_limit:g}s time limit {took}; browse again (a busy "
        f"broker is slower), or: {WHAT_INSTEAD}"
    )
