"""Payment replay to Kafka against Tansu: the request produced back with its key and the replay
headers, audited, guarded per payment as a RabbitMQ replay; never sent into RabbitMQ unasked."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition
from confluent_kafka.admin import AdminClient

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.config.replay_settings import ReplaySettings
from opsdesk.events.decode import decode
from opsdesk.events.replay_headers import (
    REPLAY_ATTEMPT,
    REPLAY_OF,
    REPLAY_REASON,
    REPLAYED_AT,
    REPLAYED_BY,
)
from opsdesk.ingest.kafka_message import record_raw_message
from opsdesk.kafka.record_browse import read_records
from opsdesk.operations.plan import Destination, OutcomeStatus
from opsdesk.operations.replay_guards import ALREADY_REPLAYED, MAX_ATTEMPTS
from opsdesk.operations.service import Operations
from opsdesk.store.audit import AuditLog
from opsdesk.store.event_store import EventStore
from tests.kafka.conftest import Tansu, create_topic
from tests.kafka.kafka_desk import Record, kafka_settings, produce
from tests.operations.conftest import make_profile

pytestmark = pytest.mark.broker  # a plan also opens the profile's RabbitMQ connection


def payment_records(n: int) -> list[Record]:
    """pay-<n>'s request and its failure, keyed by the payment, with a trace header."""
    request = {
        "event_id": f"req-{n}", "type": "payment.requested", "payment_id": f"pay-{n}",
        "merchant": "acme", "amount_minor": 1000 + n, "currency": "EUR",
        "idempotency_key": f"idem-{n}",
    }  # fmt: skip
    failed = {"event_id": f"fail-{n}", "type": "payment.failed", "payment_id": f"pay-{n}",
              "error_code": "gateway_timeout"}  # fmt: skip
    key = f"pay-{n}".encode()
    return [
        (key, json.dumps(request).encode(), [("trace-id", f"t-{n}".encode())]),
        (key, json.dumps(failed).encode(), [("trace-id", f"t-{n}".encode())]),
    ]


def store_topic(settings: KafkaSettings, db: Path, topic: str, age: timedelta) -> int:
    """Every record of `topic` into the history, decoded as the writer does, received `age`
    ago; how many records."""
    page = read_records(settings, topic, "earliest", limit=1000)
    when = (datetime.now(UTC) - age).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with EventStore(db) as history:
        history.insert_batch([decode(record_raw_message(r), when) for r in page.records])
    return len(page.records)


def topic_records(
    settings: KafkaSettings, topic: str, expected: int
) -> list[tuple[int, bytes | None, dict[str, str]]]:
    """(partition, key, headers as text) of the `expected` records of `topic`, read from its
    start by assignment (not by the topic's ends: Tansu answers a batch's first offset + 1,
    and the replay producer batches); a deadline, then a check that no more came."""
    consumer = Consumer({"bootstrap.servers": tansu_of(settings), "group.id": "test-reader",
                         "enable.auto.commit": False})  # fmt: skip
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    records: list[Message] = []
    try:
        deadline = time.monotonic() + 10
        while len(records) < expected and time.monotonic() < deadline:
            records += [r for r in consumer.consume(10, timeout=0.2) if r.error() is None]
        records += [r for r in consumer.consume(10, timeout=0.3) if r.error() is None]
    finally:
        consumer.close()
    return [
        (r.partition() or 0, r.key(), {k: (v or b"").decode() for k, v in r.headers() or []})
        for r in sorted(records, key=lambda r: (r.partition() or 0, r.offset() or 0))
    ]


def tansu_of(settings: KafkaSettings) -> str:
    return settings.bootstrap_servers[0]


def desk(db: Path, settings: KafkaSettings, **replay: object) -> Operations:
    profile = replace(
        make_profile(),
        kafka=(settings,),
        replay=replace(ReplaySettings(), **replay),  # type: ignore[arg-type]
    )
    return Operations(profile, db)


