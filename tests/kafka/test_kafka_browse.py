"""Browsing a topic against Tansu: at an offset, a time, the earliest; nothing consumed; the same
detail view as a queue message."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.kafka.client_config import desk_group_id
from opsdesk.operations.kafka_browse import browse_topic
from opsdesk.ui.operations.message_details import MessageDetailsPane
from tests.conftest import poll_until
from tests.ingest.test_tap import Recorder
from tests.kafka.conftest import Tansu
from tests.kafka.kafka_desk import kafka_settings, kafka_tap, native_records, produce
from tests.kafka.test_kafka_collect import group_offsets
from tests.kafka.test_kafka_source import backfill_done

PAN = "4111111111111111"


def test_a_partition_at_an_offset_and_a_topic_from_its_earliest_record(
    tansu: Tansu, admin: AdminClient, topic: str
) -> None:
    places = produce(tansu.bootstrap, topic, native_records(0, 30))
    group = f"svc-{topic}"
    service = Consumer({"bootstrap.servers": tansu.bootstrap, "group.id": group})
    service.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
    service.close()
    settings = kafka_settings(tansu.bootstrap, topic)

    at_offset = browse_topic(settings, None, topic, 3, partition=0, limit=4)
    assert [m.routing_key for m in at_offset.messages] == ["0@3", "0@4", "0@5", "0@6"]
    assert [m.position for m in at_offset.messages] == [3, 4, 5, 6]
    everything = browse_topic(settings, None, topic, "earliest", limit=100)
    assert {(m.exchange, m.routing_key) for m in everything.messages} == set(places)
    assert everything.complete and len(everything.messages) == 30
    again = browse_topic(settings, None, topic, "earliest", limit=100)
    assert again.messages == everything.messages, "nothing was consumed"
    assert group_offsets(admin, group) == {(topic, 0): 2}, "no one's offsets moved"
    groups = {g.group_id for g in admin.list_consumer_groups().result(timeout=30).valid}
    assert desk_group_id() not in groups


def test_from_a_time_and_in_the_queue_messages_detail_view_with_the_history_copy(
    tansu: Tansu, topic: str, tmp_path: Path, qtbot
) -> None:
    produce(tansu.bootstrap, topic, native_records(0, 6))
    acknowledged = time.time()
    poll_until(lambda: time.time() >= acknowledged + 0.002, 1, "the clock stands still")
    since = datetime.now(UTC)
    card = (b"pay-9", b'{"event_id": "e-card", "payment_id": "pay-9", "card": "%s"}' % PAN.encode(),
            [("trace-id", b"t-card")])  # fmt: skip
    (place,) = produce(tansu.bootstrap, topic, [card])
    db = tmp_path / "history.sqlite"
    recorder = Recorder()  # the desk stores the record first: the view says it holds it
    tap, source = kafka_tap(
        kafka_settings(tansu.bootstrap, topic), db, recorder, BackfillStart(since)
    )
    tap.start()
    try:
        poll_until(lambda: backfill_done(source), 30, "the backfill did not end")
    finally:
        tap.stop()
    assert recorder.counters.stored == 1, "partitions with nothing that recent: nothing read"

    browsed = browse_topic(kafka_settings(tansu.bootstrap, topic), db, topic, since)
    (message,) = browsed.messages
    assert (message.exchange, message.routing_key) == place
    assert message.message_id == "e-card" and "e-card" in browsed.recorded
    pane = MessageDetailsPane()
    qtbot.addWidget(pane)
    pane.show_message(message, browsed.recorded.get(message.message_id))
    shown = pane.summary.toPlainText() + pane.payload.toPlainText()
    assert f"kafka:{topic}" in shown and place[1] in shown
    assert '"kafka_key": "pay-9"' in shown and '"trace-id": "t-card"' in shown
    assert "411111******1111" in shown and PAN not in shown
    assert "already holds this message" in pane.note_label.text()


def test_a_topic_the_cluster_does_not_have_is_said(tansu: Tansu) -> None:
    with pytest.raises(ValueError, match=r"no topic 'no\.such\.topic'"):
        browse_topic(kafka_settings(tansu.bootstrap, "x"), None, "no.such.topic", "earliest")
