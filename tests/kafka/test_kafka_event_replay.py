"""`opsdesk replay --event-id` on a Kafka record against Tansu: produced back to its topic with
its key, partition and idempotency key, guarded and audited like any event replay; and a
replay to Kafka alone needs no RabbitMQ (this profile's RabbitMQ does not answer)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from opsdesk.commands import replay
from opsdesk.config import Profile
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.events.decode import decode
from opsdesk.events.model import RawMessage
from opsdesk.events.replay_headers import REPLAY_OF, REPLAY_REASON
from opsdesk.operations.plan import Destination, OutcomeStatus
from opsdesk.operations.replay_guards import ALREADY_REPLAYED
from opsdesk.operations.service import Operations
from opsdesk.store.audit import AuditLog
from opsdesk.store.event_store import EventStore
from tests.commands.conftest import run_command
from tests.kafka.conftest import Tansu
from tests.kafka.kafka_desk import kafka_settings, produce
from tests.kafka.test_kafka_replay import payment_records, store_topic, topic_records
from tests.operations.conftest import make_profile

NO_RABBITMQ = BrokerEndpoint(url="amqp://guest:guest@127.0.0.1:1/%2F")  # refused at once


def kafka_only(settings: KafkaSettings) -> Profile:
    return replace(make_profile(), endpoint=NO_RABBITMQ, kafka=(settings,))


def test_an_exact_kafka_record_is_replayed_to_its_topic_guarded_and_audited(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    settings = kafka_settings(tansu.bootstrap, topic)
    produce(tansu.bootstrap, topic, payment_records(3) + payment_records(4))
    store_topic(settings, db, topic, timedelta(minutes=5))
    before = topic_records(settings, topic, 4)
    original = next(r for r in before if r[1] == b"pay-3")
    profile = kafka_only(settings)

    preview = run_command(replay, "--event-id", "req-3", "--reason", "PSP outage", "--dry-run",
                          "--json", profile=profile, history=db)  # fmt: skip
    assert preview.code == 0, preview.err
    (item,) = json.loads(preview.out)["items"]
    assert item["refusal"] is None and f"kafka:{topic}" in json.dumps(item["destination"])
    done = run_command(replay, "--event-id", "req-3", "--reason", "PSP outage", "--yes",
                       profile=profile, history=db)  # fmt: skip
    assert done.code == 0, done.err
    after = topic_records(settings, topic, 5)
    (copy,) = [r for r in after if REPLAY_OF in r[2]]
    assert copy[:2] == original[:2], "the original key, in the original's partition"
    assert copy[2][REPLAY_OF] == "req-3" and copy[2][REPLAY_REASON] == "PSP outage"
    assert copy[2]["trace-id"] == "t-3" and copy[2]["message_id"] != "req-3"
    with AuditLog(db, readonly=True) as audit:
        record, intent = audit.records(2)
    assert intent.outcome == "started" and record.outcome == "ok" and intent.id < record.id
    assert record.message_ids == ("req-3",)

    again = Operations(profile, db).plan_replay(["req-3"], reason="again")
    (guarded,) = again.items
    assert guarded.blocked and {g.guard for g in guarded.guards} == {ALREADY_REPLAYED}
    refused = run_command(replay, "--event-id", "req-3", "--reason", "again", "--yes",
                          profile=profile, history=db)  # fmt: skip
    assert refused.code == 1 and "already replayed" in refused.out + refused.err
    assert len(topic_records(settings, topic, 5)) == 5, "the guard held: nothing produced"


def test_the_body_goes_unchanged_with_its_idempotency_key_and_a_missing_topic_refuses(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    settings = kafka_settings(tansu.bootstrap, topic)
    produce(tansu.bootstrap, topic, payment_records(5))
    store_topic(settings, db, topic, timedelta(minutes=5))
    ops = Operations(kafka_only(settings), db)

    plan = ops.plan_replay(["req-5"], reason="x")
    (message,) = plan.replay_messages
    assert message.destination == Destination.kafka_topic("test", topic)
    assert json.loads(message.body)["idempotency_key"] == "idem-5"
    assert ops.execute(plan).outcomes[0].status is OutcomeStatus.DONE

    elsewhere = kafka_only(replace(settings, replay_topic=f"{topic}.nowhere"))
    (item,) = Operations(elsewhere, db).plan_replay(["fail-5"], reason="x").items
    assert item.refusal == f"Kafka topic '{topic}.nowhere' does not exist on cluster 'test'"

    body = b'{"event_id": "amqp-1", "payment_id": "pay-r", "idempotency_key": "k"}'
    with EventStore(db) as history:  # a RabbitMQ message the tap stored
        history.insert_batch([decode(RawMessage(body, "payments", "payment.requested"), "")])
    to_topic = Destination.kafka_topic("test", topic)
    (rabbit,) = ops.plan_replay(["amqp-1"], reason="x", destination=to_topic).items
    assert rabbit.refusal is not None and rabbit.refusal.startswith("it came from RabbitMQ")


def test_a_payment_replay_to_kafka_plans_and_runs_without_rabbitmq(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    settings = kafka_settings(tansu.bootstrap, topic)
    produce(tansu.bootstrap, topic, payment_records(6))
    store_topic(settings, db, topic, timedelta(minutes=5))
    ops = Operations(kafka_only(settings), db)
    plan = ops.plan_payment_replay(["pay-6"], reason="x")
    assert plan.blocked_count == 0
    result = ops.execute(plan)
    assert result.ok and result.done == 1
    assert len([r for r in topic_records(settings, topic, 3) if REPLAY_OF in r[2]]) == 1
