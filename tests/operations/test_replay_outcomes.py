"""Following replayed payments to their next outcome, per payment and per batch."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsdesk.events.model import Status
from opsdesk.operations.payment_history import PaymentStep
from opsdesk.operations.replay_outcomes import (
    OutcomeKind,
    ReplaySent,
    follow_outcomes,
    outcomes_from_steps,
    read_outcomes,
    sent_payments,
)
from opsdesk.operations.service import Operations
from opsdesk.store.event_filter import EventFilter
from tests.conftest import BrokerObjects
from tests.operations.conftest import drain
from tests.operations.payment_history import failed_payment, outcome, request, stamp, store

AT = datetime(2026, 3, 2, 9, 40, tzinfo=UTC)


def _step(
    n: int, status: str, at: datetime, error: str | None = None, copy: bool = False
) -> PaymentStep:
    text = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return PaymentStep(
        n, f"e-{n}", text, text, f"payment.{status}", status, "acme", 100, "EUR", error,
        "x", "k", "idem", "req" if copy else None, 1 if copy else None,
    )  # fmt: skip


def test_the_next_outcome_after_the_replay_is_the_payments_outcome() -> None:
    sent = [ReplaySent(p, stamp_of(AT)) for p in ("a", "b", "c", "d")]
    steps = {
        # before the replay: the failure that made it needed, not its answer
        "a": [_step(1, "failed", AT - timedelta(seconds=5), "card_declined"),
              _step(2, "succeeded", AT + timedelta(seconds=3))],
        "b": [_step(3, "pending", AT + timedelta(seconds=1), copy=True),  # the replay copy itself
              _step(4, "failed", AT + timedelta(seconds=2), "card_declined"),
              _step(5, "succeeded", AT + timedelta(seconds=9))],  # a later one: not the next
        "c": [_step(6, "pending", AT + timedelta(seconds=2))],  # pending is no outcome
    }  # fmt: skip
    batch = outcomes_from_steps(sent, steps, AT + timedelta(minutes=2))
    assert [(o.payment_id, o.kind) for o in batch.outcomes] == [
        ("a", OutcomeKind.SUCCEEDED),
        ("b", OutcomeKind.FAILED),
        ("c", OutcomeKind.NONE),
        ("d", OutcomeKind.NONE),
    ]
    assert (batch.outcomes[1].error_code, batch.outcomes[1].event_id) == ("card_declined", "e-4")
    assert not batch.complete
    assert batch.summary() == (
        "4 replayed: 1 succeeded, 1 failed again (card_declined), 2 no outcome after 2 min"
    )


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ([], "nothing replayed"),
        (["s", "s"], "2 replayed: 2 succeeded"),
        (
            ["f:card_declined", "f:gateway_timeout", "f:card_declined", "n"],
            "4 replayed: 3 failed again (card_declined 2, gateway_timeout 1), "
            "1 no outcome after 45 s",
        ),
        (["f:"], "1 replayed: 1 failed again (no error code)"),
    ],
)
def test_batch_summaries(kinds: list[str], expected: str) -> None:
    sent, steps = [], {}
    for n, kind in enumerate(kinds):
        sent.append(ReplaySent(f"p{n}", stamp_of(AT)))
        if kind == "s":
            steps[f"p{n}"] = [_step(n, "succeeded", AT + timedelta(seconds=1))]
        elif kind.startswith("f:"):
            steps[f"p{n}"] = [_step(n, "failed", AT + timedelta(seconds=1), kind[2:] or None)]
    batch = outcomes_from_steps(sent, steps, AT + timedelta(seconds=45))
    assert batch.summary() == expected
    assert batch.complete is ("n" not in kinds)


def test_a_payment_that_had_already_succeeded_answers_with_that_success() -> None:
    # Replayed under the succeeded override: the idempotent processor repeats its earlier
    # outcome event (same event id), which the history does not store twice.
    sent = [ReplaySent(p, stamp_of(AT)) for p in ("done", "open")]
    steps = {
        "done": [_step(1, "failed", AT - timedelta(minutes=9), "card_declined"),
                 _step(2, "succeeded", AT - timedelta(minutes=5))],
        "open": [_step(3, "failed", AT - timedelta(minutes=5), "card_declined")],
    }  # fmt: skip
    batch = outcomes_from_steps(sent, steps, AT + timedelta(seconds=30))
    done, still_open = batch.outcomes
    assert (done.kind, done.event_id) == (OutcomeKind.ALREADY_SUCCEEDED, "e-2")
    assert still_open.kind is OutcomeKind.NONE
    assert batch.summary() == "2 replayed: 1 had already succeeded, 1 no outcome after 30 s"
    # A success after the replay is the answer, not the earlier one.
    steps["done"].append(_step(4, "succeeded", AT + timedelta(seconds=2)))
    later = outcomes_from_steps(sent, steps, AT + timedelta(seconds=30)).outcomes[0]
    assert (later.kind, later.event_id) == (OutcomeKind.SUCCEEDED, "e-4")


def stamp_of(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.broker
def test_replayed_payments_are_followed_to_their_outcomes_in_the_history(
    broker: BrokerObjects, payments: tuple[str, str], ops: Operations, db_path: Path
) -> None:
    exchange, queue = payments
    store(db_path, *(e for n in range(5) for e in failed_payment(n, exchange, "gateway_timeout")))
    result = ops.execute(
        ops.plan_payment_replay(event_filter=EventFilter(statuses=("failed",)), reason="x")
    )
    assert result.ok and len(drain(broker, queue)) == 5
    sent = sent_payments(result)
    assert [s.payment_id for s in sent] == [f"pay_{n}" for n in range(5)]
    assert all(s.event_id == f"req-{s.payment_id[4:]}" for s in sent)

    before = read_outcomes(db_path, sent)
    assert before.count(OutcomeKind.NONE) == 5  # their gateway_timeout came before the replay
    # The processor answers (as the tap would store it): two succeed, two fail again.
    answers = [
        outcome(0, exchange, Status.SUCCEEDED, None, after=timedelta(seconds=1), tag="-r"),
        outcome(1, exchange, Status.SUCCEEDED, None, after=timedelta(seconds=1), tag="-r"),
        outcome(2, exchange, after=timedelta(seconds=1), tag="-r"),
        outcome(3, exchange, after=timedelta(seconds=2), tag="-r"),
        # a replay copy seen by the tap is no answer
        replace(request(4, exchange), event_id="copy-4", received_at=stamp(), replay_of="req-4"),
    ]
    store(db_path, *answers)
    later = datetime.now(UTC) + timedelta(seconds=3)
    batch = read_outcomes(db_path, sent, later)
    assert [o.kind for o in batch.outcomes] == [
        OutcomeKind.SUCCEEDED,
        OutcomeKind.SUCCEEDED,
        OutcomeKind.FAILED,
        OutcomeKind.FAILED,
        OutcomeKind.NONE,
    ]
    assert batch.summary().startswith(
        "5 replayed: 2 succeeded, 2 failed again (card_declined), 1 no outcome after "
    )

    cancel = threading.Event()
    cancel.set()
    assert follow_outcomes(db_path, sent, timeout=30, cancel=cancel).count(OutcomeKind.NONE) == 1
    store(db_path, outcome(4, exchange, Status.SUCCEEDED, None, after=timedelta(seconds=1)))
    assert follow_outcomes(db_path, sent, timeout=30).complete
