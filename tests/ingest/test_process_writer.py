"""The child-process writer: commits in order, reports counts, fails as a StoreError."""

from __future__ import annotations

import json
import threading
from functools import partial
from pathlib import Path

import pika

from opsdesk.broker.deliveries import Delivery
from opsdesk.ingest.classic_tap import DeliveryBatch
from opsdesk.ingest.commit_report import CommitReport
from opsdesk.ingest.process_writer import ProcessWriter
from opsdesk.store.event_store import EventStore, StoreError


def batch(first: int, count: int) -> DeliveryBatch:
    deliveries = [
        Delivery(
            i + 1,
            "payments.events",
            "payment.succeeded",
            False,
            pika.BasicProperties(message_id=f"m-{i}"),
            json.dumps({"type": "payment.succeeded", "payment_id": f"p-{i}"}).encode(),
        )
        for i in range(first, first + count)
    ]
    not_utf8 = b"\xff" + str(first).encode()  # its identity is its content hash
    deliveries.append(
        Delivery(first + count + 1, "payments.events", "x", False, pika.BasicProperties(), not_utf8)
    )
    return DeliveryBatch(1, deliveries)


class Reports:
    def __init__(self) -> None:
        self.committed: list[tuple[int, CommitReport]] = []
        self.fatal: list[StoreError] = []
        self.changed = threading.Condition()

    def on_committed(self, batch: DeliveryBatch, report: CommitReport) -> None:
        with self.changed:
            self.committed.append((batch.deliveries[0].delivery_tag, report))
            self.changed.notify_all()

    def put(self, writer: ProcessWriter, batch: DeliveryBatch) -> None:
        writer.put(batch, partial(self.on_committed, batch))

    def on_fatal(self, exc: StoreError) -> None:
        with self.changed:
            self.fatal.append(exc)
            self.changed.notify_all()


def test_batches_commit_in_order_with_counts_and_no_events(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    reports = Reports()
    writer = ProcessWriter(db, with_events=False)
    writer.start(reports.on_fatal)
    try:
        assert writer.ready.wait(60)
        for first in (0, 10, 20, 0):  # the last one again: all duplicates
            reports.put(writer, batch(first, 10))
    finally:
        writer.stop()
    assert not writer.is_alive() and writer.pending() == 0
    assert reports.fatal == []
    assert [tag for tag, _ in reports.committed] == [1, 11, 21, 1]
    assert [r.stored for _, r in reports.committed] == [11, 11, 11, 0]
    assert [r.duplicates for _, r in reports.committed] == [0, 0, 0, 11]
    assert all(r.decode_errors == (1 if r.stored else 0) for _, r in reports.committed)
    assert all(r.events == () for _, r in reports.committed)
    with EventStore(db, readonly=True) as store:
        assert store.count() == 33


def test_stored_events_come_back_when_asked(tmp_path: Path) -> None:
    reports = Reports()
    writer = ProcessWriter(tmp_path / "h.sqlite")
    writer.start(reports.on_fatal)
    try:
        reports.put(writer, batch(0, 3))
    finally:
        writer.stop()
    ((_, report),) = reports.committed
    assert sorted(e.event_id for e in report.events)[:3] == ["m-0", "m-1", "m-2"]
    assert len(report.events) == report.stored == 4


def test_decoding_in_the_child_stores_and_returns_the_same_events(tmp_path: Path) -> None:
    # The window's writer: messages cross raw, the child decodes (card numbers masked there).
    pan = "4111111111111111"
    card = Delivery(
        99, "payments.events", "payment.failed", False, pika.BasicProperties(message_id="m-card"),
        json.dumps({"type": "payment.failed", "payment_id": "p-card", "note": pan}).encode(),
    )  # fmt: skip
    with_card = batch(0, 3)
    with_card.deliveries.append(card)
    reports = Reports()
    writer = ProcessWriter(tmp_path / "h.sqlite", decode_in_child=True)
    writer.start(reports.on_fatal)
    try:
        reports.put(writer, with_card)
        reports.put(writer, batch(0, 3))  # again: duplicates, counted in the child
    finally:
        writer.stop()
    assert reports.fatal == []
    (_, first), (_, again) = reports.committed
    assert (first.stored, first.duplicates, first.decode_errors) == (5, 0, 1)
    assert (again.stored, again.duplicates) == (0, 4)
    events = {e.event_id: e for e in first.events}
    assert {"m-0", "m-1", "m-2", "m-card"} <= events.keys()
    assert pan not in events["m-card"].body and "411111" in events["m-card"].body
    assert events["m-card"].payment_id == "p-card"
    assert len({e.received_at for e in first.events}) == 1  # stamped once, on arrival
    with EventStore(tmp_path / "h.sqlite", readonly=True) as store:
        stored = {e.event_id: e for e in store.latest(10)}
    assert stored["m-card"] == events["m-card"]


def test_a_history_that_cannot_open_is_one_store_error_and_nothing_committed(
    tmp_path: Path,
) -> None:
    not_a_database = tmp_path / "history.sqlite"
    not_a_database.write_bytes(b"this is not SQLite" * 100)
    reports = Reports()
    writer = ProcessWriter(not_a_database)
    writer.start(reports.on_fatal)
    try:
        assert writer.ready.wait(60)
        reports.put(writer, batch(0, 5))
    finally:
        writer.stop()
    assert not writer.is_alive() and writer.pending() == 0
    assert len(reports.fatal) == 1 and isinstance(reports.fatal[0], StoreError)
    assert reports.committed == []
