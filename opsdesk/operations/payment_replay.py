"""Payment replay: retry each payment by re-sending the message that starts its processing.

For each payment the history is read as steps (payment_history.py). Its request is the
earliest ORIGINAL event (not a replay copy) whose type the profile lists in `request_types`;
a replay re-sends that request's stored body and properties with the same idempotency key, a
new message_id and replay headers naming the request as what it replays, with the next
attempt number (replay.py builds the message). Its attempts so far are the most of: replay
copies of the payment in the history, their highest attempt number, and the replays of its
events in the audit log.

Guards by payment (replay_guards.py), each lifted only by its explicit override: it succeeded;
it was replayed and that attempt has no outcome yet or was within `recent_minutes`; its next
replay would pass `max_attempts`; its request is older than 24 h; the history holds no request
(overriding sends the payment's last event itself); the destination routes nowhere; the
message has no idempotency key. Refused whatever the overrides: an altered stored copy, a
destination exchange that does not exist, a payment the history does not know.

This module is pure: the facts come in, a Plan goes out (service.py reads them).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.config.profiles import ReplaySettings
from opsdesk.events.model import PaymentEvent, Status
from opsdesk.events.replay_headers import REPLAY_ATTEMPT, REPLAY_OF
from opsdesk.operations.kafka_replay_message import kafka_copy_problem, kafka_replay_message
from opsdesk.operations.kafka_replay_route import replay_target
from opsdesk.operations.payment_history import AuditedReplays, PaymentStep
from opsdesk.operations.plan import (
    Action,
    Destination,
    GuardTrip,
    Plan,
    PlannedMessage,
    ReplayMessage,
    ReplayPayment,
    ReplaySpec,
)
from opsdesk.operations.replay import (
    age_start,
    age_trip,
    blocked_warnings,
    replay_message,
    stored_copy_problem,
    when,
)
from opsdesk.operations.replay_guards import (
    ALREADY_REPLAYED,
    MAX_ATTEMPTS,
    NO_IDEMPOTENCY_KEY,
    NO_REQUEST,
    PAYMENT_SUCCEEDED,
    ROUTES_NOWHERE,
)

METHOD = (
    "re-send each payment's request (stored body and properties, same idempotency key, new "
    "message_id, replay headers) with confirms (mandatory)"
)
_OUTCOMES = (Status.SUCCEEDED.value, Status.FAILED.value, Status.REFUNDED.value)
_SUCCESS = (Status.SUCCEEDED.value, Status.REFUNDED.value)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RouteVerdict:
    """What the broker said about a destination before the run."""

    refusal: str | None = None  # nothing may be sent there (the exchange does not exist)
    nowhere: str | None = None  # the routes-nowhere guard's detail, when it routes nowhere


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """What the history and the audit log say about one payment, for its plan and guards."""

    payment_id: str
    request: PaymentStep | None  # its earliest original event of a request type
    last_event: PaymentStep | None  # its latest original event
    last_failure: PaymentStep | None  # its latest original failure
    succeeded: PaymentStep | None  # its first original success (or refund)
    merchant: str | None
    amount_minor: int | None
    currency: str | None
    attempts: int  # replays so far
    last_attempt_at: datetime | None
    outcome_since: PaymentStep | None  # its first outcome received after the last attempt


def payment_facts(
    payment_id: str,
    steps: Sequence[PaymentStep],
    audited: Mapping[str, AuditedReplays],
    request_types: Collection[str],
) -> PaymentFacts:
    """The facts of one payment from its steps in time order and its audited replays."""
    originals = [s for s in steps if s.replay_of is None]
    copies = [s for s in steps if s.replay_of is not None]
    request = next((s for s in originals if s.type in request_types), None)
    failures = [s for s in originals if s.status == Status.FAILED.value]
    succeeded = next((s for s in originals if s.status in _SUCCESS), None)
    in_audit = [audited[s.event_id] for s in originals if s.event_id in audited]
    attempts = max(
        sum(a.count for a in in_audit),
        len(copies),
        max((s.replay_attempt or 0 for s in copies), default=0),
    )
    seen = [when(s.received_at) for s in copies] + [when(a.last_at) for a in in_audit]
    last_attempt = max((t for t in seen if t is not None), default=None)
    outcome = None
    if last_attempt is not None:
        outcome = next(
            (
                s
                for s in originals
                if s.status in _OUTCOMES and (w := when(s.received_at)) and w > last_attempt
            ),
            None,
        )
    ordered = ([request] if request else []) + originals
    return PaymentFacts(
        payment_id=payment_id,
        request=request,
        last_event=originals[-1] if originals else None,
        last_failure=failures[-1] if failures else None,
        succeeded=succeeded,
        merchant=_first(s.merchant for s in ordered),
        amount_minor=_first(s.amount_minor for s in ordered),
        currency=_first(s.currency for s in ordered),
        attempts=attempts,
        last_attempt_at=last_attempt,
        outcome_since=outcome,
    )


def _first(values: Iterable[T | None]) -> T | None:
    return next((v for v in values if v is not None), None)


def send_step(facts: PaymentFacts, overrides: Collection[str]) -> PaymentStep | None:
    """What a replay of the payment sends: its request; its last event only when the operator
    chose that (the no_request override); None when there is nothing to send."""
    if facts.request is not None:
        return facts.request
    if NO_REQUEST in overrides:
        return facts.last_failure or facts.last_event
    return None


def payment_guards(
    facts: PaymentFacts,
    sent: PaymentStep | None,
    settings: ReplaySettings,
    now: datetime,
) -> list[GuardTrip]:
    """The guards the payment trips (before overrides and the destination's)."""
    trips = []
    if facts.succeeded is not None:
        s = facts.succeeded
        trips.append(GuardTrip(PAYMENT_SUCCEEDED, f"it {s.status} ({s.type}, at {s.received_at})"))
    if facts.attempts and facts.last_attempt_at is not None:
        since = now - facts.last_attempt_at
        ago = _ago(since)
        if facts.outcome_since is None:
            detail = f"replayed {facts.attempts} time(s), last {ago}: no outcome yet"
            trips.append(GuardTrip(ALREADY_REPLAYED, detail))
        elif since < timedelta(minutes=settings.recent_minutes):
            detail = (
                f"replayed {facts.attempts} time(s), last {ago} (within the profile's "
                f"{settings.recent_minutes:g} min)"
            )
            trips.append(GuardTrip(ALREADY_REPLAYED, detail))
    if facts.attempts >= settings.max_attempts:
        detail = f"replayed {facts.attempts} time(s): the profile allows {settings.max_attempts}"
        trips.append(GuardTrip(MAX_ATTEMPTS, detail))
    if sent is not None and (trip := age_trip(age_start(sent.occurred_at, sent.received_at), now)):
        trips.append(trip)
    if facts.request is None:
        kinds = ", ".join(settings.request_types)
        latest = facts.last_failure or facts.last_event
        instead = f"; its last event is {latest.type} {latest.event_id}" if latest else ""
        detail = f"the history holds no request ({kinds}) of this payment{instead}"
        trips.append(GuardTrip(NO_REQUEST, detail))
    if sent is not None and not sent.idempotency_key:
        detail = f"{sent.type} {sent.event_id} has no idempotency key: a consumer cannot dedupe"
        trips.append(GuardTrip(NO_IDEMPOTENCY_KEY, detail))
    return trips


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def plan_payment_replay(
    payment_ids: Sequence[str],
    facts: Mapping[str, PaymentFacts],
    events: Mapping[str, PaymentEvent],
    routes: Mapping[Destination, RouteVerdict],
    *,
    operator: str,
    reason: str,
    settings: ReplaySettings,
    destination: Destination | None = None,
    overrides: Collection[str] = (),
    now: datetime,
    notes: Sequence[str] = (),
    kafka: Sequence[KafkaSettings] = (),
) -> Plan:
    """A plan over `payment_ids`: each payment's facts, the full event each would send (by
    event id), and the route verdict of each destination; `kafka`: the profile's clusters,
    where requests read from Kafka go back to (kafka_replay_route.py)."""
    payments: list[ReplayPayment] = []
    items: list[PlannedMessage] = []
    messages: list[ReplayMessage] = []
    for payment_id in dict.fromkeys(payment_ids):
        payment, message = _plan_one(
            payment_id, facts.get(payment_id), events, routes, operator, reason, settings,
            destination, overrides, now, kafka,
        )  # fmt: skip
        payments.append(payment)
        item = PlannedMessage(
            key=payment_id,
            destination=payment.destination,
            message_id=payment.message_id,
            event_id=payment.send_event_id,
            guards=payment.guards,
            refusal=payment.refusal,
            headers_added=(
                {k: message.headers[k] for k in (REPLAY_OF, REPLAY_ATTEMPT)} if message else {}
            ),
        )
        items.append(item)
        if message is not None and not payment.blocked:
            messages.append(message)
    return Plan(
        action=Action.REPLAY,
        source="history",
        destinations=tuple(dict.fromkeys(p.destination for p in payments if p.destination)),
        count=len(payments),
        count_is_exact=True,
        method=METHOD,
        spec=ReplaySpec(tuple(messages), reason, tuple(payments)),
        items=tuple(items),
        warnings=(*notes, *blocked_warnings(items, "payment")),
    )


def _plan_one(
    payment_id: str,
    facts: PaymentFacts | None,
    events: Mapping[str, PaymentEvent],
    routes: Mapping[Destination, RouteVerdict],
    operator: str,
    reason: str,
    settings: ReplaySettings,
    chosen: Destination | None,
    overrides: Collection[str],
    now: datetime,
    kafka: Sequence[KafkaSettings],
) -> tuple[ReplayPayment, ReplayMessage | None]:
    if facts is None:
        unknown = ReplayPayment(
            payment_id, None, None, None, None, None, 0, None, 1, None, None, False, None,
            refusal="the history holds no event of this payment",
        )  # fmt: skip
        return unknown, None
    sent = send_step(facts, overrides)
    trips = payment_guards(facts, sent, settings, now)
    target, refusal = replay_target(sent, settings, kafka, chosen) if sent else (None, None)
    if sent is not None and target is not None:
        verdict = routes.get(target, RouteVerdict())
        refusal = refusal or verdict.refusal
        if verdict.nowhere is not None:
            trips.append(GuardTrip(ROUTES_NOWHERE, verdict.nowhere))
        event = events.get(sent.event_id)
        if event is None:
            refusal = refusal or f"{sent.event_id} is no longer in the history"
        elif refusal is None:
            refusal = stored_copy_problem(event)
            if refusal is None and target.is_kafka:
                refusal = kafka_copy_problem(event)
    guards = tuple(GuardTrip(t.guard, t.detail, t.guard in overrides) for t in trips)
    attempt = facts.attempts + 1
    message = None
    if sent is not None and target is not None and refusal is None:
        event = events[sent.event_id]
        build = kafka_replay_message if target.is_kafka else replay_message
        message = build(event, target, operator, reason, attempt=attempt, payment_id=payment_id)
    payment = ReplayPayment(
        payment_id=payment_id,
        merchant=facts.merchant,
        amount_minor=facts.amount_minor,
        currency=facts.currency,
        last_status=facts.last_event.status if facts.last_event else None,
        last_error=facts.last_failure.error_code if facts.last_failure else None,
        attempts=facts.attempts,
        last_attempt_at=_text(facts.last_attempt_at),
        attempt=attempt,
        send_type=sent.type if sent else None,
        send_event_id=sent.event_id if sent else None,
        sends_request=sent is not None and sent is facts.request,
        destination=target,
        message_id=str(message.properties["message_id"]) if message else None,
        guards=guards,
        refusal=refusal,
    )
    return payment, message


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z") if moment else None
