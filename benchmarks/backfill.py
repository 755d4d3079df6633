"""How long live events wait while a desk fills its history from the stream, by design choice.

    .venv/bin/python benchmarks/backfill.py [--backlog 100000] [--live-rate 200]

A stream holds --backlog ~1 KB events; a publisher adds live events at --live-rate a second,
each stamped with when it was published. A new desk (the window's tap: stream source, thread
writer) then starts, and for each live event published until its history has caught up we
take how long it took to be stored (on_stored): publish to COMMIT. Live means published once
the desk's live reader is attached (it reports CONNECTED): what came before is history.

- history first: one reader from the first message, live events behind the whole backlog;
- interleaved, K batches: a live reader from the stream's end and a backfill reader from the
  first message, both through the same writer, the backfill's prefetch K batches (what
  stream_tap.BACKFILL_BATCHES_IN_FLIGHT sets; live batches wait behind at most these).

Also the backfill's rate (backlog / time to catch up). Each mode on a fresh stream.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import pika
from ingest import URL, event_body

from opsdesk.config import Binding, Profile, TapSettings
from opsdesk.config.endpoint import BrokerEndpoint
from opsdesk.events.model import PaymentEvent
from opsdesk.ingest import stream_tap
from opsdesk.ingest.backfill_start import BackfillStart
from opsdesk.ingest.source_choice import tap_source
from opsdesk.ingest.tap import Tap
from opsdesk.ingest.tap_state import TapCounters, TapPhase, TapState
from opsdesk.ingest.writer_choice import tap_writer
from opsdesk.store.event_store import EventStore
from opsdesk.store.source_positions import Position


class Clock:
    """TapListener noting when each live event was stored."""

    def __init__(self) -> None:
        self.stored_at: dict[str, float] = {}
        self.count = 0
        self.connected_at: float | None = None

    def on_state(self, state: TapState) -> None:
        if state.phase is TapPhase.CONNECTED and self.connected_at is None:
            self.connected_at = time.monotonic()

    def on_counters(self, counters: TapCounters) -> None:
        pass

    def on_stored(self, events: Sequence[PaymentEvent]) -> None:
        now = time.monotonic()
        self.count += len(events)
        for event in events:
            if event.event_id.startswith("live-"):
                self.stored_at[event.event_id] = now


class LivePublisher(threading.Thread):
    def __init__(self, exchange: str, rate: float) -> None:
        super().__init__(name="live-publisher", daemon=True)
        self.exchange, self.rate = exchange, rate
        self.published_at: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(URL))
        channel = connection.channel()
        i = 0
        while not self.stop.is_set():
            event_id = f"live-{i}"
            props = pika.BasicProperties(message_id=event_id, delivery_mode=2)
            channel.basic_publish(self.exchange, "payment.succeeded", event_body(i), props)
            self.published_at[event_id] = time.monotonic()
            i += 1
            connection.sleep(1 / self.rate)
        connection.close()


def one_mode(args: argparse.Namespace, batches: int | None) -> tuple[list[float], float]:
    """(live latencies in s while catching up, backlog events/s); batches None: history first."""
    tag = uuid.uuid4().hex[:6]
    exchange, stream = f"bench.bf.{tag}.x", f"bench.bf.{tag}.stream"
    settings = TapSettings(queue=stream, kind="stream", max_age="1h")
    profile = Profile("bench", BrokerEndpoint(URL), (Binding(exchange),), settings)
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    channel = connection.channel()
    channel.exchange_declare(exchange, "topic")
    channel.queue_declare(stream, durable=True, arguments=settings.stream_arguments())
    channel.queue_bind(stream, exchange, "#")
    props = pika.BasicProperties(delivery_mode=2)
    for i in range(args.backlog):
        channel.basic_publish(exchange, "payment.succeeded", event_body(i), props)
    channel.confirm_delivery()
    channel.basic_publish(exchange, "marker", b"{}", props)  # confirmed: the backlog is in
    workdir = Path(tempfile.mkdtemp(prefix="opsdesk-backfill-"))
    db = workdir / "history.sqlite"
    publisher = LivePublisher(exchange, args.live_rate)
    clock = Clock()
    backfill = None
    if batches is None:
        with EventStore(db) as store:  # a desk whose history ends before the backlog
            store.insert_batch([], Position(stream_tap.stream_log(profile), -1))
    else:
        stream_tap.BACKFILL_BATCHES_IN_FLIGHT = batches
        backfill = BackfillStart.parse("first")
    try:
        publisher.start()
        time.sleep(1.0)
        source = tap_source(profile, db, backfill)
        tap = Tap(source, tap_writer(profile, db, shows_events=True), clock)
        started = time.monotonic()
        tap.start()
        while clock.count < args.backlog:
            time.sleep(0.05)
        caught_up = time.monotonic()
        time.sleep(1.0)
        publisher.stop.set()
        publisher.join()
        time.sleep(1.0)
        tap.stop()
    finally:
        channel.queue_delete(stream)
        channel.exchange_delete(exchange)
        connection.close()
        for f in workdir.iterdir():
            f.unlink()
        workdir.rmdir()
    # Live: published once the desk's live reader was attached (it reports CONNECTED after);
    # what came before belongs to the history the backfill reads.
    assert clock.connected_at is not None
    connected = clock.connected_at
    waits = [
        clock.stored_at[event_id] - at
        for event_id, at in publisher.published_at.items()
        if connected <= at <= caught_up and event_id in clock.stored_at
    ]
    missing = [e for e in publisher.published_at if e not in clock.stored_at]
    if missing:
        raise SystemExit(f"{len(missing)} live events never stored, e.g. {missing[:3]}")
    if args.worst:
        published = publisher.published_at.items()
        worst = sorted(
            ((clock.stored_at[e] - at, e, at - connected) for e, at in published
             if connected <= at <= caught_up and e in clock.stored_at), reverse=True
        )[:3]  # fmt: skip
        print("    worst (wait s, event, published s after connected):", worst)
    return waits, args.backlog / (caught_up - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--live-rate", type=float, default=200.0)
    parser.add_argument("--batches", default="1,2,4,16", help="backfill batches in flight")
    parser.add_argument("--worst", action="store_true", help="print the 3 longest waits")
    args = parser.parse_args()
    print(f"backlog {args.backlog:,} events, live {args.live_rate:.0f}/s; live publish->stored:")
    modes: list[tuple[str, int | None]] = [("history first, one reader", None)]
    modes += [(f"interleaved, backfill {k} batches", int(k)) for k in args.batches.split(",")]
    for label, batches in modes:
        waits, rate = one_mode(args, batches)
        waits.sort()
        p99 = waits[int(len(waits) * 0.99) - 1] if waits else float("nan")
        print(
            f"  {label:34} median {statistics.median(waits):6.2f} s  p99 {p99:6.2f} s"
            f"  max {waits[-1]:6.2f} s  ({len(waits)} live events)  backlog {rate:7,.0f}/s"
        )


if __name__ == "__main__":
    main()
