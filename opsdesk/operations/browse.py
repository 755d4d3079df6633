"""Look at a queue's messages without consuming them.

Browsing takes the messages with manual ack, from the head of the queue up to the end of the
page (peek.py: a chain of channels when that is more than one consumer's prefetch), stops at a
time limit that grows with how deep the page is (far inside the broker's consumer_timeout),
then hands every one back with basic.nack(requeue=True). Nothing is removed, but the broker
marks each taken message *redelivered*, and consumers will see that flag: a page at #2,700
marks the 2,700 messages before it too. Requeued messages return to their original position in
a classic queue; if other consumers are active (or on a quorum queue) the order may shift a
little, and browsing briefly keeps those messages from the other consumers, who also get a
share of the queue the browse then does not see. On a quorum queue with a delivery limit,
every browse counts as a delivery attempt for every message it takes (before RabbitMQ 4.3) and
can dead-letter or drop a message that reaches the limit: `BrowseWarning` unless the caller
accepts that risk.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.deliveries import properties_dict
from opsdesk.events.jsontext import table_json
from opsdesk.events.masking import mask_pans
from opsdesk.operations.death_headers import Death, deaths
from opsdesk.operations.errors import BrowseWarning
from opsdesk.operations.peek import Peeked, peek_range
from opsdesk.operations.queue_facts import QueueFacts, refuse_streams
from opsdesk.operations.sweep import MAX_PREFETCH
from opsdesk.operations.verdicts import SweptMessage

MAX_PAGE = 1000  # rows one browse returns; the position of the first row is not limited
DEFAULT_TIME_LIMIT = 3.0  # seconds, for a page near the head
# A deep page gets this much more time per message before it (a slow remote broker still
# hands over 2,000 a second), up to MAX_TIME_LIMIT.
TIME_PER_MESSAGE_S = 1 / 2000
MAX_TIME_LIMIT = 60.0
BODY_PREVIEW_CHARS = 64 * 1024
DEFAULT_QUORUM_DELIVERY_LIMIT = 20  # RabbitMQ 4.0+ when none is set
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


def time_limit_for(positions: int) -> float:
    """How long a browse that takes `positions` messages from the head may run."""
    return min(MAX_TIME_LIMIT, DEFAULT_TIME_LIMIT + positions * TIME_PER_MESSAGE_S)


def delivery_limit_risk(
    facts: QueueFacts, version: tuple[int, int], taken: int | None = None
) -> str | None:
    """Why browsing `facts.name` could dead-letter or drop messages, or None."""
    how_many = (
        f"; this browse takes {taken:,} message(s), every one before the page included"
        if taken
        else ""
    )
    if facts.type is None:
        # Cannot tell (no management API): warn rather than risk a message on a quorum queue.
        return (
            f"the type of {facts.name!r} cannot be checked ({facts.management_error}): if it is "
            "a quorum queue with a delivery limit, each browse counts as a delivery, and a "
            f"message that reaches the limit is dead-lettered or dropped{how_many}"
        )
    if facts.type != "quorum" or version >= (4, 3):
        return None
    limit = facts.delivery_limit
    if limit is None and version >= (4, 0):
        limit = DEFAULT_QUORUM_DELIVERY_LIMIT
    if limit is None:
        return None
    return (
        f"{facts.name!r} is a quorum queue with a delivery limit of {limit}: each browse counts "
        f"as a delivery, and a message that reaches the limit is dead-lettered or dropped"
        f"{how_many}"
    )


def peek(
    connection: BlockingConnection,
    queue: str,
    count: int,
    expected: int,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> tuple[list[SweptMessage], bool]:
    """Up to `count` messages from the head, all returned to the queue; (messages, complete)."""
    peeked = peek_range(connection, queue, 0, count, expected, time_limit)
    return list(peeked.messages), peeked.complete


def browse(
    connection: BlockingConnection,
    facts: QueueFacts,
    version: tuple[int, int],
    *,
    offset: int = 0,
    limit: int = 50,
    time_limit: float | None = None,
    accept_delivery_limit_risk: bool = False,
    cancel: threading.Event | None = None,
    channel_prefetch: int = MAX_PREFETCH,
) -> BrowseResult:
    """Messages at positions [offset, offset+limit) of `facts.name`, left in the queue.

    `time_limit` None: time_limit_for the messages it takes. `channel_prefetch` is how many
    messages one channel of the chain takes (tests make it small to exercise the chain).
    """
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise ValueError(f"browse needs 0 <= offset and 0 < limit <= {MAX_PAGE}")
    refuse_streams(facts, "browsed (consume a stream with an offset instead)")
    taken = min(offset + limit, facts.ready)
    risk = delivery_limit_risk(facts, version, taken)
    if risk and not accept_delivery_limit_risk:
        raise BrowseWarning(risk)
    seconds = time_limit_for(taken) if time_limit is None else time_limit
    started = time.monotonic()
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
    rows = tuple(_row(offset + i, m) for i, m in enumerate(peeked.messages))
    return BrowseResult(
        queue=facts.name,
        messages=rows,
        offset=offset,
        ready=facts.ready,
        consumers=facts.consumers,
        complete=peeked.complete,
        elapsed_s=time.monotonic() - started,
        notes=_notes(facts, risk, peeked, seconds),
        reached=peeked.reached,
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
    )


def _notes(
    facts: QueueFacts, risk: str | None, peeked: Peeked, time_limit: float
) -> tuple[str, ...]:
    notes = [WHAT_BROWSING_DOES]
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
    if risk:
        notes.append(risk)
    first = peeked.first
    if first >= facts.ready:
        last = f" (#0 to #{facts.ready - 1:,})" if facts.ready else ""
        notes.append(f"nothing at #{first:,}: {facts.name!r} has {facts.ready:,} ready{last}")
    elif first and peeked.reached > first:
        notes.append(
            f"to show #{first:,} on, the browse took the {first:,} message(s) before them too, "
            "and handed every one back"
        )
    if not peeked.complete:
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
