"""The Kafka source against Tansu: every record of every partition once, resumed exactly."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka.admin import AdminClient

from opsdesk.events.model import Status
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.kafka_source import KafkaSource
from opsdesk.ingest.tap_state import TapPhase
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import LogPositions
from tests.conftest import poll_until
from tests.ingest.test_tap import Recorder
from tests.kafka.conftest import PARTITIONS, Tansu, create_topic, tansu_binary
from tests.kafka.kafka_desk import (
    Record,
    kafka_settings,
    kafka_tap,
    native_records,
    positions,
    produce,
    stored_places,
)

PAN = "4111111111111111"


def foreign_records(n: int = 0) -> list[Record]:
    """What a foreign producer puts on a payments topic: keys, headers, several shapes; ids of
    their own for each `n` (the topics of one test)."""
    tag = f"-{n}" if n else ""
    stripe = {"id": "evt_1", "object": "event", "type": "charge.failed",
              "data": {"object": {"id": "ch_1", "amount": 500, "currency": "eur"}}}  # fmt: skip
    cloud = {"specversion": "1.0", "id": f"c-1{tag}", "source": "/psp",
             "type": "payment.succeeded", "data": {"payment_id": "pay-c", "card": PAN}}  # fmt: skip
    return [
        *native_records(1000 * n, 30),
        (b"ch_1", json.dumps(stripe).encode(), [("message_id", f"m-stripe{tag}".encode())]),
        (b"pay-c", json.dumps(cloud).encode(), [("content-type", b"application/cloudevents+json")]),
        (
            b"pay-b",
            b'{"payment_id": "pay-b"}',
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", f"b-1{tag}".encode()),
                ("ce_source", b"/psp"),
                ("ce_type", b"payment.failed"),
            ],
        ),
        (None, b"\xff\xfe not utf-8", []),
        (None, b"\xff\xfe not utf-8", []),  # the same bytes again: a second record all the same
        (PAN.encode(), json.dumps({"payment_id": "pay-p", "card": PAN}).encode(), []),
        (b"pay-t", None, []),  # a tombstone
    ]


def backfill_done(source: KafkaSource) -> bool:
    progress = source.backfill_progress()
    return progress is not None and progress.done


def test_every_record_of_every_partition_is_stored_once_and_a_restart_resumes_exactly(
    tansu: Tansu, admin: AdminClient, topic: str, tmp_path: Path
) -> None:
    """3 topics x 3 partitions, each with the foreign producer's mixed records."""
    db = tmp_path / "history.sqlite"
    others = [create_topic(admin, f"{topic}.{n}") for n in (1, 2)]
    settings = kafka_settings(tansu.bootstrap, topic, batch_size=7, topics=(topic, *others))
    produced = produce(tansu.bootstrap, topic, foreign_records())
    by_topic = {t: produce(tansu.bootstrap, t, foreign_records(n)) for n, t in enumerate(others, 1)}
    everything = produced + sum(by_topic.values(), Counter())
    recorder = Recorder()
    tap, source = kafka_tap(settings, db, recorder, BackfillStart.parse("first"))
    tap.start()
    try:
        recorder.wait_for(lambda: recorder.counters.stored == len(everything))
        poll_until(lambda: backfill_done(source), 30, "the backfill did not end")
    finally:
        tap.stop()
    assert len(everything) == 3 * len(produced) and len({t for t, _ in everything}) == 3
    assert stored_places(db) == everything, "each record once, where the producer put it"
    assert recorder.counters.duplicates == 0
    for name, places in [(topic, produced), *by_topic.items()]:
        ends = [LogPositions(live=high - 1) for high in partition_ends(places)]
        assert positions(db, settings.name, name) == ends, "live from the end, no backfill row"
    with EventStore(db, readonly=True) as store:
        events = {e.event_id: e for e in store.latest(1000)}
        text = store.db.execute("SELECT group_concat(body || headers || properties) FROM events")
        assert PAN not in text.fetchone()[0]
    assert events["e-4"].payment_id == "pay-1" and events["e-4"].status is Status.SUCCEEDED
    assert json.loads(events["e-4"].properties)["kafka_key"] == "pay-1"
    assert json.loads(events["e-4"].headers) == {"trace-id": "t-4"}
    assert events["m-stripe"].format == "stripe" and events["m-stripe"].status is Status.FAILED
    assert events["/psp#c-1"].payment_id == "pay-c"
    assert events["/psp#b-1"].status is Status.FAILED, "CloudEvents binary mode, ce_ headers"

    more = produce(tansu.bootstrap, topic, native_records(100, 40))  # while the desk is closed
    again = Recorder()
    tap, _ = kafka_tap(settings, db, again)
    tap.start()
    try:
        again.wait_for(lambda: again.counters.stored == 40)
    finally:
        tap.stop()
    assert again.counters.received == 40 and again.counters.duplicates == 0, "nothing re-read"
    assert stored_places(db) == everything + more