def test_a_kafka_payment_is_replayed_to_its_topic_with_its_key_partition_and_replay_headers(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    settings = kafka_settings(tansu.bootstrap, topic)
    produce(tansu.bootstrap, topic, payment_records(1) + payment_records(2))
    assert store_topic(settings, db, topic, timedelta(minutes=30)) == 4
    before = topic_records(settings, topic, 4)
    original = next(r for r in before if r[2].get("trace-id") == "t-1")
    ops = desk(db, settings)

    plan = ops.plan_payment_replay(["pay-1"], reason="PSP outage")
    (payment,) = plan.replay_payments
    assert payment.destination == Destination.kafka_topic("test", topic)
    assert (payment.send_event_id, payment.attempt, payment.refusal) == ("req-1", 1, None)
    assert (
        plan.blocked_count == 0 and topic_records(settings, topic, 4) == before
    )  # a plan sends nothing

    result = ops.execute(plan)
    assert result.ok and result.done == 1
    (outcome,) = result.outcomes
    assert outcome.payment_id == "pay-1" and outcome.sent_at and outcome.new_message_id
    after = topic_records(settings, topic, 5)
    assert len(after) == 5
    (copy,) = [r for r in after if REPLAY_OF in r[2]]
    partition, key, headers = copy
    assert (partition, key) == (original[0], b"pay-1"), "the original key, in its partition"
    assert headers[REPLAY_OF] == "req-1" and headers[REPLAY_ATTEMPT] == "1"
    assert headers[REPLAYED_BY] == "tester" and headers[REPLAY_REASON] == "PSP outage"
    assert headers[REPLAYED_AT] == outcome.sent_at and headers["trace-id"] == "t-1"
    assert headers["message_id"] == outcome.new_message_id != "req-1"
    with AuditLog(db, readonly=True) as audit:
        record, intent = audit.records(2)
    assert intent.outcome == "started" and record.outcome == "ok"
    assert intent.id < record.id and record.message_ids == ("req-1",)
    assert record.detail["replayed_payments"]["req-1"] == ["pay-1", 1]

    # The copy read back into the history is a replay copy of the payment, with no outcome yet.
    store_topic(settings, db, topic, timedelta(0))
    with EventStore(db, readonly=True) as history:
        copies = history.db.execute(
            "SELECT replay_of, replay_attempt, idempotency_key FROM events"
            " WHERE replay_of IS NOT NULL"
        ).fetchall()
    assert [tuple(row) for row in copies] == [("req-1", 1, "idem-1")]
    again = desk(db, settings, max_attempts=1).plan_payment_replay(["pay-1", "pay-2"], reason="x")
    first, second = again.replay_payments
    assert {g.guard for g in first.guards} == {ALREADY_REPLAYED, MAX_ATTEMPTS}
    assert first.blocked and not second.blocked
    refused = desk(db, settings, max_attempts=1).execute(again)
    assert [o.status for o in refused.outcomes] == [OutcomeStatus.REFUSED, OutcomeStatus.DONE]
    assert len(topic_records(settings, topic, 6)) == 6, "only pay-2's request was produced"


def test_a_kafka_request_never_goes_to_the_profiles_rabbitmq_replay_exchange_unasked(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    settings = kafka_settings(tansu.bootstrap, topic)
    produce(tansu.bootstrap, topic, payment_records(1))
    store_topic(settings, db, topic, timedelta(minutes=30))
    ops = desk(db, settings, exchange="amq.topic")

    plan = ops.plan_payment_replay(["pay-1"], reason="x")
    (payment,) = plan.replay_payments
    assert payment.refusal is not None and "RabbitMQ" in payment.refusal
    assert "replay_topic" in payment.refusal and plan.replay_messages == ()
    result = ops.execute(plan)
    assert result.outcomes[0].status is OutcomeStatus.REFUSED
    assert len(topic_records(settings, topic, 2)) == 2, "nothing produced"

    chosen = Destination("amq.topic", "payment.requested")
    explicit = ops.plan_payment_replay(["pay-1"], reason="x", destination=chosen)
    assert explicit.replay_payments[0].refusal is None
    assert explicit.replay_payments[0].destination == chosen


def test_a_retry_topic_gets_the_replay_and_a_missing_one_refuses_it(
    tansu: Tansu, admin: AdminClient, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    retry = create_topic(admin, f"{topic}.retry")
    settings = kafka_settings(tansu.bootstrap, topic, replay_topic=retry)
    produce(tansu.bootstrap, topic, payment_records(1))
    store_topic(settings, db, topic, timedelta(minutes=30))

    missing = replace(settings, replay_topic=f"{topic}.nowhere")
    refused = desk(db, missing).plan_payment_replay(["pay-1"], reason="x")
    assert refused.replay_payments[0].refusal == (
        f"Kafka topic '{topic}.nowhere' does not exist on cluster 'test'"
    )

    result = desk(db, settings).execute(
        desk(db, settings).plan_payment_replay(["pay-1"], reason="x")
    )
    assert result.ok
    ((_, key, headers),) = topic_records(settings, retry, 1)
    assert key == b"pay-1" and headers[REPLAY_OF] == "req-1"
    assert len(topic_records(settings, topic, 2)) == 2, "the source topic is left alone"
