"""The stream tap against the real broker: each batch with its offset, resumed exactly."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pika
import pytest

from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.stream_history import record_backfill
from opsdesk.ingest.stream_tap import StreamTapSource, stream_log
from opsdesk.ingest.tap_state import TapPhase
from opsdesk.store.source_positions import LogPositions
from tests.conftest import BrokerObjects
from tests.ingest.conftest import rabbitmqctl
from tests.ingest.stream_desk import event_ids, history_positions, stream_profile, stream_tap
from tests.ingest.test_tap import WRITERS, GatedRecorder, Recorder, native_event, publish_native
from tests.ingest.test_tap_stop import SteadyPublisher

pytestmark = pytest.mark.broker


def publish_range(broker: BrokerObjects, exchange: str, first: int, count: int) -> None:
    for i in range(first, first + count):
        broker.publish(exchange, "payment.succeeded", native_event(i), message_id=f"m-{i}")


def backfill_done(source: StreamTapSource) -> bool:
    progress = source.backfill_progress()
    return progress is not None and progress.done


def ids(first: int, count: int) -> Counter[str]:
    """The event ids of native events first.. (their message ids, published as m-<i>)."""
    return Counter(f"m-{i}" for i in range(first, first + count))


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_a_restarted_desk_resumes_exactly_where_its_history_ends(
    stream_setup, broker: BrokerObjects, writer: dict[str, bool]
) -> None:
    exchange, stream, db = stream_setup
    profile = stream_profile(exchange, stream, batch_size=40, **writer)
    recorder = Recorder()
    tap, _ = stream_tap(profile, db, recorder)
    tap.start()
    try:
        recorder.wait_connected()
        publish_native(broker, exchange, 300)
        recorder.wait_for(lambda: recorder.counters.stored == 300)
    finally:
        tap.stop()
    assert history_positions(profile, db) == LogPositions(live=299)  # a new stream's offsets
    publish_range(broker, exchange, 300, 200)  # while the desk is closed

    again = Recorder()
    tap, _ = stream_tap(profile, db, again)
    tap.start()
    try:
        again.wait_for(lambda: again.counters.stored == 200)
    finally:
        tap.stop()
    assert again.counters.duplicates == 0, "nothing read twice"
    assert Counter(event_ids(db)) == ids(0, 500)
    assert history_positions(profile, db) == LogPositions(live=499)


def test_a_new_desk_starts_at_next_and_backfills_the_last_hour_later(
    stream_setup, broker: BrokerObjects
) -> None:
    exchange, stream, db = stream_setup
    profile = stream_profile(exchange, stream)
    broker.channel.queue_declare(stream, durable=True, arguments=profile.tap.queue_arguments())
    broker.channel.queue_bind(stream, exchange, "payment.#")
    publish_range(broker, exchange, 0, 100)  # before this desk existed
    recorder = Recorder()
    tap, _ = stream_tap(profile, db, recorder)
    tap.start()
    try:
        recorder.wait_connected()
        publish_range(broker, exchange, 100, 50)
        recorder.wait_for(lambda: recorder.counters.stored == 50)
    finally:
        tap.stop()
    assert Counter(event_ids(db)) == ids(100, 50), "from next: nothing from before"

    again = Recorder()
    # An age: the stream is asked from a timestamp (x-stream-offset as an AMQP timestamp).
    tap, source = stream_tap(profile, db, again, BackfillStart.parse("1h"))
    tap.start()
    try:
        again.wait_for(lambda: backfill_done(source))
    finally:
        tap.stop()
    assert Counter(event_ids(db)) == ids(0, 150)
    assert history_positions(profile, db) == LogPositions(live=149), "the backfill has ended"
    progress = source.backfill_progress()
    assert progress is not None and progress.fraction() == 1.0


def test_a_backfill_asked_while_following_live_fills_behind_it(
    stream_setup, broker: BrokerObjects
) -> None:
    """As the window asks for one: recorded in the history, then started on the running tap."""
    exchange, stream, db = stream_setup
    profile = stream_profile(exchange, stream, batch_size=100)
    broker.channel.queue_declare(stream, durable=True, arguments=profile.tap.queue_arguments())
    broker.channel.queue_bind(stream, exchange, "payment.#")
    publish_range(broker, exchange, 0, 2000)
    recorder = Recorder()
    tap, source = stream_tap(profile, db, recorder)
    tap.start()
    try:
        recorder.wait_connected()
        with SteadyPublisher(exchange, first=2000) as publisher:
            recorder.wait_for(lambda: recorder.counters.stored >= 20)
            record_backfill(db, stream_log(profile), BackfillStart.parse("first"))
            source.start_backfill(BackfillStart.parse("first"))
            recorder.wait_for(lambda: backfill_done(source), 30)
        total = 2000 + publisher.published
        recorder.wait_for(lambda: recorder.counters.stored >= total)
    finally:
        tap.stop()
    assert Counter(event_ids(db)) == ids(0, total), "before the desk and live, each once"
    assert history_positions(profile, db) == LogPositions(live=total - 1)


def test_reconnection_resumes_after_what_was_committed(private_vhost: str, tmp_path: Path) -> None:
    url = f"amqp://guest:guest@127.0.0.1:5672/{private_vhost}"
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.exchange_declare("payments.events", "topic")
    profile = stream_profile("payments.events", "desks", url=url, batch_size=20, prefetch=40)
    db = tmp_path / "h.sqlite"
    recorder = GatedRecorder(hold_after=200)
    tap, _ = stream_tap(profile, db, recorder)
    tap.start()
    total = 2000
    try:
        recorder.wait_connected()
        for i in range(total):
            properties = pika.BasicProperties(message_id=f"m-{i}")
            channel.basic_publish(
                "payments.events", "payment.succeeded", native_event(i), properties
            )
        connection.close()  # before "all" connections are closed
        # The writer is held mid-stream with batches of the first connection in its queue.
        assert recorder.holding.wait(30), "tap never got 200 events in"
        rabbitmqctl("close_all_connections", "--vhost", private_vhost, "opsdesk test")
        recorder.wait_for(lambda: any(s.phase is TapPhase.RECONNECTING for s in recorder.states))
        recorder.release.set()
        recorder.wait_for(lambda: recorder.counters.stored >= total, timeout=60)
    finally:
        recorder.release.set()
        tap.stop()
    assert [s.phase for s in recorder.states].count(TapPhase.CONNECTED) >= 2
    assert Counter(event_ids(db)) == ids(0, total)
    assert history_positions(profile, db) == LogPositions(live=total - 1)


def test_a_stream_declared_with_other_settings_is_read_as_it_is_and_said_so(
    stream_setup, broker: BrokerObjects
) -> None:
    exchange, stream, db = stream_setup
    broker.channel.queue_declare(
        stream, durable=True, arguments={"x-queue-type": "stream", "x-max-age": "2h"}
    )
    recorder = Recorder()
    tap, _ = stream_tap(stream_profile(exchange, stream, max_age="7D"), db, recorder)
    tap.start()
    try:
        recorder.wait_connected()
        publish_native(broker, exchange, 10)
        recorder.wait_for(lambda: recorder.counters.stored == 10)
    finally:
        tap.stop()
    connected = next(s for s in recorder.states if s.phase is TapPhase.CONNECTED)
    assert (
        f"stream {stream} was declared with x-max-age '2h', this profile says '7D'; "
        "reading it as it is"
    ) in connected.detail


def test_a_classic_queue_of_that_name_is_refused_in_one_sentence(
    stream_setup, broker: BrokerObjects
) -> None:
    exchange, stream, db = stream_setup
    broker.channel.queue_declare(stream, durable=True)
    recorder = Recorder()
    tap, _ = stream_tap(stream_profile(exchange, stream), db, recorder)
    tap.start()
    try:
        recorder.wait_for(lambda: any(s.phase is TapPhase.RECONNECTING for s in recorder.states))
    finally:
        tap.stop()
    problem = next(s for s in recorder.states if s.phase is TapPhase.RECONNECTING).detail
    assert problem == (
        f"{stream} exists on the broker as a classic queue, not a stream: "
        "name another stream in the profile's tap queue."
    )
