"""Replay one exact stored message (`--event-id`): its stored body and properties, republished.

A payment replay (payment_replay.py) picks each payment's request and builds its messages here
too. A replay keeps the payment's idempotency key (it is in the body/headers, sent unchanged),
gets a new message_id (fixed when the plan is made, so running one plan twice sends the same
ids) and headers saying which ORIGINAL it replays (a copy of a copy names the first), who, why
and when. Guards of an event replay, each needing an explicit override: the payment has since
succeeded, the event (or, for a copy, its original) was already replayed or is itself a replay
copy, the event is older than 24 h (providers forget idempotency keys after about a day), the
event has no idempotency key. Refused outright, whatever the overrides: events whose stored
copy is not the original bytes (card numbers masked, a capped/escaped/split body, headers lost
by the decoder). Header values come back from the stored JSON: a timestamp header is sent as
its ISO text, a byte-array header as text; the body and the basic properties are the original
ones. The header names live with the decoders that read them back (events/replay_headers.py).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime

from opsdesk.broker.deliveries import PROPERTY_NAMES
from opsdesk.events.model import PaymentEvent
from opsdesk.events.replay_headers import (
    REPLAY_ATTEMPT,
    REPLAY_OF,
    REPLAY_REASON,
    REPLAYED_AT,
    REPLAYED_BY,
)
from opsdesk.events.timestamps import to_utc_iso
from opsdesk.operations.plan import (
    Action,
    Destination,
    GuardTrip,
    Plan,
    PlannedMessage,
    ReplayMessage,
    ReplaySpec,
)
from opsdesk.operations.replay_guards import (
    ALREADY_REPLAYED,
    MAX_AGE,
    NO_IDEMPOTENCY_KEY,
    OLDER_THAN_24H,
    PAYMENT_SUCCEEDED,
)
from opsdesk.operations.replay_guards import EVENT_GUARDS as GUARDS

# Named here for the callers that import them from this module.
__all__ = [
    "ALREADY_REPLAYED",
    "GUARDS",
    "METHOD",
    "NO_IDEMPOTENCY_KEY",
    "OLDER_THAN_24H",
    "PAYMENT_SUCCEEDED",
    "REPLAYED_AT",
    "REPLAYED_BY",
    "REPLAY_ATTEMPT",
    "REPLAY_OF",
    "REPLAY_REASON",
    "age_start",
    "plan_replay",
    "replay_message",
    "stored_copy_problem",
    "when",
]

METHOD = "publish the stored body and properties with confirms (mandatory), new message_id"
KAFKA_METHOD = (
    "produce the stored value, key and headers with an idempotent producer, each record "
    "acknowledged, new message_id header"
)
MessageBuilder = Callable[..., ReplayMessage]  # replay_message's signature

# What mask_pans leaves of a card number: 6 digits, stars, 4 digits (separators kept).
_MASKED_PAN = re.compile(r"[0-9](?:[ +-]?[0-9]){5}(?:[ +-]?\*)+(?:[ +-]?[0-9]){4}")
# user_id is left out: the broker refuses one that is not the publishing connection's user.
_PROPERTY_NAMES = frozenset(PROPERTY_NAMES) - {"user_id"}
# A stored copy's own replay headers are replaced by the new replay's.
_OWN_HEADERS = (REPLAY_OF, REPLAY_ATTEMPT, REPLAYED_BY, REPLAY_REASON, REPLAYED_AT)


def stored_copy_problem(event: PaymentEvent) -> str | None:
    """Why the stored body/headers are not the bytes the broker delivered, or None."""
    body = event.body.encode("utf-8", errors="surrogatepass")
    if len(body) != event.body_size:
        return (
            f"the stored body is not the original ({len(body)} bytes stored, {event.body_size} "
            "received: capped, escaped or one part of a batch)"
        )
    if _has_masked_pan(event.body):
        return "the stored body has a masked card number, so it differs from the original"
    if _has_masked_pan(event.headers) or _has_masked_pan(event.properties):
        return "the stored headers have a masked card number, so they differ from the original"
    if event.decode_error and "decoder error" in event.decode_error:
        return "the decoder failed on this message, so its headers and properties were not kept"
    return None


def _has_masked_pan(text: str) -> bool:
    # Every masked card number has a star: most texts are passed over without the regex.
    return "*" in text and _MASKED_PAN.search(text) is not None


@functools.lru_cache(maxsize=65536)
def when(text: str | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (None when absent or unreadable)."""
    if not text:
        return None
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(text)  # the stored form, "...T12:00:00.000Z"
    except ValueError:
        normal = to_utc_iso(text)
        try:
            moment = datetime.fromisoformat(normal) if normal else None
        except ValueError:
            return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age_start(occurred_at: str | None, received_at: str | None) -> datetime | None:
    """When a stored event began to age: the earlier of its producer and arrival times."""
    times = [t for t in (when(occurred_at), when(received_at)) if t is not None]
    return min(times) if times else None


def age_trip(start: datetime | None, now: datetime) -> GuardTrip | None:
    """The older-than-24-h guard for something that began to age at `start`."""
    if start is None or now - start <= MAX_AGE:
        return None
    hours = (now - start).total_seconds() / 3600
    detail = f"{hours:.0f} h old: the provider may have forgotten its idempotency key"
    return GuardTrip(OLDER_THAN_24H, detail)


