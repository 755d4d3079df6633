"""`opsdesk replay` by payment: ids or filters, the plan in payment terms, exit codes, --follow."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pika
import pytest

from opsdesk.commands import replay
from opsdesk.events.model import Status
from opsdesk.events.replay_headers import REPLAY_ATTEMPT, REPLAY_OF
from tests.commands.conftest import Ran, run_command
from tests.conftest import BROKER_URL, BrokerObjects
from tests.operations.conftest import drain, make_profile
from tests.operations.payment_history import failed_payment, outcome, store

pytestmark = pytest.mark.broker

WHY = ("--reason", "PSP outage")


def run(db_path: Path, *argv: str) -> Ran:
    return run_command(replay, *argv, profile=make_profile(), history=db_path)


def test_payments_by_id_preview_in_payment_terms_and_replay(
    broker: BrokerObjects, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, queue = payments
    store(db_path, *failed_payment(1, exchange), *failed_payment(2, exchange, "gateway_timeout"))
    dry = run(db_path, "--payment-id", "pay_1", "--payment-id", "pay_2", *WHY, "--dry-run")
    assert dry.code == 0 and broker.message_count(queue) == 0
    assert (
        "payment pay_2 (acme, 1002 EUR minor units, failed: gateway_timeout): sends its request "
        f"payment.requested req-2 as attempt 1 -> exchange {exchange!r} with routing key "
        "'payment.requested' [ok]"
    ) in dry.out
    document = json.loads(run(db_path, "--payment-id", "pay_1", *WHY, "--dry-run", "--json").out)
    (payment,) = document["payments"]
    assert payment["payment_id"] == "pay_1" and payment["send_event_id"] == "req-1"
    assert payment["attempts"] == 0 and payment["last_error"] == "card_declined"
    assert document["messages"][0]["headers"][REPLAY_ATTEMPT] == 1

    done = run(db_path, "--payment-id", "pay_1", "--payment-id", "pay_2", *WHY, "--yes", "--json")
    assert done.code == 0
    result = json.loads(done.out)
    assert result["done"] == 2 and [o["payment_id"] for o in result["outcomes"]] == [
        "pay_1",
        "pay_2",
    ]
    assert [m.props.headers[REPLAY_OF] for m in drain(broker, queue)] == ["req-1", "req-2"]


def test_payments_by_filter_and_a_refused_one_fails_the_command_saying_why(
    broker: BrokerObjects, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, queue = payments
    store(
        db_path,
        *failed_payment(1, exchange, "gateway_timeout"),
        *failed_payment(2, exchange, "gateway_timeout"),
        *failed_payment(3, exchange, "card_declined"),
        outcome(2, exchange, Status.SUCCEEDED, None, tag="-late"),
    )
    chosen = ("--status", "failed", "--error-code", "gateway_timeout", "--merchant", "acme")
    done = run(db_path, *chosen, "--since", "2h", *WHY, "--yes")
    assert done.code == 1
    assert "finished: 1 done, 1 not done" in done.out
    assert "payment pay_2 (req-2) refused" in done.out and "succeeded" in done.out
    assert [m.props.headers[REPLAY_OF] for m in drain(broker, queue)] == ["req-1"]

    forced = run(
        db_path, *chosen, *WHY, "--yes", "--force", "payment_succeeded", "already_replayed"
    )
    assert forced.code == 0 and len(drain(broker, queue)) == 2


@pytest.mark.parametrize(
    "argv",
    [
        (*WHY, "--yes"),  # nothing named
        ("--payment-id", "p", "--event-id", "e", *WHY),  # two ways at once
        ("--payment-id", "p", "--status", "failed", *WHY),
        ("--event-id", "e", "--follow", "5", *WHY),  # only payments are followed
        ("--payment-id", "p", "--reason", "  "),
    ],
)
def test_options_that_cannot_be_read(db_path: Path, argv: tuple[str, ...]) -> None:
    assert run(db_path, *argv).code == 2


def _processor(queue: str, db_path: Path, exchange: str, count: int) -> threading.Thread:
    """A payment processor: answers each replayed request (pay_1 succeeds, others fail)."""

    def answer() -> None:
        connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        try:
            channel = connection.channel()
            for answered, (method, _props, body) in enumerate(
                channel.consume(queue, inactivity_timeout=10), start=1
            ):
                if method is None:
                    return
                n = int(json.loads(body)["payment_id"][4:])
                status = Status.SUCCEEDED if n == 1 else Status.FAILED
                code = None if n == 1 else "insufficient_funds"
                store(db_path, outcome(n, exchange, status, code, timedelta(seconds=1), "-r"))
                channel.basic_ack(method.delivery_tag)
                if answered == count:
                    return
        finally:
            connection.close()

    return threading.Thread(target=answer, name="test-processor")


def test_follow_waits_for_each_payments_outcome(
    broker: BrokerObjects, payments: tuple[str, str], db_path: Path
) -> None:
    exchange, queue = payments
    store(db_path, *(e for n in (1, 2, 3) for e in failed_payment(n, exchange)))
    processor = _processor(queue, db_path, exchange, 3)
    processor.start()
    try:
        done = run(db_path, "--status", "failed", *WHY, "--yes", "--follow", "30")
    finally:
        processor.join(30)
    assert done.code == 0
    assert "outcomes: 3 replayed: 1 succeeded, 2 failed again (insufficient_funds)" in done.out, (
        done.out
    )

    store(db_path, *failed_payment(4, exchange))
    quiet = run(db_path, "--payment-id", "pay_4", *WHY, "--yes", "--follow", "0.5", "--json")
    assert quiet.code == 0
    result, followed = quiet.out.strip().rsplit("\n", 1)
    assert json.loads(result)["done"] == 1
    follow = json.loads(followed)
    assert follow["follow"].startswith("1 replayed: 1 no outcome after")
    assert follow["outcomes"][0]["kind"] == "no_outcome"
    drain(broker, queue)
