"""Replay payment events from the history: the stored body and properties, republished.

A replay keeps the payment's idempotency key (it is in the body/headers, sent unchanged), gets a
new message_id (fixed when the plan is made, so running one plan twice sends the same ids) and
headers saying what it replays, who, why and when. Guards, each needing an explicit override:
the payment has since succeeded, the event was already replayed (audit log), the event is older
than 24 h (providers forget idempotency keys after about a day), the event has no idempotency
key. Refused outright, whatever the overrides: events whose stored copy is not the original
bytes (card numbers masked, a capped/escaped/split body, headers lost by the decoder).
Header values come back from the stored JSON: a timestamp header is sent as its ISO text, a
byte-array header as text; the body and the basic properties are the original ones.
The header names live with the decoders that read them back (events/replay_headers.py).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingConnection

from opsdesk.broker.deliveries import PROPERTY_NAMES
from opsdesk.events.model import PaymentEvent
from opsdesk.events.replay_headers import (
    REPLAY_OF,
    REPLAY_REASON,
    REPLAYED_AT,
    REPLAYED_BY,
)
from opsdesk.events.timestamps import to_utc_iso
from opsdesk.operations.confirms import ConfirmingPublisher
from opsdesk.operations.message_copy import utc_now_text
from opsdesk.operations.plan import (
    Action,
    Destination,
    GuardTrip,
    MessageOutcome,
    OutcomeStatus,
    Plan,
    PlannedMessage,
    Progress,
    ReplayMessage,
    ReplaySpec,
    RunOptions,
)

PAYMENT_SUCCEEDED = "payment_succeeded"
ALREADY_REPLAYED = "already_replayed"
OLDER_THAN_24H = "older_than_24h"
NO_IDEMPOTENCY_KEY = "no_idempotency_key"
GUARDS = (PAYMENT_SUCCEEDED, ALREADY_REPLAYED, OLDER_THAN_24H, NO_IDEMPOTENCY_KEY)
MAX_AGE = timedelta(hours=24)
WINDOW = 200
CONFIRM_TIMEOUT = 15.0
METHOD = "publish the stored body and properties with confirms (mandatory), new message_id"

# What mask_pans leaves of a card number: 6 digits, stars, 4 digits (separators kept).
_MASKED_PAN = re.compile(r"[0-9](?:[ +-]?[0-9]){5}(?:[ +-]?\*)+(?:[ +-]?[0-9]){4}")
# user_id is left out: the broker refuses one that is not the publishing connection's user.
_PROPERTY_NAMES = frozenset(PROPERTY_NAMES) - {"user_id"}


def stored_copy_problem(event: PaymentEvent) -> str | None:
    """Why the stored body/headers are not the bytes the broker delivered, or None."""
    body = event.body.encode("utf-8", errors="surrogatepass")
    if len(body) != event.body_size:
        return (
            f"the stored body is not the original ({len(body)} bytes stored, {event.body_size} "
            "received: capped, escaped or one part of a batch)"
        )
    if _MASKED_PAN.search(event.body):
        return "the stored body has a masked card number, so it differs from the original"
    if _MASKED_PAN.search(event.headers) or _MASKED_PAN.search(event.properties):
        return "the stored headers have a masked card number, so they differ from the original"
    if event.decode_error and "decoder error" in event.decode_error:
        return "the decoder failed on this message, so its headers and properties were not kept"
    return None


def _age_start(event: PaymentEvent) -> datetime | None:
    stamps = [to_utc_iso(s) for s in (event.occurred_at, event.received_at) if s]
    times = []
    for stamp in stamps:
        try:
            times.append(datetime.fromisoformat(str(stamp).replace("Z", "+00:00")))
        except ValueError:
            continue
    return min(times) if times else None


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
    if event.event_id in replayed:
        detail = f"already replayed (audit record #{replayed[event.event_id]})"
        trips.append(GuardTrip(ALREADY_REPLAYED, detail))
    start = _age_start(event)
    if start is not None and now - start > MAX_AGE:
        hours = (now - start).total_seconds() / 3600
        detail = f"{hours:.0f} h old: the provider may have forgotten its idempotency key"
        trips.append(GuardTrip(OLDER_THAN_24H, detail))
    if not event.idempotency_key:
        trips.append(GuardTrip(NO_IDEMPOTENCY_KEY, "no idempotency key: a consumer cannot dedupe"))
    return tuple(GuardTrip(t.guard, t.detail, t.guard in overrides) for t in trips)


def _message(
    event: PaymentEvent, destination: Destination, operator: str, reason: str
) -> ReplayMessage:
    stored = json.loads(event.properties or "{}")
    properties = {k: v for k, v in stored.items() if k in _PROPERTY_NAMES}
    properties["message_id"] = f"replay-{uuid.uuid4()}"
    headers = dict(json.loads(event.headers or "{}"))
    headers.update({REPLAY_OF: event.event_id, REPLAYED_BY: operator, REPLAY_REASON: reason})
    body = event.body.encode("utf-8", errors="surrogatepass")  # as stored_copy_problem counts
    return ReplayMessage(event.event_id, destination, body, properties, headers)


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
) -> Plan:
    """A replay plan; `succeeded` and `replayed` come from the history and the audit log."""
    now = now or datetime.now(UTC)
    items: list[PlannedMessage] = []
    messages: list[ReplayMessage] = []
    for event in dict((e.event_id, e) for e in events).values():
        target = destination or Destination(event.exchange, event.routing_key)
        refusal = stored_copy_problem(event)
        if refusal is None and target.exchange in missing_exchanges:
            refusal = f"exchange {target.exchange!r} does not exist"
        guards = _guards(event, succeeded, replayed, overrides, now)
        message = _message(event, target, operator, reason) if refusal is None else None
        item = PlannedMessage(
            key=event.event_id,
            destination=target,
            message_id=message.properties["message_id"] if message else None,
            event_id=event.event_id,
            guards=guards,
            refusal=refusal,
            headers_added={REPLAY_OF: event.event_id} if message else {},
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
        method=METHOD,
        spec=ReplaySpec(tuple(messages), reason),
        items=tuple(items),
        warnings=_warnings(items),
    )


def _warnings(items: Sequence[PlannedMessage]) -> tuple[str, ...]:
    blocked = sum(1 for i in items if i.blocked)
    if not blocked:
        return ()
    return (f"{blocked} of {len(items)} event(s) will not be sent (see each event's guards)",)


def run_replay(
    connection: BlockingConnection,
    spec: ReplaySpec,
    items: Sequence[PlannedMessage],
    options: RunOptions,
) -> tuple[list[MessageOutcome], bool]:
    """Send the spec's messages; (outcomes for every planned event in `items`, cancelled)."""
    cancel, on_progress, rate_limit = options.cancel, options.on_progress, options.rate_limit
    by_event = {m.event_id: m for m in spec.messages}
    outcomes: dict[str, MessageOutcome] = {}
    for item in items:
        if item.event_id not in by_event:
            why = item.refusal or "; ".join(g.detail for g in item.guards if not g.overridden)
            outcomes[item.key] = MessageOutcome(
                item.key, OutcomeStatus.REFUSED, None, item.destination, why, item.event_id
            )
    publisher: ConfirmingPublisher[str] = ConfirmingPublisher(connection)
    cancelled = False
    interval = 1.0 / rate_limit if rate_limit and rate_limit > 0 else 0.0
    try:
        for message in spec.messages:
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            while publisher.in_flight >= WINDOW and publisher.is_open:
                connection.process_data_events(time_limit=0.01)
                _record(publisher.poll(), by_event, outcomes)
            if not publisher.is_open:
                break
            headers = {**message.headers, REPLAYED_AT: utc_now_text()}
            props = pika.BasicProperties(headers=headers, **message.properties)
            dest = message.destination
            publisher.publish(
                message.event_id, dest.exchange, dest.routing_key, message.body, props
            )
            if interval:
                connection.sleep(interval)
            _record(publisher.poll(), by_event, outcomes)
            if on_progress is not None:
                done = sum(1 for o in outcomes.values() if o.status is OutcomeStatus.DONE)
                on_progress(Progress(done, len(outcomes) - done, len(outcomes), len(items)))
        _record(publisher.wait(CONFIRM_TIMEOUT), by_event, outcomes)
    finally:
        publisher.close()
    for message in spec.messages:
        if message.event_id not in outcomes:
            outcomes[message.event_id] = MessageOutcome(
                message.event_id,
                OutcomeStatus.SKIPPED,
                str(message.properties["message_id"]),
                message.destination,
                "not sent: the replay was cancelled or stopped first",
                message.event_id,
            )
    return [outcomes[item.key] for item in items if item.key in outcomes], cancelled


def _record(
    confirmations: Sequence[Any],
    by_event: Mapping[str, ReplayMessage],
    outcomes: dict[str, MessageOutcome],
) -> None:
    for confirmation in confirmations:
        message = by_event[confirmation.token]
        outcomes[message.event_id] = MessageOutcome(
            message.event_id,
            confirmation.status,
            str(message.properties["message_id"]),
            message.destination,
            confirmation.detail,
            message.event_id,
            str(message.properties["message_id"]),
        )