def test_a_new_desk_reads_from_now_on_and_holds_its_start_before_any_record(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    settings = kafka_settings(tansu.bootstrap, topic)
    before = produce(tansu.bootstrap, topic, native_records(0, 12))
    recorder = Recorder()
    tap, _ = kafka_tap(settings, db, recorder)
    tap.start()
    try:
        recorder.wait_connected()
        ends = [LogPositions(live=high - 1) for high in partition_ends(before)]
        poll_until(lambda: positions(db, settings.name, topic) == ends, 30, "no start stored")
        after = produce(tansu.bootstrap, topic, native_records(12, 9))
        recorder.wait_for(lambda: recorder.counters.stored == 9)
    finally:
        tap.stop()
    assert stored_places(db) == after, "what was there before is a backfill's, not live's"


def test_a_backfill_from_a_time_reads_from_that_time_on(
    tansu: Tansu, topic: str, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    earlier = produce(tansu.bootstrap, topic, native_records(0, 9))
    # Acknowledged, so stored before `since`: at least a millisecond before, as time is kept.
    acknowledged = time.time()
    poll_until(lambda: time.time() >= acknowledged + 0.002, 1, "the clock stands still")
    since = BackfillStart(datetime.now(UTC))
    later = produce(tansu.bootstrap, topic, native_records(9, 9))
    recorder = Recorder()
    tap, source = kafka_tap(kafka_settings(tansu.bootstrap, topic), db, recorder, since)
    tap.start()
    try:
        poll_until(lambda: backfill_done(source), 30, "the backfill did not end")
    finally:
        tap.stop()
    assert stored_places(db) == later and len(earlier) == 9
    progress = source.backfill_progress()
    assert progress is not None and (progress.stored, progress.fraction()) == (9, 1.0)


def partition_ends(places: object) -> list[int]:
    """The next offset of each partition after the producer's records (all from offset 0)."""
    assert isinstance(places, dict)
    ends = [0, 0, 0]
    for _exchange, place in places:
        partition, offset = map(int, place.split("@"))
        ends[partition] = max(ends[partition], offset + 1)
    return ends


def test_a_broker_that_lost_its_data_is_said_and_nothing_of_it_skipped_or_stored_twice(
    tmp_path: Path,
) -> None:
    """Tansu in memory restarted: the same topic, empty again, its offsets back at 0."""
    binary = tansu_binary()
    assert binary is not None
    broker = Tansu(binary, tmp_path / "tansu.log")  # its own: the session's keeps its topics
    broker.start()
    try:
        topic = create_topic(AdminClient({"bootstrap.servers": broker.bootstrap}), "payments")
        db = tmp_path / "history.sqlite"
        settings = kafka_settings(broker.bootstrap, topic)
        recorder = Recorder()
        tap, source = kafka_tap(settings, db, recorder)
        tap.start()
        try:
            new_desk = [LogPositions(live=-1)] * PARTITIONS
            poll_until(lambda: positions(db, settings.name, topic) == new_desk, 30, "not started")
            before = produce(broker.bootstrap, topic, native_records(0, 30))
            recorder.wait_for(lambda: recorder.counters.stored == 30)
            held = positions(db, settings.name, topic)
            broker.stop()
            broker.start()  # empty: its data was in memory
            create_topic(AdminClient({"bootstrap.servers": broker.bootstrap}), topic)
            produce(broker.bootstrap, topic, native_records(100, 6))

            def said() -> bool:
                return source.describe().count("before offset") == PARTITIONS

            poll_until(said, 60, f"not said: {source.describe()}")
        finally:
            tap.stop()
    finally:
        broker.stop()
    assert any(s.phase is TapPhase.RECONNECTING for s in recorder.states)
    assert "the cluster lost records the history holds" in source.describe()
    assert stored_places(db) == before, "the new records are neither stored nor skipped over"
    assert positions(db, settings.name, topic) == held
