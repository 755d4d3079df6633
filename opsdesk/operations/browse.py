"""Look at a queue's messages without consuming them.

Browsing consumes with manual ack and a prefetch of the page, collects at most `offset + limit`
messages or stops at a short time limit (seconds, far inside the broker's consumer_timeout),
then hands every one back with basic.nack(multiple, requeue=True). Nothing is removed, but the
broker marks each browsed message *redelivered*, and consumers will see that flag. Requeued
messages return to their original position in a classic queue; if other consumers are active
(or on a quorum queue) the order may shift a little, and browsing briefly keeps those messages
from the other consumers, who also get a share of the queue the browse then does not see. On a
quorum queue with a delivery limit, every browse counts as a delivery attempt (before RabbitMQ
4.3) and can dead-letter or drop a message that reaches the limit: `BrowseWarning` unless the
caller accepts that risk.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pika.exceptions
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.deliveries import properties_dict
from opsdesk.events.jsontext import table_json
from opsdesk.events.masking import mask_pans
from opsdesk.operations.death_headers import Death, deaths
from opsdesk.operations.errors import BrowseWarning, NotFound, SourceBusy
from opsdesk.operations.queue_facts import QueueFacts, refuse_streams
from opsdesk.operations.sweep import MAX_PREFETCH
from opsdesk.operations.verdicts import SweptMessage

MAX_BROWSE = 2000  # offset + limit: a browse holds this many messages at most
DEFAULT_TIME_LIMIT = 3.0  # seconds
BODY_PREVIEW_CHARS = 64 * 1024
DEFAULT_QUORUM_DELIVERY_LIMIT = 20  # RabbitMQ 4.0+ when none is set

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
    complete: bool  # False when the time limit ended the browse before the page was full
    elapsed_s: float
    notes: tuple[str, ...]


def delivery_limit_risk(facts: QueueFacts, version: tuple[int, int]) -> str | None:
    """Why browsing `facts.name` could dead-letter or drop messages, or None."""
    if facts.type is None:
        # Cannot tell (no management API): warn rather than risk a message on a quorum queue.
        return (
            f"the type of {facts.name!r} cannot be checked ({facts.management_error}): if it is "
            "a quorum queue with a delivery limit, each browse counts as a delivery, and a "
            "message that reaches the limit is dead-lettered or dropped"
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
        "as a delivery, and a message that reaches the limit is dead-lettered or dropped"
    )


def peek(
    connection: BlockingConnection,
    queue: str,
    count: int,
    expected: int,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> tuple[list[SweptMessage], bool]:
    """Up to `count` messages from the head, all returned to the queue; (messages, complete)."""
    wanted = min(count, expected)
    if wanted <= 0:
        return [], True
    got: list[SweptMessage] = []
    channel = connection.channel()
    deadline = time.monotonic() + time_limit
    try:
        channel.basic_qos(prefetch_count=min(count, MAX_PREFETCH))
        for method, props, body in channel.consume(queue, inactivity_timeout=0.05):
            if method is not None and props is not None and body is not None:
                got.append(SweptMessage.of(method, props, body))
            if len(got) >= wanted or time.monotonic() > deadline:
                break
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 403:
            raise SourceBusy(
                f"queue {queue!r} is in exclusive use (an operation is running on it): "
                f"browse it when that has finished ({exc.reply_text})"
            ) from exc
        if exc.reply_code == 404:
            raise NotFound(f"queue {queue!r} does not exist") from exc
        raise
    finally:
        if channel.is_open:
            channel.cancel()
            channel.basic_nack(0, multiple=True, requeue=True)
            channel.close()
    return got, len(got) >= wanted


def browse(
    connection: BlockingConnection,
    facts: QueueFacts,
    version: tuple[int, int],
    *,
    offset: int = 0,
    limit: int = 50,
    time_limit: float = DEFAULT_TIME_LIMIT,
    accept_delivery_limit_risk: bool = False,
) -> BrowseResult:
    """Messages at positions [offset, offset+limit) of `facts.name`, left in the queue."""
    if offset < 0 or limit <= 0 or offset + limit > MAX_BROWSE:
        raise ValueError(f"browse needs 0 <= offset and 0 < limit, offset + limit <= {MAX_BROWSE}")
    refuse_streams(facts, "browsed (consume a stream with an offset instead)")
    risk = delivery_limit_risk(facts, version)
    if risk and not accept_delivery_limit_risk:
        raise BrowseWarning(risk)
    started = time.monotonic()
    raw, complete = peek(connection, facts.name, offset + limit, facts.ready, time_limit)
    rows = tuple(_row(i, m) for i, m in enumerate(raw) if i >= offset)
    return BrowseResult(
        queue=facts.name,
        messages=rows,
        offset=offset,
        ready=facts.ready,
        consumers=facts.consumers,
        complete=complete,
        elapsed_s=time.monotonic() - started,
        notes=_notes(facts, risk, complete, time_limit),
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
    facts: QueueFacts, risk: str | None, complete: bool, time_limit: float
) -> tuple[str, ...]:
    notes = [WHAT_BROWSING_DOES]
    if facts.consumers:
        notes.append(
            f"the queue has {facts.consumers} consumer(s): the browse shares the queue with them, "
            "so it sees only the messages the broker gave it, and returned messages may be "
            "delivered to them out of their original order"
        )
    if facts.type == "quorum":
        notes.append("quorum queue: returned messages may come back in a different order")
    if risk:
        notes.append(risk)
    if not complete:
        notes.append(
            f"the browse stopped at its {time_limit:g}s time limit before the page was full"
        )
    return tuple(notes)
