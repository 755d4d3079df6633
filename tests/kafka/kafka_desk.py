"""A desk on a Kafka topic, as the tests build it, and a foreign producer's records."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from confluent_kafka import KafkaError, Message

from opsdesk.config.kafka_settings import KafkaSettings
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.kafka_batch import KafkaBatch, kafka_log
from opsdesk.ingest.kafka_collect import request_backfill
from opsdesk.ingest.kafka_history import held_positions
from opsdesk.ingest.kafka_source import KafkaSource
from opsdesk.ingest.tap import Tap
from opsdesk.ingest.tap_state import TapListener
from opsdesk.ingest.thread_writer import ThreadWriter
from opsdesk.kafka.partitions import PartitionId
from opsdesk.store.errors import StoreError
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import LogPositions, read_positions
from tests.kafka.conftest import PARTITIONS, producer

Record = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]  # key, value, headers


def kafka_settings(bootstrap: str, topic: str, **changes: object) -> KafkaSettings:
    settings = KafkaSettings((bootstrap,), topics=(topic,), name="test", batch_interval=0.05)
    return replace(settings, **changes)  # type: ignore[arg-type]


def kafka_tap(
    settings: KafkaSettings, db: Path, listener: TapListener, backfill: BackfillStart | None = None
) -> tuple[Tap[KafkaBatch], KafkaSource]:
    """Built as collect builds it, with the window's writer (events come back)."""
    if backfill is not None:
        request_backfill(settings, db, backfill)
    source = KafkaSource(settings, partial(held_positions, db))
    return Tap(source, ThreadWriter(db, (), with_events=True), listener), source


def produce(bootstrap: str, topic: str, records: Sequence[Record]) -> Counter[tuple[str, str]]:
    """Produce `records`, each acknowledged by the broker; the places they got, as the
    history stores them: (kafka:TOPIC, PARTITION@OFFSET)."""
    places: Counter[tuple[str, str]] = Counter()
    failures: list[KafkaError] = []

    def delivered(error: KafkaError | None, message: Message) -> None:
        if error is not None:
            failures.append(error)
        else:
            places[(f"kafka:{topic}", f"{message.partition()}@{message.offset()}")] += 1

    client = producer(bootstrap)
    for key, value, headers in records:
        client.produce(topic, value, key, headers=headers, on_delivery=delivered)
        client.poll(0)
    assert client.flush(30) == 0, "every record delivered"
    assert not failures, failures
    return places


def native_records(first: int, count: int) -> list[Record]:
    """Payment events with ids e-<i>, keyed by payment (three payments), with a trace header."""
    return [native_record(i) for i in range(first, first + count)]


def native_record(i: int) -> Record:
    payment = f"pay-{i % 3}"
    body = {"event_id": f"e-{i}", "type": "payment.succeeded", "payment_id": payment}
    return payment.encode(), json.dumps(body).encode(), [("trace-id", f"t-{i}".encode())]


def stored_places(db: Path) -> Counter[tuple[str, str]]:
    """(exchange, routing key) of every stored event: a record stored twice counts twice."""
    with EventStore(db, readonly=True) as store:
        rows = store.db.execute("SELECT exchange, routing_key FROM events").fetchall()
    return Counter((exchange, key) for exchange, key in rows)


def positions(db: Path, cluster: str, topic: str) -> list[LogPositions]:
    """What the history holds of each partition (read-only: a collect may be writing)."""
    logs = [kafka_log(cluster, PartitionId(topic, p)) for p in range(PARTITIONS)]
    try:
        with EventStore(db, readonly=True) as store:
            return [read_positions(store.db.conn, log) for log in logs]
    except StoreError:  # not created yet, or being migrated by the desk
        return []