def _guards(
    event: PaymentEvent,
    succeeded: Mapping[str, str],
    replayed: Mapping[str, int],
    overrides: Collection[str],
    now: datetime,
) -> tuple[GuardTrip, ...]:
    trips = []
    if event.payment_id and event.payment_id in succeeded:
        detail = f"payment {event.payment_id} succeeded (seen {succeeded[event.payment_id]})"
        trips.append(GuardTrip(PAYMENT_SUCCEEDED, detail))
    original = event.replay_of or event.event_id
    if event.replay_of is not None:
        detail = f"this is a replay copy of {original}: sending it retries the payment again"
        trips.append(GuardTrip(ALREADY_REPLAYED, detail))
    elif original in replayed:
        detail = f"already replayed (audit record #{replayed[original]})"
        trips.append(GuardTrip(ALREADY_REPLAYED, detail))
    if (trip := age_trip(age_start(event.occurred_at, event.received_at), now)) is not None:
        trips.append(trip)
    if not event.idempotency_key:
        trips.append(GuardTrip(NO_IDEMPOTENCY_KEY, "no idempotency key: a consumer cannot dedupe"))
    return tuple(GuardTrip(t.guard, t.detail, t.guard in overrides) for t in trips)


def replay_message(
    event: PaymentEvent,
    destination: Destination,
    operator: str,
    reason: str,
    *,
    attempt: int | None = None,
    payment_id: str | None = None,
) -> ReplayMessage:
    """What replaying `event` sends: its stored body and properties, a new id, replay headers.

    The replay-of header names the original (a copy's own replay-of, else the event itself).
    """
    stored = json.loads(event.properties or "{}")
    properties = {k: v for k, v in stored.items() if k in _PROPERTY_NAMES}
    # 128 random bits as uuid4 has, without uuid.UUID's checks (a plan makes 10,000 of them).
    properties["message_id"] = f"replay-{os.urandom(16).hex()}"
    headers = {k: v for k, v in json.loads(event.headers or "{}").items() if k not in _OWN_HEADERS}
    headers.update(
        {
            REPLAY_OF: event.replay_of or event.event_id,
            REPLAYED_BY: operator,
            REPLAY_REASON: reason,
        }
    )
    if attempt is not None:
        headers[REPLAY_ATTEMPT] = attempt
    body = event.body.encode("utf-8", errors="surrogatepass")  # as stored_copy_problem counts
    return ReplayMessage(
        event.event_id, destination, body, properties, headers, payment_id, attempt
    )


def plan_replay(
    events: Sequence[PaymentEvent],
    *,
    operator: str,
    reason: str,
    succeeded: Mapping[str, str],
    replayed: Mapping[str, int],
    destination: Destination | None = None,
    missing_exchanges: Collection[str] = (),
    overrides: Collection[str] = (),
    unknown_event_ids: Sequence[str] = (),
    now: datetime | None = None,
    kafka_targets: Mapping[str, tuple[Destination, str | None]] | None = None,
    kafka_message: MessageBuilder = replay_message,
) -> Plan:
    """An event replay plan; `succeeded` and `replayed` come from the history and the audit.
    `kafka_targets`: where Kafka records go and why not, by event id (kafka_replay_events.py),
    their records built by `kafka_message` (kafka_replay_message.py's, which imports this)."""
    now = now or datetime.now(UTC)
    items: list[PlannedMessage] = []
    messages: list[ReplayMessage] = []
    kafka = kafka_targets or {}
    for event in dict((e.event_id, e) for e in events).values():
        target = destination or Destination(event.exchange, event.routing_key)
        refusal = stored_copy_problem(event)
        if event.event_id in kafka:
            target, why = kafka[event.event_id]
            refusal = refusal or why
        elif refusal is None and target.exchange in missing_exchanges:
            refusal = f"exchange {target.exchange!r} does not exist"
        guards = _guards(event, succeeded, replayed, overrides, now)
        build = kafka_message if target.is_kafka else replay_message
        message = build(event, target, operator, reason) if refusal is None else None
        item = PlannedMessage(
            key=event.event_id,
            destination=target,
            message_id=message.properties["message_id"] if message else None,
            event_id=event.event_id,
            guards=guards,
            refusal=refusal,
            headers_added={REPLAY_OF: message.headers[REPLAY_OF]} if message else {},
        )
        items.append(item)
        if message is not None and not item.blocked:
            messages.append(message)
    for event_id in unknown_event_ids:
        items.append(
            PlannedMessage(event_id, None, event_id=event_id, refusal="not in the history")
        )
    return Plan(
        action=Action.REPLAY,
        source="history",
        destinations=tuple(dict.fromkeys(i.destination for i in items if i.destination)),
        count=len(items),
        count_is_exact=True,
        method=KAFKA_METHOD if all(m.destination.is_kafka for m in messages) and kafka else METHOD,
        spec=ReplaySpec(tuple(messages), reason),
        items=tuple(items),
        warnings=blocked_warnings(items, "event"),
    )


def blocked_warnings(items: Sequence[PlannedMessage], what: str) -> tuple[str, ...]:
    blocked = sum(1 for i in items if i.blocked)
    if not blocked:
        return ()
    return (f"{blocked} of {len(items)} {what}(s) will not be sent (see each {what}'s guards)",)
