"""Stopping the tap while messages keep arriving: every one is stored or still queued."""

from __future__ import annotations

import threading
from pathlib import Path

import pika
import pytest

from opsdesk.store.event_store import EventStore
from tests.conftest import BROKER_URL, BrokerObjects
from tests.ingest.test_tap import WRITERS, Recorder, classic_tap, make_profile, native_event

pytestmark = pytest.mark.broker


class SteadyPublisher:
    """Publishes native events with confirms on its own connection until stopped."""

    def __init__(self, exchange: str, first: int = 0) -> None:
        self.exchange = exchange
        self.first = first  # the number of its first event (evt-<first>)
        self.published = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="steady-publisher")

    def __enter__(self) -> SteadyPublisher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            while not self._stop.is_set():
                i = self.first + self.published
                channel.basic_publish(
                    self.exchange,
                    "payment.succeeded",
                    native_event(i),
                    pika.BasicProperties(message_id=f"m-{i}"),
                )
                self.published += 1
                self._stop.wait(0.001)
        finally:
            connection.close()


def stored_ids(db_path: Path) -> set[str]:
    with EventStore(db_path, readonly=True) as store:
        return {row[0] for row in store.db.execute("select event_id from events")}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_stop_while_messages_arrive_loses_nothing(
    tap_setup, broker: BrokerObjects, writer: dict[str, bool]
) -> None:
    """Finding 1 of issue 9: a stop acked deliveries that arrived during its drain.

    The drain handed the current batch to the writer and went on dispatching; deliveries
    that came in then were appended to that handed-over batch, and its ack (multiple, up to
    its last tag, read after the commit) covered messages that were never stored.
    """
    exchange, queue, db_path = tap_setup
    profile = make_profile(exchange, queue, **writer)
    declaring = classic_tap(profile, db_path, first := Recorder())  # the queue exists and is bound
    declaring.start()
    try:
        first.wait_connected()
    finally:
        declaring.stop()
    lost_total = 0
    for round_ in range(3):
        recorder = Recorder()
        tap = classic_tap(profile, db_path, recorder)
        with SteadyPublisher(exchange) as publisher:
            tap.start()
            try:
                recorder.wait_for(lambda: recorder.counters.stored >= 200)  # noqa: B023
            finally:
                tap.stop()
        assert not tap.is_alive()
        # Every message is in the history or back in the tap queue: none acked unstored.
        queued = broker.message_count(queue)
        stored = stored_ids(db_path)
        expected = {f"m-{i}" for i in range(publisher.published)}
        lost_total += len(expected - stored) - queued
        broker.channel.queue_purge(queue)
        db_path.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        assert lost_total == 0, f"round {round_}: {lost_total} acked but never stored"
