"""Payment replay against the real broker: each payment's request re-sent, guarded by payment."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from opsdesk.config.profiles import ReplaySettings
from opsdesk.events.model import Status
from opsdesk.events.replay_headers import (
    REPLAY_ATTEMPT,
    REPLAY_OF,
    REPLAY_REASON,
    REPLAYED_AT,
    REPLAYED_BY,
)
from opsdesk.operations.errors import OperationError
from opsdesk.operations.plan import Destination, OutcomeStatus, Progress
from opsdesk.operations.replay_guards import (
    ALREADY_REPLAYED,
    MAX_ATTEMPTS,
    NO_IDEMPOTENCY_KEY,
    NO_REQUEST,
    OLDER_THAN_24H,
    PAYMENT_GUARDS,
    PAYMENT_SUCCEEDED,
    ROUTES_NOWHERE,
)
from opsdesk.operations.service import Operations
from opsdesk.store.audit import AuditLog
from opsdesk.store.event_filter import EventFilter
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain, make_profile
from tests.operations.payment_history import failed_payment, outcome, request, stamp, store

pytestmark = pytest.mark.broker

FAILED = EventFilter(statuses=("failed",))


def _ops(db_path: Path, **settings: object) -> Operations:
    profile = replace(make_profile(), replay=replace(ReplaySettings(), **settings))  # type: ignore[arg-type]
    return Operations(profile, db_path)


def test_replaying_failed_payments_sends_each_request_with_its_key_and_replay_headers(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, queue = payments
    events = [e for n in range(20) for e in failed_payment(n, exchange, "gateway_timeout")]
    store(db_path, *events, *failed_payment(99, exchange, "card_declined"))
    chosen = EventFilter(
        statuses=("failed",), error_codes=("gateway_timeout",), merchants=("acme",)
    )
    plan = ops.plan_payment_replay(event_filter=chosen, reason="PSP outage at 09:40")
    assert [p.payment_id for p in plan.replay_payments] == [f"pay_{n}" for n in range(20)]
    first = plan.replay_payments[0]
    assert (first.merchant, first.amount_minor, first.currency) == ("acme", 1000, "EUR")
    assert (first.last_status, first.last_error, first.attempts, first.attempt) == (
        "failed",
        "gateway_timeout",
        0,
        1,
    )
    assert (first.send_type, first.send_event_id, first.sends_request) == (
        "payment.requested",
        "req-0",
        True,
    )
    assert first.destination == Destination(exchange, "payment.requested")
    assert plan.blocked_count == 0 and broker.message_count(queue) == 0  # a plan sends nothing

    result = ops.execute(plan)
    assert result.ok and result.done == 20
    got = drain(broker, queue)
    assert len(got) == 20
    for n, message in enumerate(got):
        body = json.loads(message.body)
        assert body["type"] == "payment.requested" and message.routing_key == "payment.requested"
        assert body["payment_id"] == f"pay_{n}" and body["idempotency_key"] == f"idem-{n}"
        headers = message.props.headers
        assert headers[REPLAY_OF] == f"req-{n}" and headers[REPLAY_ATTEMPT] == 1
        assert headers[REPLAYED_BY] == "tester" and headers[REPLAY_REASON] == "PSP outage at 09:40"
        assert headers[REPLAYED_AT] and headers["x-source"] == "checkout"
        assert message.props.message_id not in (f"req-{n}", None)
        assert message.props.delivery_mode == 2
    assert {o.payment_id for o in result.outcomes} == {f"pay_{n}" for n in range(20)}
    assert all(o.sent_at for o in result.outcomes)
    with AuditLog(db_path, readonly=True) as audit:
        record, intent = audit.records(2)
    assert intent.outcome == "started" and record.outcome == "ok"
    assert record.message_ids == tuple(f"req-{n}" for n in range(20))
    assert record.detail["replayed_payments"]["req-3"] == ["pay_3", 1]


def test_a_payment_that_succeeded_needs_its_override(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, queue = payments
    store(db_path, *failed_payment(1, exchange), outcome(1, exchange, Status.SUCCEEDED, None))
    plan = ops.plan_payment_replay(["pay_1"], reason="x")
    assert plan.guards == {PAYMENT_SUCCEEDED: 1} and plan.replay_messages == ()
    refused = ops.execute(plan)
    assert not refused.ok and refused.outcomes[0].status is OutcomeStatus.REFUSED
    assert "succeeded" in refused.outcomes[0].detail and broker.message_count(queue) == 0

    forced = ops.plan_payment_replay(["pay_1"], reason="x", overrides=[PAYMENT_SUCCEEDED])
    assert ops.execute(forced).ok and broker.message_count(queue) == 1
    with AuditLog(db_path, readonly=True) as audit:
        (record,) = audit.records(1)
    assert record.detail["payment_overrides"] == {"pay_1": [PAYMENT_SUCCEEDED]}
    assert record.detail["overridden_guards"] == [PAYMENT_SUCCEEDED]


def test_a_replayed_payment_is_not_replayed_again_while_its_attempt_is_open_or_recent(
    broker: BrokerObjects, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, queue = payments
    store(db_path, *failed_payment(1, exchange))
    ops = _ops(db_path, recent_minutes=10)
    assert ops.execute(ops.plan_payment_replay(["pay_1"], reason="first")).ok

    again = ops.plan_payment_replay(["pay_1"], reason="second")
    assert again.guards == {ALREADY_REPLAYED: 1}
    (payment,) = again.replay_payments
    assert (payment.attempts, payment.attempt) == (1, 2)
    assert "no outcome yet" in payment.guards[0].detail
    # The retry failed again, just now: an outcome, but within the profile's 10 minutes.
    store(db_path, outcome(1, exchange, after=timedelta(seconds=1), tag="-again"))
    recent = ops.plan_payment_replay(["pay_1"], reason="second")
    assert recent.guards == {ALREADY_REPLAYED: 1}
    assert "within the profile's 10 min" in recent.items[0].guards[0].detail
    assert _ops(db_path, recent_minutes=0).plan_payment_replay(["pay_1"], reason="x").guards == {}

    forced = ops.plan_payment_replay(["pay_1"], reason="second", overrides=[ALREADY_REPLAYED])
    assert ops.execute(forced).ok
    first, second = drain(broker, queue)
    assert [first.props.headers[REPLAY_ATTEMPT], second.props.headers[REPLAY_ATTEMPT]] == [1, 2]
    assert second.props.headers[REPLAY_OF] == "req-1"


def test_a_replay_of_a_replayed_copy_is_refused_and_names_the_original(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, queue = payments
    # Another desk's replay, seen by the tap: a copy of req-1, attempt 1, no outcome yet.
    copy = replace(
        request(1, exchange, age=timedelta(minutes=1)),
        event_id="replay-abc",
        replay_of="req-1",
        replay_attempt=1,
    )
    store(db_path, *failed_payment(1, exchange), copy)
    plan = ops.plan_payment_replay(["pay_1"], reason="x")
    assert plan.guards == {ALREADY_REPLAYED: 1}
    assert plan.replay_payments[0].send_event_id == "req-1"  # the original, never the copy

    by_event = ops.plan_replay(["replay-abc"], reason="x")
    assert by_event.guards == {ALREADY_REPLAYED: 1}
    assert "replay copy of req-1" in by_event.items[0].guards[0].detail
    assert not ops.execute(by_event).ok and broker.message_count(queue) == 0

    forced = ops.plan_replay(["replay-abc"], reason="x", overrides=[ALREADY_REPLAYED])
    assert ops.execute(forced).ok
    forced_payment = ops.plan_payment_replay(["pay_1"], reason="x", overrides=[ALREADY_REPLAYED])
    assert ops.execute(forced_payment).ok
    sent = drain(broker, queue)
    assert [m.props.headers[REPLAY_OF] for m in sent] == ["req-1", "req-1"]
    assert sent[1].props.headers[REPLAY_ATTEMPT] == 2


def test_more_replays_than_the_profile_allows_needs_its_override(
    broker: BrokerObjects, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, queue = payments
    copies = [
        replace(
            request(1, exchange, age=timedelta(minutes=25 - 5 * k)),
            event_id=f"replay-{k}",
            replay_of="req-1",
            replay_attempt=k,
        )
        for k in (1, 2)
    ]
    answers = [
        outcome(1, exchange, after=timedelta(minutes=-24 + 5 * k), tag=f"-{k}") for k in (1, 2)
    ]
    store(db_path, *failed_payment(1, exchange), *copies, *answers)
    ops = _ops(db_path, max_attempts=2, recent_minutes=1)
    plan = ops.plan_payment_replay(["pay_1"], reason="x")
    assert plan.guards == {MAX_ATTEMPTS: 1}
    (payment,) = plan.replay_payments
    assert (payment.attempts, payment.attempt) == (2, 3)
    assert (
        _ops(db_path, max_attempts=3, recent_minutes=1)
        .plan_payment_replay(["pay_1"], reason="x")
        .guards
        == {}
    )
    forced = ops.plan_payment_replay(["pay_1"], reason="x", overrides=[MAX_ATTEMPTS])
    assert ops.execute(forced).ok
    (sent,) = drain(broker, queue)
    assert sent.props.headers[REPLAY_ATTEMPT] == 3


def test_a_request_older_than_a_day_needs_its_override(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, queue = payments
    old = request(1, exchange, age=timedelta(hours=30))
    store(db_path, old, outcome(1, exchange, after=timedelta(hours=-29)))
    plan = ops.plan_payment_replay(["pay_1"], reason="x")
    assert plan.guards == {OLDER_THAN_24H: 1} and not ops.execute(plan).ok
    assert ops.execute(
        ops.plan_payment_replay(["pay_1"], reason="x", overrides=[OLDER_THAN_24H])
    ).ok
    assert broker.message_count(queue) == 1


def test_without_a_request_only_an_explicit_choice_sends_the_failure_itself(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, queue = payments
    store(db_path, outcome(1, exchange))
    plan = ops.plan_payment_replay(["pay_1"], reason="x")
    (payment,) = plan.replay_payments
    assert plan.guards == {NO_REQUEST: 1} and payment.send_event_id is None
    assert "no request (payment.requested)" in payment.guards[0].detail
    assert "payment.failed failed-1" in payment.guards[0].detail
    assert not ops.execute(plan).ok and broker.message_count(queue) == 0

    itself = ops.plan_payment_replay(["pay_1"], reason="x", overrides=[NO_REQUEST])
    (payment,) = itself.replay_payments
    assert (payment.send_event_id, payment.sends_request) == ("failed-1", False)
    assert ops.execute(itself).ok
    (sent,) = drain(broker, queue)
    assert json.loads(sent.body)["type"] == "payment.failed"
    assert sent.props.headers[REPLAY_OF] == "failed-1"


def test_profile_request_types_and_destination(
    broker: BrokerObjects, payments: tuple[str, str], db_path: Path, unique_name: str
) -> None:
    exchange, _ = payments
    retry = broker.queue(unique_name + ".retry")
    created = replace(request(1, exchange), event_id="created-1", type="payment.created")
    store(db_path, created, outcome(1, exchange))
    ops = _ops(db_path, request_types=("payment.created",), queue=retry)
    plan = ops.plan_payment_replay(["pay_1"], reason="x")
    (payment,) = plan.replay_payments
    assert (payment.send_event_id, payment.destination) == ("created-1", Destination.queue(retry))
    assert ops.execute(plan).ok
    assert [m.props.headers[REPLAY_OF] for m in drain(broker, retry)] == ["created-1"]


def test_a_destination_that_routes_nowhere_is_caught_before_and_during_the_run(
    broker: BrokerObjects,
    payments: tuple[str, str],
    ops: Operations,
    db_path: Path,
    unique_name: str,
) -> None:
    exchange, queue = payments
    store(db_path, *failed_payment(1, exchange))
    nowhere = Destination(exchange, "invoice.requested")  # the processor binds payment.# only
    plan = ops.plan_payment_replay(["pay_1"], reason="x", destination=nowhere)
    assert plan.guards == {ROUTES_NOWHERE: 1}
    assert "no binding for routing key 'invoice.requested'" in plan.items[0].guards[0].detail
    no_queue = Destination.queue(unique_name + ".absent")
    assert ops.plan_payment_replay(["pay_1"], reason="x", destination=no_queue).guards == {
        ROUTES_NOWHERE: 1
    }
    # Overridden, the broker's mandatory return still says where it went: nowhere.
    forced = ops.plan_payment_replay(
        ["pay_1"], reason="x", destination=nowhere, overrides=[ROUTES_NOWHERE]
    )
    result = ops.execute(forced)
    assert not result.ok and result.outcomes[0].status is OutcomeStatus.UNROUTABLE
    missing = Destination(unique_name + ".no-such-exchange", "payment.requested")
    hard = ops.plan_payment_replay(
        ["pay_1"], reason="x", destination=missing, overrides=PAYMENT_GUARDS
    )
    assert "does not exist" in (hard.items[0].refusal or "") and hard.blocked_count == 1
    assert broker.message_count(queue) == 0


def test_no_idempotency_key_and_altered_copies(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, queue = payments
    keyless = replace(request(1, exchange), idempotency_key=None)
    masked_body = '{"type": "payment.requested", "payment_id": "pay_2", "card": "411111******1111"}'
    masked = replace(request(2, exchange), body=masked_body, body_size=len(masked_body))
    store(db_path, keyless, outcome(1, exchange), masked, outcome(2, exchange))
    plan = ops.plan_payment_replay(["pay_1", "pay_2"], reason="x", overrides=[])
    assert plan.guards == {NO_IDEMPOTENCY_KEY: 1}
    assert "masked card number" in (plan.items[1].refusal or "")
    forced = ops.plan_payment_replay(["pay_1", "pay_2"], reason="x", overrides=PAYMENT_GUARDS)
    result = ops.execute(forced)
    assert [o.status for o in result.outcomes] == [OutcomeStatus.DONE, OutcomeStatus.REFUSED]
    assert broker.message_count(queue) == 1


def test_unknown_payments_too_many_and_none(
    payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, _ = payments
    store(db_path, *failed_payment(1, exchange), *failed_payment(2, exchange))
    plan = ops.plan_payment_replay(["pay_1", "pay_404"], reason="x")
    assert [i.refusal for i in plan.items] == [None, "the history holds no event of this payment"]
    with pytest.raises(OperationError, match="more than 1 payments match"):
        ops.plan_payment_replay(event_filter=FAILED, reason="x", limit=1)
    with pytest.raises(OperationError, match="no payment"):
        ops.plan_payment_replay(event_filter=EventFilter(merchants=("nobody",)), reason="x")


def test_bulk_replay_reports_progress_and_stops_on_cancel(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, queue = payments
    store(db_path, *(e for n in range(300) for e in failed_payment(n, exchange)))
    plan = ops.plan_payment_replay(event_filter=FAILED, reason="x")
    cancel = threading.Event()
    seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        seen.append(progress)
        if progress.done >= 20:
            cancel.set()

    result = ops.execute(plan, on_progress=on_progress, cancel=cancel, rate_limit=200)
    assert result.cancelled and seen and seen[-1].total == 300
    statuses = [o.status for o in result.outcomes]
    assert len(statuses) == 300 and statuses.count(OutcomeStatus.SKIPPED) > 0
    sent = statuses.count(OutcomeStatus.DONE)
    assert 20 <= sent < 300 and broker.message_count(queue) == sent
    skipped = [o for o in result.outcomes if o.status is OutcomeStatus.SKIPPED]
    assert all(o.payment_id and o.sent_at is None for o in skipped)


def test_replay_copies_received_by_the_tap_name_their_attempts(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    """What the tap stores of a replay is the copy's attempt, counted by the next plan."""
    exchange, queue = payments
    store(db_path, *failed_payment(1, exchange))
    assert ops.execute(ops.plan_payment_replay(["pay_1"], reason="x")).ok
    (sent,) = drain(broker, queue)
    copy = replace(
        request(1, exchange, age=timedelta()),
        event_id=str(sent.props.message_id),
        received_at=stamp(),
        replay_of=sent.props.headers[REPLAY_OF],
        replay_attempt=sent.props.headers[REPLAY_ATTEMPT],
    )
    store(db_path, copy)
    (payment,) = ops.plan_payment_replay(["pay_1"], reason="x").replay_payments
    assert (payment.attempts, payment.attempt) == (1, 2)  # the copy and the audit: one replay
