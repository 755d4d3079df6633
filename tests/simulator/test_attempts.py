"""How the simulated payment service answers a request, without a broker."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime

from opsdesk.simulator.attempts import (
    FAILED,
    IDEMPOTENT_REPLAYED,
    SUCCEEDED,
    Answer,
    IdempotencyLedger,
    Reply,
    answer_of,
    new_attempt,
    outcome_message,
)
from opsdesk.simulator.traffic import CAPTURE_FAILURES, DECLINE_CODES, PaymentTraffic

FIXED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def failed(attempt: str | None = None, code: str = "card_declined") -> Answer:
    return Answer("ev-f", "2024-05-01T12:00:00.000Z", FAILED, code, "05", 300, attempt)


def succeeded(attempt: str | None = None) -> Answer:
    return Answer("ev-s", "2024-05-01T12:00:00.000Z", SUCCEEDED, None, "00", 120, attempt)


def test_a_replay_of_a_failed_attempt_is_a_new_attempt_and_its_redelivery_a_repeat():
    ledger = IdempotencyLedger()
    assert ledger.reply_to("k", replay=False, message_id="req") == (Reply.NOTHING, None)
    # The first attempt's outcome is not out yet: a replay now would race it.
    assert ledger.reply_to("k", replay=True, message_id="r1") == (Reply.IN_PROGRESS, None)
    ledger.remember("k", failed())
    assert ledger.reply_to("k", replay=True, message_id="r1") == (Reply.NEW_ATTEMPT, failed())
    ledger.remember("k", failed(attempt="r1"))
    # The same replay message again (a redelivery): the same answer, not another attempt.
    assert ledger.reply_to("k", replay=True, message_id="r1") == (Reply.REPEAT, failed("r1"))
    # Another replay of the payment: another attempt.
    assert ledger.reply_to("k", True, "r2") == (Reply.NEW_ATTEMPT, failed("r1"))


def test_a_payment_that_succeeded_gets_its_success_again_and_never_a_new_attempt():
    ledger = IdempotencyLedger()
    ledger.remember("k", succeeded())
    for message_id in ("r1", "r2", None):
        assert ledger.reply_to("k", True, message_id) == (Reply.REPEAT, succeeded())
    ledger.remember("j", succeeded(attempt="r1"))  # a retry that succeeded
    assert ledger.reply_to("j", True, "r9") == (Reply.REPEAT, succeeded("r1"))


def test_a_request_that_is_not_a_replay_never_gets_an_answer_nor_changes_the_memory():
    ledger = IdempotencyLedger()
    ledger.remember("k", failed())
    assert ledger.reply_to("k", replay=False, message_id="req") == (Reply.NOTHING, None)
    assert ledger.answer("k") == failed()  # not reset to "in progress" by a duplicate
    assert ledger.reply_to(None, replay=False, message_id="req") == (Reply.NOTHING, None)


def test_unknown_or_missing_keys_are_new_attempts_as_at_a_provider_that_forgot_them():
    ledger = IdempotencyLedger()
    assert ledger.reply_to("never-seen", True, "r1") == (Reply.NEW_ATTEMPT, None)
    assert ledger.reply_to(None, True, "r1") == (Reply.NEW_ATTEMPT, None)


def test_memory_is_bounded_and_forgets_the_least_recently_used_key_first():
    ledger = IdempotencyLedger(capacity=3)
    for key in ("a", "b", "c"):
        ledger.remember(key, succeeded())
    ledger.reply_to("a", True, "r")  # used: "b" is now the oldest
    ledger.remember("d", succeeded())
    assert len(ledger) == 3
    assert ledger.answer("b") is None
    assert ledger.reply_to("b", True, "r") == (Reply.NEW_ATTEMPT, None)
    assert all(ledger.answer(key) == succeeded() for key in ("a", "c", "d"))


def test_new_attempts_succeed_at_the_configured_rate():
    rng = random.Random(11)
    outcomes = Counter(new_attempt(rng, 0.7, failed(), "r", FIXED).event_type for _ in range(4000))
    assert 0.67 < outcomes[SUCCEEDED] / 4000 < 0.73
    assert {new_attempt(rng, 1.0, failed(), "r", FIXED).event_type for _ in range(200)} == {
        SUCCEEDED
    }
    assert {new_attempt(rng, 0.0, failed(), "r", FIXED).event_type for _ in range(200)} == {FAILED}
    a, b = random.Random(5), random.Random(5)
    assert [new_attempt(a, 0.7, None, "r", FIXED) for _ in range(50)] == [
        new_attempt(b, 0.7, None, "r", FIXED) for _ in range(50)
    ]


def test_a_failed_retry_keeps_the_earlier_decline_else_draws_one():
    rng = random.Random(3)
    retry = new_attempt(rng, 0.0, failed(code="insufficient_funds"), "r2", FIXED)
    assert (retry.error_code, retry.response_code, retry.attempt) == (
        "insufficient_funds",
        "05",
        "r2",
    )
    assert retry.occurred_at == "2024-05-01T12:00:00.000Z"
    codes = {new_attempt(rng, 0.0, None, "r", FIXED).error_code for _ in range(300)}
    assert codes <= set(DECLINE_CODES) | set(CAPTURE_FAILURES)
    assert len(codes) > 3
    succeeded_retry = new_attempt(rng, 1.0, failed(), "r", FIXED)
    assert (succeeded_retry.error_code, succeeded_retry.response_code) == (None, "00")


def test_an_outcome_rebuilt_from_the_request_is_the_generators_own_event_byte_for_byte():
    """The processor's answers have the shape the desk already decodes: the generator's."""
    traffic = PaymentTraffic(
        random.Random(8), failure_rate=0.5, pan_leak_rate=0.2, clock=lambda: FIXED
    )
    requests: dict[str, dict] = {}
    checked = Counter[str]()
    for _ in range(3000):
        message = traffic.next_event()
        body = json.loads(message.body)
        if message.event_type == "payment.requested":
            requests[body["payment_id"]] = body
        known = answer_of(message)
        if known is None:
            continue
        key, answer = known
        assert key == body["idempotency_key"]
        rebuilt = outcome_message(requests[body["payment_id"]], answer)
        assert rebuilt == message
        checked[answer.event_type] += 1
    assert checked[SUCCEEDED] > 100 and checked[FAILED] > 100


def test_a_repeat_is_the_same_event_marked_as_an_idempotent_repeat():
    request = {"payment_id": "pay_1", "merchant": "m", "idempotency_key": "k", "gateway": {}}
    plain = outcome_message(request, succeeded())
    repeat = outcome_message(request, succeeded(), repeat=True)
    assert repeat.body == plain.body and repeat.message_id == plain.message_id == "ev-s"
    assert repeat.headers == {**plain.headers, IDEMPOTENT_REPLAYED: True}
    assert IDEMPOTENT_REPLAYED not in plain.headers
