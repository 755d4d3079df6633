"""Dead-lettering Kafka records against Tansu: a copy to `<topic>.dlq` with the same key and
headers plus why, audited; the records stay on their topic; a missing topic refuses."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

from opsdesk.events.replay_headers import REPLAY_OF
from opsdesk.operations.kafka_dead_letter import (
    DEAD_LETTER_FROM,
    DEAD_LETTER_REASON,
    DEAD_LETTERED_BY,
)
from opsdesk.operations.kafka_replay_message import DEAD_LETTERED_AT
from opsdesk.operations.plan import Action, Destination, OutcomeStatus
from opsdesk.store.audit import AuditLog
from tests.kafka.conftest import Tansu, create_topic
from tests.kafka.kafka_desk import kafka_settings, produce
from tests.kafka.test_kafka_replay import desk, payment_records, store_topic, topic_records

pytestmark = pytest.mark.broker  # a run also opens the profile's RabbitMQ connection


def test_records_are_copied_to_the_dead_letter_topic_with_their_key_headers_and_why(
    tansu: Tansu, admin: AdminClient, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    settings = kafka_settings(tansu.bootstrap, topic)
    produce(tansu.bootstrap, topic, payment_records(1))
    store_topic(settings, db, topic, timedelta(minutes=5))
    ops = desk(db, settings)

    refused = ops.plan_kafka_dead_letter(["req-1"], reason="poison")
    assert refused.items[0].refusal == (
        f"Kafka topic '{topic}.dlq' does not exist on cluster 'test'"
    )
    dlq = create_topic(admin, f"{topic}.dlq")
    plan = ops.plan_kafka_dead_letter(["req-1", "fail-1", "nope"], reason="poison")
    assert plan.action is Action.DEAD_LETTER and plan.blocked_count == 1
    assert plan.destinations == (Destination.kafka_topic("test", dlq),)
    result = ops.execute(plan)
    assert [o.status for o in result.outcomes] == [
        OutcomeStatus.DONE, OutcomeStatus.DONE, OutcomeStatus.REFUSED,
    ]  # fmt: skip

    copies = topic_records(settings, dlq, 2)
    assert len(copies) == 2 and len(topic_records(settings, topic, 2)) == 2, "records stay"
    for _, key, headers in copies:
        assert key == b"pay-1" and headers["trace-id"] == "t-1"
        assert headers[DEAD_LETTER_REASON] == "poison" and headers[DEAD_LETTERED_BY] == "tester"
        assert headers[DEAD_LETTER_FROM].startswith(f"{topic}/")
        assert headers[DEAD_LETTERED_AT] and REPLAY_OF not in headers
    assert {h["message_id"] for _, _, h in copies} == {"req-1", "fail-1"}, "the same events"
    with AuditLog(db, readonly=True) as audit:
        record, intent = audit.records(2)
    assert (intent.action, intent.outcome) == ("dead-letter", "started")
    assert record.outcome == "partial" and set(record.message_ids) == {"req-1", "fail-1"}
